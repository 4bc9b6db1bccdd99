// Package domain holds the user entity, the ports the application depends on
// and the domain errors. It imports nothing from the infrastructure.
package domain

import (
	"time"
)

// User is a user account.
type User struct {
	ID        string
	Name      string
	Email     string
	CreatedAt time.Time
}

// Cursor is a keyset position in the (created_at, id) ordering of users.
// The zero Cursor means "from the beginning".
type Cursor struct {
	CreatedAt time.Time
	ID        string
}

// IsZero reports whether c points at the first page.
func (c Cursor) IsZero() bool { return c.ID == "" && c.CreatedAt.IsZero() }

// Page is one page of users and the cursor of the next page (nil on the last page).
type Page struct {
	Users []*User
	Next  *Cursor
}

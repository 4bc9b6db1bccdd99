package domain

import "context"

// UserRepository persists users.
type UserRepository interface {
	// GetByID returns ErrNotFound when no user has this id.
	GetByID(ctx context.Context, id string) (*User, error)
	// Create stores u and returns ErrAlreadyExists when its email is taken.
	Create(ctx context.Context, u *User) error
	// List returns up to limit users after cursor, in (created_at, id) order.
	List(ctx context.Context, after Cursor, limit int) (Page, error)
}

// UserService is the use-case boundary that transports (gRPC, REST) call.
type UserService interface {
	GetUser(ctx context.Context, id string) (*User, error)
	CreateUser(ctx context.Context, name, email string) (*User, error)
	// ListUsers returns one page and the opaque token of the next page ("" on the last).
	ListUsers(ctx context.Context, pageSize int32, pageToken string) ([]*User, string, error)
}

package application

import (
	"fmt"
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/example/user-platform/services/user-service/internal/domain"
)

// Limits of the request fields.
const (
	MaxNameLen       = 100 // runes, after trimming
	MaxEmailLen      = 254 // bytes (RFC 5321 path limit)
	DefaultPageSize  = 50
	MaxPageSize      = 1000
	maxRawUserIDSize = 64
)

// ValidateUserID checks that id is a UUID and returns its canonical form.
func ValidateUserID(id string) (string, error) {
	if id == "" {
		return "", domain.Invalid("id", "must not be empty")
	}
	if len(id) > maxRawUserIDSize {
		return "", domain.Invalid("id", "must be a UUID")
	}
	u, err := uuid.Parse(id)
	if err != nil {
		return "", domain.Invalid("id", "must be a UUID")
	}
	return u.String(), nil
}

// NormalizeEmail trims and lower-cases an address and checks that it is a
// bare addr-spec ("local@domain", no display name).
func NormalizeEmail(email string) (string, error) {
	e := strings.ToLower(strings.TrimSpace(email))
	switch {
	case e == "":
		return "", fmt.Errorf("must not be empty")
	case len(e) > MaxEmailLen:
		return "", fmt.Errorf("must be at most %d characters", MaxEmailLen)
	case !utf8.ValidString(e):
		return "", fmt.Errorf("must be valid UTF-8")
	}
	addr, err := mail.ParseAddress(e)
	if err != nil || addr.Name != "" || addr.Address != e {
		return "", fmt.Errorf("must be a valid email address like name@example.com")
	}
	at := strings.LastIndexByte(e, '@')
	if at <= 0 || !strings.Contains(e[at+1:], ".") || strings.HasSuffix(e, ".") {
		return "", fmt.Errorf("must be a valid email address like name@example.com")
	}
	return e, nil
}

// NormalizeName trims a display name and checks its length and characters.
func NormalizeName(name string) (string, error) {
	n := strings.TrimSpace(name)
	switch {
	case !utf8.ValidString(n):
		return "", fmt.Errorf("must be valid UTF-8")
	case n == "":
		return "", fmt.Errorf("must not be empty")
	case utf8.RuneCountInString(n) > MaxNameLen:
		return "", fmt.Errorf("must be at most %d characters", MaxNameLen)
	}
	for _, r := range n {
		if unicode.IsControl(r) {
			return "", fmt.Errorf("must not contain control characters")
		}
	}
	return n, nil
}

// ValidateCreateUser normalises and validates the fields of a CreateUser
// request, reporting every invalid field at once.
func ValidateCreateUser(name, email string) (string, string, error) {
	var violations []domain.FieldViolation
	n, err := NormalizeName(name)
	if err != nil {
		violations = append(violations, domain.FieldViolation{Field: "name", Description: err.Error()})
	}
	e, err := NormalizeEmail(email)
	if err != nil {
		violations = append(violations, domain.FieldViolation{Field: "email", Description: err.Error()})
	}
	if len(violations) > 0 {
		return "", "", &domain.ValidationError{Violations: violations}
	}
	return n, e, nil
}

// NormalizePageSize applies the default and the bounds of page_size.
func NormalizePageSize(size int32) (int, error) {
	switch {
	case size < 0:
		return 0, domain.Invalid("page_size", "must not be negative")
	case size == 0:
		return DefaultPageSize, nil
	case size > MaxPageSize:
		return MaxPageSize, nil
	default:
		return int(size), nil
	}
}

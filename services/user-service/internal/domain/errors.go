package domain

import (
	"errors"
	"strings"
)

// Sentinel errors. Infrastructure adapters wrap their failures in these so that
// transports can map them without knowing about Postgres, Redis or gobreaker.
var (
	ErrNotFound      = errors.New("not found")
	ErrAlreadyExists = errors.New("already exists")
	ErrInvalid       = errors.New("invalid argument")
	// ErrUnavailable means a dependency (the database) cannot serve now; retry later.
	ErrUnavailable = errors.New("unavailable")
)

// FieldViolation names one invalid request field.
type FieldViolation struct {
	Field       string
	Description string
}

// ValidationError lists the invalid fields of a request. It matches ErrInvalid
// with errors.Is.
type ValidationError struct {
	Violations []FieldViolation
}

// Error implements error.
func (e *ValidationError) Error() string {
	parts := make([]string, 0, len(e.Violations))
	for _, v := range e.Violations {
		parts = append(parts, v.Field+": "+v.Description)
	}
	return "invalid argument: " + strings.Join(parts, "; ")
}

// Is makes errors.Is(err, ErrInvalid) true.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalid }

// Invalid builds a ValidationError for a single field.
func Invalid(field, description string) *ValidationError {
	return &ValidationError{Violations: []FieldViolation{{Field: field, Description: description}}}
}

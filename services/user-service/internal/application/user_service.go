// Package application implements the user use cases: input validation, email
// normalisation, id assignment and page tokens. Errors it returns wrap the
// domain sentinels (domain.ErrInvalid, ErrNotFound, ...).
package application

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/example/user-platform/services/user-service/internal/application/pagetoken"
	"github.com/example/user-platform/services/user-service/internal/domain"
)

// UserService implements domain.UserService.
type UserService struct {
	repo   domain.UserRepository
	tokens *pagetoken.Codec
	now    func() time.Time
}

var _ domain.UserService = (*UserService)(nil)

// NewUserService wires the use cases to a repository and a page token codec.
func NewUserService(repo domain.UserRepository, tokens *pagetoken.Codec) *UserService {
	return &UserService{repo: repo, tokens: tokens, now: time.Now}
}

// GetUser returns the user with id.
func (s *UserService) GetUser(ctx context.Context, id string) (*domain.User, error) {
	canonical, err := ValidateUserID(id)
	if err != nil {
		return nil, err
	}
	u, err := s.repo.GetByID(ctx, canonical)
	if err != nil {
		return nil, fmt.Errorf("get user %s: %w", canonical, err)
	}
	return u, nil
}

// CreateUser validates and stores a new user with a fresh UUIDv7 id.
func (s *UserService) CreateUser(ctx context.Context, name, email string) (*domain.User, error) {
	n, e, err := ValidateCreateUser(name, email)
	if err != nil {
		return nil, err
	}
	id, err := uuid.NewV7()
	if err != nil {
		return nil, fmt.Errorf("create user: new id: %w", err)
	}
	u := &domain.User{
		ID:        id.String(),
		Name:      n,
		Email:     e,
		CreatedAt: s.now().UTC().Truncate(time.Microsecond), // Postgres keeps µs
	}
	if err := s.repo.Create(ctx, u); err != nil {
		return nil, fmt.Errorf("create user: %w", err)
	}
	return u, nil
}

// ListUsers returns one page of users and the token of the next page.
func (s *UserService) ListUsers(ctx context.Context, pageSize int32, pageToken string) ([]*domain.User, string, error) {
	size, err := NormalizePageSize(pageSize)
	if err != nil {
		return nil, "", err
	}
	var after domain.Cursor
	if pageToken != "" {
		after, err = s.tokens.Decode(pageToken)
		if err != nil {
			return nil, "", fmt.Errorf("list users: %w", errors.Join(domain.Invalid("page_token", "is invalid or was tampered with"), err))
		}
	}
	page, err := s.repo.List(ctx, after, size)
	if err != nil {
		return nil, "", fmt.Errorf("list users: %w", err)
	}
	if page.Next == nil {
		return page.Users, "", nil
	}
	next, err := s.tokens.Encode(*page.Next)
	if err != nil {
		return nil, "", fmt.Errorf("list users: %w", err)
	}
	return page.Users, next, nil
}

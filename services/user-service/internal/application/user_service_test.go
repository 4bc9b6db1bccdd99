package application_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/example/user-platform/services/user-service/internal/application"
	"github.com/example/user-platform/services/user-service/internal/application/pagetoken"
	"github.com/example/user-platform/services/user-service/internal/domain"
)

// fakeRepo is an in-memory repository whose errors can be forced.
type fakeRepo struct {
	users []*domain.User
	err   error
}

func (r *fakeRepo) GetByID(_ context.Context, id string) (*domain.User, error) {
	if r.err != nil {
		return nil, r.err
	}
	for _, u := range r.users {
		if u.ID == id {
			return u, nil
		}
	}
	return nil, fmt.Errorf("select: %w", domain.ErrNotFound)
}

func (r *fakeRepo) Create(_ context.Context, u *domain.User) error {
	if r.err != nil {
		return r.err
	}
	for _, x := range r.users {
		if x.Email == u.Email {
			return fmt.Errorf("insert: %w", domain.ErrAlreadyExists)
		}
	}
	r.users = append(r.users, u)
	return nil
}

func (r *fakeRepo) List(_ context.Context, after domain.Cursor, limit int) (domain.Page, error) {
	if r.err != nil {
		return domain.Page{}, r.err
	}
	var out []*domain.User
	for _, u := range r.users {
		if after.IsZero() || u.CreatedAt.After(after.CreatedAt) || (u.CreatedAt.Equal(after.CreatedAt) && u.ID > after.ID) {
			out = append(out, u)
		}
	}
	p := domain.Page{Users: out}
	if len(out) > limit {
		p.Users = out[:limit]
		last := out[limit-1]
		p.Next = &domain.Cursor{CreatedAt: last.CreatedAt, ID: last.ID}
	}
	return p, nil
}

func newService(t *testing.T, repo domain.UserRepository) *application.UserService {
	t.Helper()
	codec, err := pagetoken.New([]byte("test-secret-0123456789"))
	if err != nil {
		t.Fatal(err)
	}
	return application.NewUserService(repo, codec)
}

func TestCreateAndGet(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc := newService(t, &fakeRepo{})
	u, err := svc.CreateUser(ctx, " Ada ", "ADA@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if u.Name != "Ada" || u.Email != "ada@example.com" || len(u.ID) != 36 || u.CreatedAt.IsZero() {
		t.Fatalf("unexpected user %+v", u)
	}
	got, err := svc.GetUser(ctx, u.ID)
	if err != nil || got.ID != u.ID {
		t.Fatalf("GetUser = %+v, %v", got, err)
	}
}

func TestErrorMapping(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	down := fmt.Errorf("dial: %w", domain.ErrUnavailable)
	existing := &fakeRepo{}
	if _, err := newService(t, existing).CreateUser(ctx, "a", "a@example.com"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		call func(svc *application.UserService) error
		repo domain.UserRepository
		want error
	}{
		{"get invalid id", func(s *application.UserService) error { _, err := s.GetUser(ctx, "x"); return err }, &fakeRepo{}, domain.ErrInvalid},
		{"get not found", func(s *application.UserService) error {
			_, err := s.GetUser(ctx, "0190f3c4-5b6a-7c8d-9e0f-1a2b3c4d5e6f")
			return err
		}, &fakeRepo{}, domain.ErrNotFound},
		{"get unavailable", func(s *application.UserService) error {
			_, err := s.GetUser(ctx, "0190f3c4-5b6a-7c8d-9e0f-1a2b3c4d5e6f")
			return err
		}, &fakeRepo{err: down}, domain.ErrUnavailable},
		{"create invalid", func(s *application.UserService) error { _, err := s.CreateUser(ctx, "", "x"); return err }, &fakeRepo{}, domain.ErrInvalid},
		{"create duplicate (case-insensitive)", func(s *application.UserService) error {
			_, err := s.CreateUser(ctx, "b", "A@Example.com")
			return err
		}, existing, domain.ErrAlreadyExists},
		{"create unavailable", func(s *application.UserService) error { _, err := s.CreateUser(ctx, "a", "a@b.co"); return err }, &fakeRepo{err: down}, domain.ErrUnavailable},
		{"list negative size", func(s *application.UserService) error { _, _, err := s.ListUsers(ctx, -1, ""); return err }, &fakeRepo{}, domain.ErrInvalid},
		{"list bad token", func(s *application.UserService) error { _, _, err := s.ListUsers(ctx, 10, "garbage"); return err }, &fakeRepo{}, domain.ErrInvalid},
		{"list unavailable", func(s *application.UserService) error { _, _, err := s.ListUsers(ctx, 10, ""); return err }, &fakeRepo{err: down}, domain.ErrUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.call(newService(t, tt.repo))
			if !errors.Is(err, tt.want) {
				t.Fatalf("error = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestListPagination(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	repo := &fakeRepo{}
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 7 {
		repo.users = append(repo.users, &domain.User{
			ID: fmt.Sprintf("0190f3c4-5b6a-7c8d-9e0f-%012d", i), Name: "u", Email: fmt.Sprintf("u%d@x.io", i),
			CreatedAt: base.Add(time.Duration(i/2) * time.Second), // ties on created_at
		})
	}
	svc := newService(t, repo)
	var seen []string
	token := ""
	for pages := 0; ; pages++ {
		if pages > 10 {
			t.Fatal("pagination does not end")
		}
		users, next, err := svc.ListUsers(ctx, 3, token)
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range users {
			seen = append(seen, u.ID)
		}
		if next == "" {
			break
		}
		token = next
	}
	if len(seen) != 7 {
		t.Fatalf("saw %d users, want 7: %v", len(seen), seen)
	}
	other := application.NewUserService(repo, mustCodec(t, "another-secret-0123456"))
	if _, _, err := other.ListUsers(ctx, 3, token); !errors.Is(err, domain.ErrInvalid) && token != "" {
		t.Fatalf("token from another secret accepted: %v", err)
	}
}

func mustCodec(t *testing.T, secret string) *pagetoken.Codec {
	t.Helper()
	c, err := pagetoken.New([]byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

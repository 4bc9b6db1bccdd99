package persistence_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/example/user-platform/services/user-service/internal/domain"
	"github.com/example/user-platform/services/user-service/internal/infrastructure/persistence"
	"github.com/example/user-platform/services/user-service/internal/testutil"
)

func newRepo(t *testing.T) (*persistence.PostgresRepo, *pgxpool.Pool) {
	t.Helper()
	dsn := testutil.NewDatabase(t, "TEST_DATABASE_URL")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pool, err := persistence.NewPool(ctx, persistence.PoolConfig{DSN: dsn, MaxConns: 4, MinConns: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	for range 2 { // migrations are idempotent
		conn, err := pool.Acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		err = persistence.Migrate(ctx, conn.Conn())
		conn.Release()
		if err != nil {
			t.Fatal(err)
		}
	}
	return persistence.NewPostgresRepo(pool), pool
}

func TestRepository(t *testing.T) {
	repo, pool := newRepo(t)
	ctx := context.Background()

	var applied int
	if err := pool.QueryRow(ctx, "SELECT count(*) FROM schema_migrations").Scan(&applied); err != nil || applied != 1 {
		t.Fatalf("schema_migrations rows = %d, %v", applied, err)
	}

	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	var ids []string
	for i := range 5 {
		u := &domain.User{
			ID: fmt.Sprintf("0190f3c4-5b6a-7c8d-9e0f-%012d", i), Name: fmt.Sprintf("u%d", i),
			Email: fmt.Sprintf("u%d@example.com", i), CreatedAt: base.Add(time.Duration(i/2) * time.Second),
		}
		if err := repo.Create(ctx, u); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, u.ID)
	}
	err := repo.Create(ctx, &domain.User{ID: "0190f3c4-5b6a-7c8d-9e0f-999999999999", Name: "x", Email: "u0@example.com", CreatedAt: base})
	if !errors.Is(err, domain.ErrAlreadyExists) {
		t.Fatalf("duplicate email: %v", err)
	}
	got, err := repo.GetByID(ctx, ids[3])
	if err != nil || got.Email != "u3@example.com" || !got.CreatedAt.Equal(base.Add(time.Second)) {
		t.Fatalf("GetByID = %+v, %v", got, err)
	}
	if _, err := repo.GetByID(ctx, "0190f3c4-5b6a-7c8d-9e0f-aaaaaaaaaaaa"); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("unknown id: %v", err)
	}

	// Keyset pages of 2 over 5 users with created_at ties.
	var seen []string
	cur := domain.Cursor{}
	for range 5 {
		page, err := repo.List(ctx, cur, 2)
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range page.Users {
			seen = append(seen, u.ID)
		}
		if page.Next == nil {
			break
		}
		cur = *page.Next
	}
	if fmt.Sprint(seen) != fmt.Sprint(ids) {
		t.Fatalf("pages = %v, want %v", seen, ids)
	}
}

func TestUnavailableWhenDatabaseGone(t *testing.T) {
	repo, pool := newRepo(t)
	pool.Close()
	_, err := repo.GetByID(context.Background(), "0190f3c4-5b6a-7c8d-9e0f-1a2b3c4d5e6f")
	if !errors.Is(err, domain.ErrUnavailable) {
		t.Fatalf("closed pool: %v, want ErrUnavailable", err)
	}
}

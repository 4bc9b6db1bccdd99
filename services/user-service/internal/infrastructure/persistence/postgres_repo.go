package persistence

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/example/user-platform/services/user-service/internal/domain"
)

// PostgresRepo implements domain.UserRepository on a pgx pool.
type PostgresRepo struct {
	pool *pgxpool.Pool
}

var _ domain.UserRepository = (*PostgresRepo)(nil)

// NewPostgresRepo returns a repository using pool.
func NewPostgresRepo(pool *pgxpool.Pool) *PostgresRepo { return &PostgresRepo{pool: pool} }

// Ping checks that the database answers.
func (r *PostgresRepo) Ping(ctx context.Context) error {
	if err := r.pool.Ping(ctx); err != nil {
		return classify(ctx, "ping", err)
	}
	return nil
}

// GetByID implements domain.UserRepository.
func (r *PostgresRepo) GetByID(ctx context.Context, id string) (*domain.User, error) {
	var u domain.User
	err := r.pool.QueryRow(ctx,
		`SELECT id::text, name, email, created_at FROM users WHERE id = $1`, id,
	).Scan(&u.ID, &u.Name, &u.Email, &u.CreatedAt)
	if err != nil {
		return nil, classify(ctx, "select user", err)
	}
	u.CreatedAt = u.CreatedAt.UTC()
	return &u, nil
}

// Create implements domain.UserRepository.
func (r *PostgresRepo) Create(ctx context.Context, u *domain.User) error {
	_, err := r.pool.Exec(ctx,
		`INSERT INTO users (id, name, email, created_at) VALUES ($1, $2, $3, $4)`,
		u.ID, u.Name, u.Email, u.CreatedAt)
	if err != nil {
		return classify(ctx, "insert user", err)
	}
	return nil
}

// List implements domain.UserRepository with keyset pagination on (created_at, id).
func (r *PostgresRepo) List(ctx context.Context, after domain.Cursor, limit int) (domain.Page, error) {
	var (
		rows pgx.Rows
		err  error
	)
	// One row more than asked tells whether a next page exists.
	if after.IsZero() {
		rows, err = r.pool.Query(ctx,
			`SELECT id::text, name, email, created_at FROM users
			 ORDER BY created_at, id LIMIT $1`, limit+1)
	} else {
		rows, err = r.pool.Query(ctx,
			`SELECT id::text, name, email, created_at FROM users
			 WHERE (created_at, id) > ($1, $2)
			 ORDER BY created_at, id LIMIT $3`, after.CreatedAt, after.ID, limit+1)
	}
	if err != nil {
		return domain.Page{}, classify(ctx, "list users", err)
	}
	users, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*domain.User, error) {
		var u domain.User
		if err := row.Scan(&u.ID, &u.Name, &u.Email, &u.CreatedAt); err != nil {
			return nil, err //nolint:wrapcheck // wrapped by classify below
		}
		u.CreatedAt = u.CreatedAt.UTC()
		return &u, nil
	})
	if err != nil {
		return domain.Page{}, classify(ctx, "list users", err)
	}
	page := domain.Page{Users: users}
	if len(users) > limit {
		page.Users = users[:limit]
		last := page.Users[limit-1]
		page.Next = &domain.Cursor{CreatedAt: last.CreatedAt, ID: last.ID}
	}
	return page, nil
}

// classify wraps a pgx error in the matching domain error. ctx is the
// caller's: a timeout is the caller's only when its context has ended; a
// timeout of our own (the pool's connect timeout) means the database did not
// answer, which is ErrUnavailable (retryable), not DeadlineExceeded.
func classify(ctx context.Context, op string, err error) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("%s: %w", op, domain.ErrNotFound)
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		if ctx.Err() != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
		return fmt.Errorf("%s: %w: %w", op, domain.ErrUnavailable, err)
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case pgErr.Code == "23505": // unique_violation
			return fmt.Errorf("%s: %w", op, domain.ErrAlreadyExists)
		case pgErr.Code == "22P02": // invalid_text_representation (bad uuid)
			return fmt.Errorf("%s: %w", op, domain.ErrNotFound)
		case unavailableCode(pgErr.Code):
			return fmt.Errorf("%s: %w: %w", op, domain.ErrUnavailable, err)
		default:
			return fmt.Errorf("%s: %w", op, err)
		}
	}
	// No server answer: connection refused, reset, closed pool, TLS, timeouts.
	return fmt.Errorf("%s: %w: %w", op, domain.ErrUnavailable, err)
}

func unavailableCode(code string) bool {
	switch {
	case len(code) >= 2 && code[:2] == "08": // connection_exception class
		return true
	case code == "57P01", code == "57P02", code == "57P03": // admin/crash shutdown, cannot_connect_now
		return true
	case code == "53300": // too_many_connections
		return true
	}
	return false
}

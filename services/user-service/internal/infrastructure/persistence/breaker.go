package persistence

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/sony/gobreaker/v2"

	"github.com/example/user-platform/services/user-service/internal/domain"
)

// BreakerConfig tunes the circuit breaker. Zero values take the defaults.
type BreakerConfig struct {
	// Timeout is how long the breaker stays open before letting probes through (default 10s).
	Timeout time.Duration
	// Interval clears the failure counts while closed (default 10s).
	Interval time.Duration
	// OnStateChange, when set, is called after every transition.
	OnStateChange func(from, to gobreaker.State)
}

// BreakerRepository guards a UserRepository with a circuit breaker: once the
// database keeps failing, calls fail fast with domain.ErrUnavailable instead
// of piling up on connection timeouts.
type BreakerRepository struct {
	next  domain.UserRepository
	ping  func(context.Context) error
	cb    *gobreaker.CircuitBreaker[any]
	onChg func(from, to gobreaker.State)
}

var _ domain.UserRepository = (*BreakerRepository)(nil)

// NewBreakerRepository wraps next. ping is used by Probe (the readiness loop).
func NewBreakerRepository(next domain.UserRepository, ping func(context.Context) error, c BreakerConfig) *BreakerRepository {
	if c.Timeout == 0 {
		c.Timeout = 10 * time.Second
	}
	if c.Interval == 0 {
		c.Interval = 10 * time.Second
	}
	b := &BreakerRepository{next: next, ping: ping, onChg: c.OnStateChange}
	b.cb = gobreaker.NewCircuitBreaker[any](gobreaker.Settings{
		Name:        "postgres",
		MaxRequests: 5,
		Interval:    c.Interval,
		Timeout:     c.Timeout,
		ReadyToTrip: func(counts gobreaker.Counts) bool {
			if counts.ConsecutiveFailures >= 5 {
				return true
			}
			ratio := float64(counts.TotalFailures) / float64(counts.Requests)
			return counts.Requests >= 10 && ratio >= 0.6
		},
		// Answers from a healthy database (not found, duplicate, ...) are successes;
		// no answer (refused, reset, timed out) is a failure.
		IsSuccessful: func(err error) bool {
			return err == nil || (!errors.Is(err, domain.ErrUnavailable) && !errors.Is(err, context.DeadlineExceeded))
		},
		// A caller that gave up says nothing about the database.
		IsExcluded: func(err error) bool { return errors.Is(err, context.Canceled) },
		OnStateChange: func(_ string, from, to gobreaker.State) {
			if b.onChg != nil {
				b.onChg(from, to)
			}
		},
	})
	return b
}

// State returns the breaker state.
func (b *BreakerRepository) State() gobreaker.State { return b.cb.State() }

// Open reports whether calls are currently refused.
func (b *BreakerRepository) Open() bool { return b.cb.State() == gobreaker.StateOpen }

// Probe pings the database through the breaker, so that the breaker can close
// again even when readiness has taken all traffic away.
func (b *BreakerRepository) Probe(ctx context.Context) error {
	_, err := b.cb.Execute(func() (any, error) { return nil, b.ping(ctx) })
	return mapBreakerErr("probe", err)
}

// GetByID implements domain.UserRepository.
func (b *BreakerRepository) GetByID(ctx context.Context, id string) (*domain.User, error) {
	v, err := b.cb.Execute(func() (any, error) { return b.next.GetByID(ctx, id) })
	if err != nil {
		return nil, mapBreakerErr("get user", err)
	}
	u, _ := v.(*domain.User)
	return u, nil
}

// Create implements domain.UserRepository.
func (b *BreakerRepository) Create(ctx context.Context, u *domain.User) error {
	_, err := b.cb.Execute(func() (any, error) { return nil, b.next.Create(ctx, u) })
	return mapBreakerErr("create user", err)
}

// List implements domain.UserRepository.
func (b *BreakerRepository) List(ctx context.Context, after domain.Cursor, limit int) (domain.Page, error) {
	v, err := b.cb.Execute(func() (any, error) { return b.next.List(ctx, after, limit) })
	if err != nil {
		return domain.Page{}, mapBreakerErr("list users", err)
	}
	p, _ := v.(domain.Page)
	return p, nil
}

func mapBreakerErr(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, gobreaker.ErrOpenState), errors.Is(err, gobreaker.ErrTooManyRequests):
		return fmt.Errorf("%s: database circuit breaker: %w: %w", op, domain.ErrUnavailable, err)
	default:
		return err
	}
}

package persistence_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sony/gobreaker/v2"

	"github.com/example/user-platform/services/user-service/internal/domain"
	"github.com/example/user-platform/services/user-service/internal/infrastructure/persistence"
)

// stubRepo fails with its current error.
type stubRepo struct {
	err   atomic.Value // error wrapper
	calls atomic.Int64
}

type errBox struct{ err error }

func (s *stubRepo) set(err error) { s.err.Store(errBox{err}) }
func (s *stubRepo) get() error {
	s.calls.Add(1)
	b, _ := s.err.Load().(errBox)
	return b.err
}

func (s *stubRepo) GetByID(context.Context, string) (*domain.User, error) {
	if err := s.get(); err != nil {
		return nil, err
	}
	return &domain.User{ID: "x"}, nil
}
func (s *stubRepo) Create(context.Context, *domain.User) error { return s.get() }
func (s *stubRepo) List(context.Context, domain.Cursor, int) (domain.Page, error) {
	return domain.Page{}, s.get()
}

func TestBreaker(t *testing.T) {
	t.Parallel()
	stub := &stubRepo{}
	stub.set(nil)
	var transitions atomic.Int64
	b := persistence.NewBreakerRepository(stub, func(context.Context) error { return stub.get() }, persistence.BreakerConfig{
		Timeout:       100 * time.Millisecond,
		OnStateChange: func(_, _ gobreaker.State) { transitions.Add(1) },
	})
	ctx := context.Background()

	// Answers of a healthy database never trip it.
	stub.set(fmt.Errorf("q: %w", domain.ErrNotFound))
	for range 20 {
		if _, err := b.GetByID(ctx, "x"); !errors.Is(err, domain.ErrNotFound) {
			t.Fatal(err)
		}
	}
	if b.Open() {
		t.Fatal("opened on NotFound")
	}

	stub.set(fmt.Errorf("dial: %w", domain.ErrUnavailable))
	for range 5 {
		_ = b.Create(ctx, &domain.User{})
	}
	if !b.Open() {
		t.Fatalf("not open after 5 consecutive failures (state %v)", b.State())
	}
	before := stub.calls.Load()
	_, err := b.List(ctx, domain.Cursor{}, 10)
	if !errors.Is(err, domain.ErrUnavailable) || !errors.Is(err, gobreaker.ErrOpenState) || stub.calls.Load() != before {
		t.Fatalf("open breaker: %v (calls %d -> %d)", err, before, stub.calls.Load())
	}

	stub.set(nil)
	time.Sleep(150 * time.Millisecond)
	for range 5 { // half-open: 5 successful probes close it
		if err := b.Probe(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if b.State() != gobreaker.StateClosed {
		t.Fatalf("state %v after recovery, want closed", b.State())
	}
	if transitions.Load() != 3 { // closed->open->half-open->closed
		t.Fatalf("transitions = %d, want 3", transitions.Load())
	}
}

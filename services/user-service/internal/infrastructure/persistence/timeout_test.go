package persistence_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/example/user-platform/services/user-service/internal/domain"
	grpcx "github.com/example/user-platform/services/user-service/internal/infrastructure/grpc"
	"github.com/example/user-platform/services/user-service/internal/infrastructure/persistence"
	"github.com/example/user-platform/services/user-service/internal/testutil"
)

// TestConnectTimeoutIsUnavailable: a database host that accepts and never
// answers. When the pool's own connect timeout fires before the caller's
// deadline, the call is UNAVAILABLE (retryable: the database did not
// answer); only when the caller's deadline passes first is it
// DEADLINE_EXCEEDED.
func TestConnectTimeoutIsUnavailable(t *testing.T) {
	t.Parallel()
	hung := testutil.NewHangProxy(t, "")
	pool, err := persistence.NewPool(context.Background(), persistence.PoolConfig{
		DSN: "postgres://u:p@" + hung.Addr() + "/x?sslmode=disable", MaxConns: 2, MinConns: 0,
		ConnectTimeout: 300 * time.Millisecond,
	})
	if err == nil {
		pool.Close()
		t.Fatal("NewPool pinged a hung server successfully")
	}
	pool, err = persistence.OpenLazy(persistence.PoolConfig{
		DSN: "postgres://u:p@" + hung.Addr() + "/x?sslmode=disable", MaxConns: 2, MinConns: 0,
		ConnectTimeout: 300 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	repo := persistence.NewPostgresRepo(pool)

	tests := []struct {
		name     string
		deadline time.Duration
		want     codes.Code
	}{
		{"connect timeout before the caller's deadline", 5 * time.Second, codes.Unavailable},
		{"caller's deadline first", 100 * time.Millisecond, codes.DeadlineExceeded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), tt.deadline)
			defer cancel()
			start := time.Now()
			_, err := repo.GetByID(ctx, "0190f3c4-5b6a-7c8d-9e0f-000000000001")
			if got := grpcx.ToStatus(err).Code(); got != tt.want {
				t.Fatalf("code %v (%v), want %v", got, err, tt.want)
			}
			if tt.want == codes.Unavailable && !errors.Is(err, domain.ErrUnavailable) {
				t.Fatalf("%v is not ErrUnavailable (the breaker would not count it)", err)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Fatalf("took %v", d)
			}
		})
	}
}

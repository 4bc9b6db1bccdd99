package persistence_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/example/user-platform/services/user-service/internal/infrastructure/persistence"
	"github.com/example/user-platform/services/user-service/internal/testutil"
)

// TestConcurrentMigrationsOnFreshDatabase runs N migrations at once (one
// connection each, as N replicas starting together would) on a brand-new
// database, and repeats that on another fresh database: every one must
// succeed and the schema must be recorded exactly once.
func TestConcurrentMigrationsOnFreshDatabase(t *testing.T) {
	const (
		replicas = 8
		rounds   = 10
	)
	failures := 0
	for round := range rounds {
		dsn := testutil.NewDatabase(t, "TEST_DATABASE_URL")
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		conns := make([]*pgx.Conn, replicas)
		for i := range conns {
			c, err := pgx.Connect(ctx, dsn)
			if err != nil {
				cancel()
				t.Fatal(err)
			}
			conns[i] = c
		}
		var (
			wg    sync.WaitGroup
			start = make(chan struct{})
			errs  = make(chan error, replicas)
		)
		for i, c := range conns {
			wg.Go(func() {
				<-start
				if err := persistence.Migrate(ctx, c); err != nil {
					errs <- fmt.Errorf("replica %d: %w", i, err)
				}
			})
		}
		close(start)
		wg.Wait()
		close(errs)
		for err := range errs {
			failures++
			t.Errorf("round %d: %v", round, err)
		}
		var versions int
		if err := conns[0].QueryRow(ctx, "SELECT count(*) FROM schema_migrations").Scan(&versions); err != nil || versions != 1 {
			t.Errorf("round %d: schema_migrations rows = %d, %v", round, versions, err)
		}
		for _, c := range conns {
			_ = c.Close(ctx)
		}
		cancel()
	}
	t.Logf("%d concurrent migrations x %d fresh databases: %d failed", replicas, rounds, failures)
}

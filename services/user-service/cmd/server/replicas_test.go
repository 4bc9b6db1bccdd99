package main_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/example/user-platform/services/user-service/internal/testutil"
)

// TestReplicasStartTogetherOnFreshDatabase is a first rollout with three
// replicas: three binaries started at the same moment on a brand-new
// database, ten times in a row (a new database each time). All three must
// reach /readyz 200 every time.
func TestReplicasStartTogetherOnFreshDatabase(t *testing.T) {
	const (
		replicas = 3
		rounds   = 10
	)
	ready := 0
	for round := range rounds {
		dsn := testutil.NewDatabase(t, "TEST_DATABASE_URL")
		reps := make([]*serverProc, replicas)
		for i := range reps {
			reps[i] = launchServer(t, "DATABASE_URL="+dsn, "DB_MIN_CONNS=1", "SHUTDOWN_DRAIN_SECONDS=0")
		}
		var wg sync.WaitGroup
		results := make([]error, replicas)
		for i, r := range reps {
			wg.Go(func() {
				a, err := r.serving(20 * time.Second)
				if err == nil {
					err = waitReady(a.HTTP, r.exited, 20*time.Second)
				}
				results[i] = err
			})
		}
		wg.Wait()
		for i, r := range reps {
			if results[i] != nil {
				t.Errorf("round %d replica %d: %v\n%s", round, i, results[i], r.logs)
			} else {
				ready++
			}
			_ = r.cmd.Process.Signal(syscall.SIGTERM)
		}
		for _, r := range reps {
			select {
			case err := <-r.exited:
				if err != nil {
					t.Logf("round %d: replica stopped: %v", round, err)
				}
			case <-time.After(20 * time.Second):
				_ = r.cmd.Process.Kill()
				t.Errorf("round %d: a replica did not stop (killed: %v)", round, <-r.exited)
			}
		}
	}
	t.Logf("%d rounds x %d replicas on a fresh database: %d of %d reached /readyz 200", rounds, replicas, ready, rounds*replicas)
}

// waitReady polls /readyz until 200, the process exits or timeout.
func waitReady(httpAddr string, exited chan error, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	url := "http://" + httpAddr + "/readyz"
	for {
		select {
		case err := <-exited:
			exited <- err
			return fmt.Errorf("exited before ready: %v", err)
		case <-ctx.Done():
			return fmt.Errorf("/readyz not 200 within %v", timeout)
		case <-time.After(20 * time.Millisecond):
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			continue
		}
		_ = resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			return nil
		}
	}
}

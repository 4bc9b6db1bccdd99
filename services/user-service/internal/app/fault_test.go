package app_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	userv1 "github.com/example/user-platform/services/user-service/api/proto/user/v1"
	"github.com/example/user-platform/services/user-service/internal/app"
	"github.com/example/user-platform/services/user-service/internal/infrastructure/cache"
	"github.com/example/user-platform/services/user-service/internal/infrastructure/persistence"
	"github.com/example/user-platform/services/user-service/internal/testutil"
)

// TestRedisStoppedMidRun stops the (dedicated) Redis server while the service
// runs: reads fall back to Postgres, writes work, readiness stays SERVING, and
// the cache is used again once Redis is back.
func TestRedisStoppedMidRun(t *testing.T) {
	dsn := testutil.NewDatabase(t, "TEST_DATABASE_URL")
	redisAddr := testutil.Env(t, "TEST_FAULT_REDIS_ADDR")
	testutil.Env(t, "TEST_FAULT_REDIS_STOP")
	r := start(t, app.Options{Config: testConfig(dsn, redisAddr)})
	rdb := redis.NewClient(&redis.Options{Addr: redisAddr})
	defer func() { _ = rdb.Close() }()

	u, err := r.users.CreateUser(ctxT(t, 5*time.Second), &userv1.CreateUserRequest{Name: "Redis", Email: "redis@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	id := u.GetUser().GetId()
	if _, err := r.users.GetUser(ctxT(t, 5*time.Second), &userv1.GetUserRequest{Id: id}); err != nil {
		t.Fatal(err)
	}
	if n, _ := rdb.Exists(ctxT(t, time.Second), cache.Key(id)).Result(); n != 1 {
		t.Fatal("user not cached before the fault")
	}

	testutil.Run(t, "TEST_FAULT_REDIS_STOP")
	restarted := false
	defer func() {
		if !restarted {
			testutil.Run(t, "TEST_FAULT_REDIS_START")
		}
	}()

	var slowest time.Duration
	const reads = 20
	for i := range reads {
		start := time.Now()
		resp, err := r.users.GetUser(ctxT(t, 5*time.Second), &userv1.GetUserRequest{Id: id})
		if err != nil || resp.GetUser().GetId() != id {
			t.Fatalf("GetUser #%d with Redis down: %v", i, err)
		}
		d := time.Since(start)
		if d > time.Second {
			t.Fatalf("GetUser #%d took %v with Redis down", i, d)
		}
		slowest = max(slowest, d)
	}
	t.Logf("Redis down: %d GetUser, 0 errors, slowest %v", reads, slowest.Round(time.Microsecond))
	if _, err := r.users.CreateUser(ctxT(t, 5*time.Second), &userv1.CreateUserRequest{Name: "NoCache", Email: "nocache@example.com"}); err != nil {
		t.Fatalf("CreateUser with Redis down: %v", err)
	}
	if got := r.status(t, "user.v1.UserService"); got != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("readiness with Redis down = %v, want SERVING", got)
	}

	testutil.Run(t, "TEST_FAULT_REDIS_START")
	restarted = true
	waitFor(t, 15*time.Second, "cache repopulated after Redis restart", func() bool {
		if _, err := r.users.GetUser(ctxT(t, 5*time.Second), &userv1.GetUserRequest{Id: id}); err != nil {
			t.Fatalf("GetUser after restart: %v", err)
		}
		n, _ := rdb.Exists(ctxT(t, time.Second), cache.Key(id)).Result()
		return n == 1
	})
}

// TestPostgresStopped stops the (dedicated) Postgres server: calls fail with
// Unavailable, the breaker opens and then fails fast, readiness (gRPC and
// /readyz) goes NOT_SERVING while liveness stays SERVING; after a restart the
// breaker closes and everything recovers.
func TestPostgresStopped(t *testing.T) {
	dsn := testutil.NewDatabase(t, "TEST_FAULT_DATABASE_URL")
	testutil.Env(t, "TEST_FAULT_PG_STOP")
	cfg := testConfig(dsn, "") // no cache: every read reaches Postgres
	r := start(t, app.Options{
		Config:            cfg,
		ReadinessInterval: 200 * time.Millisecond,
		Breaker:           persistence.BreakerConfig{Timeout: time.Second},
	})
	httpBase := "http://" + r.app.HTTPAddr()

	u, err := r.users.CreateUser(ctxT(t, 5*time.Second), &userv1.CreateUserRequest{Name: "PG", Email: "pg@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	id := u.GetUser().GetId()

	testutil.Run(t, "TEST_FAULT_PG_STOP")
	restarted := false
	defer func() {
		if !restarted {
			testutil.Run(t, "TEST_FAULT_PG_START")
		}
	}()

	// Every call fails with Unavailable; after a few the breaker is open.
	for i := range 10 {
		_, err := r.users.GetUser(ctxT(t, 5*time.Second), &userv1.GetUserRequest{Id: id})
		if status.Code(err) != codes.Unavailable {
			t.Fatalf("GetUser #%d with Postgres down: %v, want Unavailable", i, err)
		}
	}
	waitFor(t, 5*time.Second, "readiness NOT_SERVING", func() bool {
		return r.status(t, "user.v1.UserService") == healthpb.HealthCheckResponse_NOT_SERVING
	})
	if got := r.status(t, ""); got != healthpb.HealthCheckResponse_NOT_SERVING {
		t.Errorf("overall health = %v, want NOT_SERVING", got)
	}
	if got := r.status(t, "liveness"); got != healthpb.HealthCheckResponse_SERVING {
		t.Errorf("liveness = %v, want SERVING", got)
	}
	if code := httpStatus(t, httpBase+"/readyz"); code != http.StatusServiceUnavailable {
		t.Errorf("/readyz = %d, want 503", code)
	}
	if code := httpStatus(t, httpBase+"/healthz"); code != http.StatusOK {
		t.Errorf("/healthz = %d, want 200", code)
	}
	// Open breaker: fail fast, no waiting on connection attempts.
	var slowest time.Duration
	for i := range 5 {
		start := time.Now()
		_, err := r.users.CreateUser(ctxT(t, 5*time.Second), &userv1.CreateUserRequest{Name: "x", Email: fmt.Sprintf("x%d@example.com", i)})
		if status.Code(err) != codes.Unavailable {
			t.Fatalf("CreateUser with breaker open: %v", err)
		}
		// The pool's connect timeout is 2s: well under it means no connection attempt.
		d := time.Since(start)
		if d > 300*time.Millisecond {
			t.Fatalf("open breaker answered in %v, want fail-fast", d)
		}
		slowest = max(slowest, d)
	}
	t.Logf("Postgres down: 10 calls UNAVAILABLE, readiness NOT_SERVING, 5 calls with the breaker open answered in <= %v", slowest.Round(time.Microsecond))
	restartAt := time.Now()

	testutil.Run(t, "TEST_FAULT_PG_START")
	restarted = true
	waitFor(t, 20*time.Second, "readiness SERVING after Postgres restart", func() bool {
		return r.status(t, "user.v1.UserService") == healthpb.HealthCheckResponse_SERVING
	})
	waitFor(t, 10*time.Second, "GetUser succeeds after restart", func() bool {
		_, err := r.users.GetUser(ctxT(t, 5*time.Second), &userv1.GetUserRequest{Id: id})
		return err == nil
	})
	if code := httpStatus(t, httpBase+"/readyz"); code != http.StatusOK {
		t.Errorf("/readyz after recovery = %d, want 200", code)
	}
	t.Logf("Postgres restarted: ready and serving again %v after the restart command", time.Since(restartAt).Round(time.Millisecond))
}

func httpStatus(t *testing.T, url string) int {
	t.Helper()
	req, err := http.NewRequestWithContext(ctxT(t, 5*time.Second), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	return resp.StatusCode
}

package app_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"log/slog"
	"net/url"
	"sync"
	"testing"
	"time"

	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	userv1 "github.com/example/user-platform/services/user-service/api/proto/user/v1"
	"github.com/example/user-platform/services/user-service/internal/app"
	"github.com/example/user-platform/services/user-service/internal/infrastructure/persistence"
	"github.com/example/user-platform/services/user-service/internal/testutil"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p) //nolint:wrapcheck // test buffer
}

func (l *lockedBuffer) records(t *testing.T, msg string) []map[string]any {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(l.b.Bytes()))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var m map[string]any
		if json.Unmarshal(sc.Bytes(), &m) == nil && m["msg"] == msg {
			out = append(out, m)
		}
	}
	return out
}

// proxied returns dsn with its host replaced by a HangProxy in front of it.
func proxied(t *testing.T, dsn string) (string, *testutil.HangProxy) {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	p := testutil.NewHangProxy(t, u.Host)
	u.Host = p.Addr()
	return u.String(), p
}

// TestReadinessWithHungPostgres: Postgres stops answering (connections stay
// open, nothing comes back). Readiness goes NOT_SERVING and stays so while the
// breaker cycles open -> half-open -> open (half-open is not ready); each
// readiness ping gives up well within the 1 s probe timeout. After Postgres
// answers again readiness returns.
func TestReadinessWithHungPostgres(t *testing.T) {
	dsn, proxy := proxied(t, testutil.NewDatabase(t, "TEST_DATABASE_URL"))
	var logs lockedBuffer
	r := start(t, app.Options{
		Config: testConfig(dsn, ""),
		Logger: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		// Default ReadinessInterval (1 s) and ProbeTimeout; a short open period
		// so that the breaker goes half-open several times during the hang.
		Breaker: persistence.BreakerConfig{Timeout: 300 * time.Millisecond},
	})
	u, err := r.users.CreateUser(ctxT(t, 5*time.Second), &userv1.CreateUserRequest{Name: "Hung", Email: "hung@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	get := func(d time.Duration) error {
		_, err := r.users.GetUser(ctxT(t, d), &userv1.GetUserRequest{Id: u.GetUser().GetId()})
		return err
	}

	proxy.Hang()
	hungAt := time.Now()
	// Calls time out (their deadline) and trip the breaker.
	waitFor(t, 15*time.Second, "readiness NOT_SERVING with Postgres hung", func() bool {
		_ = get(200 * time.Millisecond)
		return r.status(t, "user.v1.UserService") == healthpb.HealthCheckResponse_NOT_SERVING
	})
	t.Logf("NOT_SERVING %v after the hang", time.Since(hungAt).Round(time.Millisecond))
	deadline := time.Now().Add(4 * time.Second)
	polls := 0
	for time.Now().Before(deadline) {
		polls++
		if got := r.status(t, "user.v1.UserService"); got == healthpb.HealthCheckResponse_SERVING {
			t.Fatalf("readiness SERVING while Postgres is hung (poll %d, breaker %v)", polls, "half-open?")
		}
		time.Sleep(10 * time.Millisecond)
	}
	probes := logs.records(t, "database probe failed")
	if len(probes) < 2 {
		t.Fatalf("only %d failed readiness probes logged during the hang", len(probes))
	}
	for _, p := range probes {
		took, _ := p["took"].(float64) // nanoseconds
		if time.Duration(took) >= 900*time.Millisecond {
			t.Fatalf("a readiness ping took %v: not below the 1 s probe timeout", time.Duration(took))
		}
	}
	t.Logf("%d readiness polls during the hang, all NOT_SERVING; %d failed pings, each < 900ms", polls, len(probes))

	proxy.Resume()
	waitFor(t, 20*time.Second, "readiness SERVING after Postgres answers again", func() bool {
		_ = get(2 * time.Second)
		return r.status(t, "user.v1.UserService") == healthpb.HealthCheckResponse_SERVING
	})
	if err := get(5 * time.Second); err != nil {
		t.Fatalf("GetUser after recovery: %v", err)
	}
}

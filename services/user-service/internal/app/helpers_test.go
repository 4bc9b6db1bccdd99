package app_test

import (
	"context"
	"log/slog"
	"os"
	"testing"
	"time"

	"go.uber.org/goleak"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	userv1 "github.com/example/user-platform/services/user-service/api/proto/user/v1"
	"github.com/example/user-platform/services/user-service/internal/app"
	"github.com/example/user-platform/services/user-service/internal/config"
	"github.com/example/user-platform/services/user-service/internal/infrastructure/cache"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

type running struct {
	app    *app.App
	cancel context.CancelFunc
	done   chan error
	conn   *grpc.ClientConn
	users  userv1.UserServiceClient
	health healthpb.HealthClient
}

func testConfig(dsn, redisAddr string) config.Config {
	return config.Config{
		GRPCPort: 0, HTTPPort: 0,
		DatabaseURL: dsn, DBMaxConns: 8, DBMinConns: 1,
		RedisAddr: redisAddr, CacheTTL: time.Minute,
		// The production default of the in-process tier (config.Load's).
		CacheLocalSize: cache.DefaultLocalSize, CacheLocalTTL: cache.DefaultLocalTTL,
		ServiceName: "user-service", TracesSampler: "parentbased_traceidratio", SamplerRatio: 0.1,
		LogLevel:        slog.LevelDebug,
		PageTokenSecret: []byte("integration-test-secret"),
	}
}

// start runs the service in-process on 127.0.0.1 and stops it when the test ends.
func start(t *testing.T, o app.Options) *running {
	t.Helper()
	if o.Logger == nil {
		level := slog.LevelWarn
		if testing.Verbose() {
			level = slog.LevelInfo
		}
		o.Logger = slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	}
	o.BindHost = "127.0.0.1"
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.New(ctx, o)
	if err != nil {
		cancel()
		t.Fatalf("app.New: %v", err)
	}
	r := &running{app: a, cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- a.Run(ctx) }()
	r.conn, err = grpc.NewClient("passthrough:///"+a.GRPCAddr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	r.users = userv1.NewUserServiceClient(r.conn)
	r.health = healthpb.NewHealthClient(r.conn)
	t.Cleanup(func() { r.stop(t) })
	waitFor(t, 5*time.Second, "readiness SERVING", func() bool { return r.status(t, "user.v1.UserService") == healthpb.HealthCheckResponse_SERVING })
	return r
}

func (r *running) stop(t *testing.T) {
	t.Helper()
	if r.cancel == nil {
		return
	}
	r.cancel()
	r.cancel = nil
	_ = r.conn.Close()
	select {
	case err := <-r.done:
		if err != nil {
			t.Errorf("Run returned %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Error("Run did not return within 30s of cancel")
	}
}

func (r *running) status(t *testing.T, service string) healthpb.HealthCheckResponse_ServingStatus {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	resp, err := r.health.Check(ctx, &healthpb.HealthCheckRequest{Service: service})
	if err != nil {
		return healthpb.HealthCheckResponse_UNKNOWN
	}
	return resp.GetStatus()
}

func ctxT(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

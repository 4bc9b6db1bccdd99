package main_test

import (
	"context"
	"errors"
	"net/url"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	userv1 "github.com/example/user-platform/services/user-service/api/proto/user/v1"
	"github.com/example/user-platform/services/user-service/internal/app"
	"github.com/example/user-platform/services/user-service/internal/testutil"
)

// TestShutdownWorstCaseEndsBeforeGrace is the worst case of the shutdown
// contract: a call that never ends (Postgres hung under it, a client deadline
// of an hour), a Consul agent and an OTLP collector that accept connections
// and never answer. After SIGTERM the process must still exit before the
// grace period the charts derive (drain + 15 s), with the margin the budget
// promises (drain + 12 s), and exit non-zero because a call was cut.
func TestShutdownWorstCaseEndsBeforeGrace(t *testing.T) {
	t.Parallel()
	dsn := testutil.NewDatabase(t, "TEST_DATABASE_URL")
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	pg := testutil.NewHangProxy(t, u.Host)
	u.Host = pg.Addr()
	consul := testutil.NewHangProxy(t, "")
	collector := testutil.NewHangProxy(t, "")

	const drain = 1 * time.Second
	grace := drain + app.ShutdownStopSeconds*time.Second
	srv, addrs := startServer(t,
		"DATABASE_URL="+u.String(), "DB_MIN_CONNS=1",
		"SHUTDOWN_DRAIN_SECONDS=1", "LOG_LEVEL=info",
		"CONSUL_HTTP_ADDR="+consul.Addr(), "POD_IP=127.0.0.1",
		"OTEL_EXPORTER_OTLP_ENDPOINT=http://"+collector.Addr(), "OTEL_TRACES_SAMPLER=always_on",
	)
	cmd, exited, logs := srv.cmd, srv.exited, srv.logs
	addr := addrs.GRPC

	conn, err := grpc.NewClient("passthrough:///"+addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close() }()
	users := userv1.NewUserServiceClient(conn)
	health := healthpb.NewHealthClient(conn)
	deadline := time.Now().Add(15 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		resp, err := health.Check(ctx, &healthpb.HealthCheckRequest{Service: "user.v1.UserService"})
		cancel()
		if err == nil && resp.GetStatus() == healthpb.HealthCheckResponse_SERVING {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("server never became ready")
		}
		time.Sleep(20 * time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	seed, err := users.CreateUser(ctx, &userv1.CreateUserRequest{Name: "W", Email: "worst@example.com"})
	if err != nil {
		t.Fatal(err)
	}

	pg.Hang()
	callErr := make(chan error, 1)
	go func() {
		_, err := users.GetUser(ctx, &userv1.GetUserRequest{Id: seed.GetUser().GetId()})
		callErr <- err
	}()
	time.Sleep(300 * time.Millisecond) // the call reaches the hung database
	sigAt := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	var exitErr error
	select {
	case exitErr = <-exited:
	case <-time.After(grace + 5*time.Second):
		t.Fatalf("still running %v after SIGTERM (grace %v): the kubelet would SIGKILL it", time.Since(sigAt), grace)
	}
	took := time.Since(sigAt)
	code := 0
	var ee *exec.ExitError
	if errors.As(exitErr, &ee) {
		code = ee.ExitCode()
	}
	t.Logf("exit %d after %v (budget %v, grace %v)", code, took.Round(time.Millisecond), app.ShutdownBudget(drain), grace)
	if took >= grace-2*time.Second {
		t.Errorf("exited %v after SIGTERM: not a few seconds before the grace period %v", took, grace)
	}
	if took > app.ShutdownBudget(drain)+500*time.Millisecond {
		t.Errorf("exited %v after SIGTERM, over the budget %v", took, app.ShutdownBudget(drain))
	}
	if code != app.ExitForcedStop {
		t.Errorf("exit code %d, want %d (a call was cut)", code, app.ExitForcedStop)
	}
	select {
	case err := <-callErr:
		if err == nil {
			t.Error("the hung call succeeded?")
		}
	case <-time.After(5 * time.Second):
		t.Error("the hung call never ended")
	}
	if !strings.Contains(logs.String(), "in-flight calls were cut") {
		t.Error("no log line about cut calls")
	}
}

package main_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	userv1 "github.com/example/user-platform/services/user-service/api/proto/user/v1"
	"github.com/example/user-platform/services/user-service/internal/testutil"
)

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "user-service-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "server")
	out, err := exec.Command("go", "build", "-tags", "grpcnotrace", "-o", binary, ".").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "go build: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

func TestBadConfigNamesVariable(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ key, value string }{
		{"GRPC_PORT", "not-a-port"},
		{"CACHE_TTL", "soon"},
		{"LOG_LEVEL", "loud"},
	} {
		cmd := exec.Command(binary)
		cmd.Env = []string{"DATABASE_URL=postgres://u:p@127.0.0.1:1/x", tt.key + "=" + tt.value}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 2 {
			t.Fatalf("%s=%s: exit %v, want 2", tt.key, tt.value, err)
		}
		if !strings.Contains(stderr.String(), tt.key+":") {
			t.Fatalf("%s=%s: stderr %q does not name the variable", tt.key, tt.value, stderr.String())
		}
	}
	cmd := exec.Command(binary)
	cmd.Env = []string{}
	out, _ := cmd.CombinedOutput()
	if !strings.Contains(string(out), "DATABASE_URL") {
		t.Fatalf("missing database config: %q", out)
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = l.Close() }()
	return l.Addr().(*net.TCPAddr).Port //nolint:forcetypeassert // tcp
}

// TestSIGTERMDrainsInFlightCalls runs the real binary, holds calls in flight
// (an exclusive lock on the users table blocks them in Postgres), sends
// SIGTERM and checks the shutdown contract: health NOT_SERVING at once, still
// serving during the drain, new connections refused after it, every in-flight
// call completes, exit status 0.
func TestSIGTERMDrainsInFlightCalls(t *testing.T) {
	dsn := testutil.NewDatabase(t, "TEST_DATABASE_URL")
	grpcPort, httpPort := freePort(t), freePort(t)
	addr := fmt.Sprintf("127.0.0.1:%d", grpcPort)
	const drain = 2 * time.Second

	cmd := exec.Command(binary)
	cmd.Env = []string{
		"DATABASE_URL=" + dsn,
		fmt.Sprintf("GRPC_PORT=%d", grpcPort), fmt.Sprintf("HTTP_PORT=%d", httpPort),
		"SHUTDOWN_DRAIN_SECONDS=2", "LOG_LEVEL=info", "DB_MIN_CONNS=1",
	}
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			if err := <-exited; err != nil {
				t.Logf("killed server: %v", err)
			}
		}
		if t.Failed() {
			t.Logf("server logs:\n%s", logs.String())
		}
	}()

	conn, err := grpc.NewClient("passthrough:///"+addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close() }()
	health := healthpb.NewHealthClient(conn)
	users := userv1.NewUserServiceClient(conn)
	check := func(svc string) healthpb.HealthCheckResponse_ServingStatus {
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		defer cancel()
		resp, err := health.Check(ctx, &healthpb.HealthCheckRequest{Service: svc})
		if err != nil {
			return healthpb.HealthCheckResponse_UNKNOWN
		}
		return resp.GetStatus()
	}
	deadline := time.Now().Add(15 * time.Second)
	for check("user.v1.UserService") != healthpb.HealthCheckResponse_SERVING {
		if time.Now().After(deadline) {
			t.Fatal("server never became ready")
		}
		time.Sleep(20 * time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	seed, err := users.CreateUser(ctx, &userv1.CreateUserRequest{Name: "Seed", Email: "seed@example.com"})
	if err != nil {
		t.Fatal(err)
	}

	// Block every users query behind an exclusive lock.
	lockConn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = lockConn.Close(context.Background()) }()
	tx, err := lockConn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, "LOCK TABLE users IN ACCESS EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}

	const inFlight = 8
	var wg sync.WaitGroup
	errs := make(chan error, inFlight)
	for i := range inFlight {
		wg.Go(func() {
			var err error
			if i%2 == 0 {
				_, err = users.CreateUser(ctx, &userv1.CreateUserRequest{Name: "F", Email: fmt.Sprintf("inflight%d@example.com", i)})
			} else {
				_, err = users.GetUser(ctx, &userv1.GetUserRequest{Id: seed.GetUser().GetId()})
			}
			errs <- err
		})
	}
	time.Sleep(300 * time.Millisecond) // let the calls reach Postgres
	sigAt := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}

	for _, svc := range []string{"user.v1.UserService", "liveness", ""} {
		var got healthpb.HealthCheckResponse_ServingStatus
		for time.Since(sigAt) < time.Second {
			if got = check(svc); got == healthpb.HealthCheckResponse_NOT_SERVING {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		if got != healthpb.HealthCheckResponse_NOT_SERVING {
			t.Fatalf("health %q after SIGTERM = %v, want NOT_SERVING", svc, got)
		}
	}

	// During the drain a brand-new connection is still accepted.
	fresh, err := grpc.NewClient("passthrough:///"+addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := healthpb.NewHealthClient(fresh).Check(ctx, &healthpb.HealthCheckRequest{Service: "liveness"}); err != nil || got.GetStatus() != healthpb.HealthCheckResponse_NOT_SERVING {
		t.Fatalf("new connection during drain: %v, %v", got, err)
	}
	_ = fresh.Close()

	// After the drain, new connections are refused while in-flight calls still wait.
	time.Sleep(time.Until(sigAt.Add(drain + 500*time.Millisecond)))
	late, err := grpc.NewClient("passthrough:///"+addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	lctx, lcancel := context.WithTimeout(context.Background(), time.Second)
	_, err = userv1.NewUserServiceClient(late).GetUser(lctx, &userv1.GetUserRequest{Id: seed.GetUser().GetId()})
	lcancel()
	_ = late.Close()
	if c := status.Code(err); c != codes.Unavailable && c != codes.DeadlineExceeded {
		t.Fatalf("new call after the drain: %v, want refused", err)
	}
	select {
	case err := <-exited:
		t.Fatalf("process exited (%v) before its in-flight calls finished", err)
	default:
	}

	if err := tx.Rollback(ctx); err != nil { // release the calls
		t.Fatal(err)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("in-flight call failed: %v", err)
		}
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("exit: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("process did not exit after its calls finished")
	}
	if !strings.Contains(logs.String(), `"msg":"stopped"`) {
		t.Errorf("no clean stop in logs")
	}
}

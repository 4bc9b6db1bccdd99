package main_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
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
	"github.com/example/user-platform/services/user-service/internal/app"
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
	if prebuilt := os.Getenv("USER_SERVICE_TEST_BINARY"); prebuilt != "" {
		// Run the black-box tests against another build (e.g. an older
		// commit's binary, to see a test fail before its fix).
		binary = prebuilt
	} else if out, err := exec.Command("go", "build", "-tags", "grpcnotrace", "-o", binary, ".").CombinedOutput(); err != nil {
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
		if !errors.As(err, &exit) || exit.ExitCode() != app.ExitConfig {
			t.Fatalf("%s=%s: exit %v, want the configuration code", tt.key, tt.value, err)
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
	srv, addrs := startServer(t,
		"DATABASE_URL="+dsn,
		"SHUTDOWN_DRAIN_SECONDS=2", "LOG_LEVEL=info", "DB_MIN_CONNS=1",
	)
	cmd, exited, logs := srv.cmd, srv.exited, srv.logs
	addr := addrs.GRPC
	const drain = 2 * time.Second

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
	failed := 0
	for err := range errs {
		if err != nil {
			failed++
			t.Errorf("in-flight call failed: %v", err)
		}
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("exit: %v", err)
		}
		t.Logf("SIGTERM with %d calls in flight: %d failed, exit 0 %v after SIGTERM (drain %v)", inFlight, failed, time.Since(sigAt).Round(time.Millisecond), drain)
	case <-time.After(15 * time.Second):
		t.Fatal("process did not exit after its calls finished")
	}
	if !strings.Contains(logs.String(), `"msg":"stopped"`) {
		t.Errorf("no clean stop in logs")
	}
}

// chunkedReader hides the length of a reader from net/http, so the request
// goes out with Transfer-Encoding: chunked.
type chunkedReader struct{ io.Reader }

// vmHWM returns the peak resident set size of a process, from /proc.
func vmHWM(t *testing.T, pid int) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				t.Fatalf("VmHWM line %q: %v", line, err)
			}
			return kb << 10
		}
	}
	t.Fatalf("no VmHWM in /proc/%d/status", pid)
	return 0
}

// TestHugeRESTBodyRejectedWithoutBuffering posts 20 MB bodies to /v1/users of
// the real binary (with a Content-Length, chunked, and with Expect:
// 100-continue): each is answered 413 with the gateway's JSON error, and the
// process's peak RSS (VmHWM) stays under 64 MiB. Before the body cap, one such
// POST took the process to 131 MiB and was answered 429.
func TestHugeRESTBodyRejectedWithoutBuffering(t *testing.T) {
	dsn := testutil.NewDatabase(t, "TEST_DATABASE_URL")
	srv, addrs := startServer(t,
		"DATABASE_URL="+dsn, "LOG_LEVEL=info", "DB_MIN_CONNS=1", "SHUTDOWN_DRAIN_SECONDS=0",
	)
	cmd, exited := srv.cmd, srv.exited
	base := "http://" + addrs.HTTP

	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{ExpectContinueTimeout: 5 * time.Second}}
	defer client.CloseIdleConnections()
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := client.Get(base + "/readyz") //nolint:noctx // bounded by the client timeout
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("server never became ready")
		}
		time.Sleep(20 * time.Millisecond)
	}

	// A valid CreateUser body with a 20 MB name: the JSON decoder has to
	// hold the whole string, so without the cap the body is buffered whole.
	big := []byte(`{"name":"` + strings.Repeat("x", 20<<20) + `","email":"big@example.com"}`)
	for _, tt := range []struct {
		name   string
		body   func() io.Reader
		expect bool
	}{
		{"Content-Length", func() io.Reader { return bytes.NewReader(big) }, false},
		{"chunked", func() io.Reader { return chunkedReader{bytes.NewReader(big)} }, false},
		{"Expect: 100-continue", func() io.Reader { return bytes.NewReader(big) }, true},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/v1/users", tt.body())
		if err != nil {
			cancel()
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		if tt.expect {
			req.Header.Set("Expect", "100-continue")
		}
		resp, err := client.Do(req)
		if err != nil {
			cancel()
			t.Fatalf("%s: POST 20 MB: %v", tt.name, err)
		}
		b, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		cancel()
		if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(b), `"message":"request body larger than 1048576 bytes`) {
			t.Fatalf("%s: POST 20 MB = %d %s, want 413 with the JSON error", tt.name, resp.StatusCode, b)
		}
	}
	// Still serving.
	resp, err := client.Get(base + "/healthz") //nolint:noctx // bounded by the client timeout
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("healthz after the big bodies: %v %v", resp, err)
	}
	_ = resp.Body.Close()

	peak := vmHWM(t, cmd.Process.Pid)
	t.Logf("peak RSS (VmHWM) after three 20 MB POSTs: %.1f MiB", float64(peak)/(1<<20))
	if peak >= 64<<20 {
		t.Errorf("peak RSS %.1f MiB, want < 64 MiB", float64(peak)/(1<<20))
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("exit: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no exit within 30s of SIGTERM")
	}
}

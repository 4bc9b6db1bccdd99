package main_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/example/user-platform/services/user-service/internal/app"
	"github.com/example/user-platform/services/user-service/internal/testutil"
)

// runBinary runs the server with env until it exits (or timeout) and returns
// its exit code and combined output.
func runBinary(t *testing.T, timeout time.Duration, env []string, args ...string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("server did not exit within %v; output:\n%s", timeout, out.String())
	}
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0, out.String()
	case errors.As(err, &exit):
		return exit.ExitCode(), out.String()
	default:
		t.Fatalf("run server: %v", err)
		return -1, ""
	}
}

// TestStartupFailuresExitCleanly starts the real binary against dependencies
// that are not usable: it must log the cause, exit with the start-up code
// (not the configuration code, not Go's panic code) and never panic.
func TestStartupFailuresExitCleanly(t *testing.T) {
	t.Parallel()
	base := testutil.Env(t, "TEST_DATABASE_URL")
	closedPort := freePort(t) // nothing listens there any more

	missing, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	missing.Path = "/no_such_database"
	requireTLS, _ := url.Parse(base)
	q := requireTLS.Query()
	q.Set("sslmode", "require") // the test server has no TLS
	requireTLS.RawQuery = q.Encode()

	busy, err := net.Listen("tcp", ":0") // the server binds all interfaces
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = busy.Close() })      // subtests run after this function returns
	busyPort := busy.Addr().(*net.TCPAddr).Port //nolint:forcetypeassert // tcp

	tests := []struct {
		name      string
		env       []string
		wantCause string
	}{
		{"postgres unreachable", []string{fmt.Sprintf("DATABASE_URL=postgres://u:p@127.0.0.1:%d/x?sslmode=disable", closedPort)}, "connect"},
		{"database missing", []string{"DATABASE_URL=" + missing.String()}, `database \"no_such_database\" does not exist`},
		{"bad sslmode", []string{"DATABASE_URL=" + requireTLS.String()}, "server refused TLS connection"},
		{"grpc port in use", []string{"DATABASE_URL=" + testutil.NewDatabase(t, "TEST_DATABASE_URL"), fmt.Sprintf("GRPC_PORT=%d", busyPort)}, "GRPC_PORT: listen"},
		{"http port in use", []string{"DATABASE_URL=" + testutil.NewDatabase(t, "TEST_DATABASE_URL"), fmt.Sprintf("HTTP_PORT=%d", busyPort)}, "HTTP_PORT: listen"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env := append([]string{"GRPC_PORT=0", "HTTP_PORT=0", "METRICS_PORT=0", "DB_MIN_CONNS=1"}, tt.env...)
			start := time.Now()
			code, out := runBinary(t, 30*time.Second, env)
			t.Logf("exit %d after %v", code, time.Since(start).Round(time.Millisecond))
			if code != app.ExitFailure {
				t.Errorf("exit code %d, want %d (start-up failure)", code, app.ExitFailure)
			}
			if strings.Contains(strings.ToLower(out), "panic") {
				t.Errorf("output mentions a panic:\n%s", out)
			}
			if !strings.Contains(out, `"msg":"start-up failed"`) || !strings.Contains(out, tt.wantCause) {
				t.Errorf("log does not carry the cause %q:\n%s", tt.wantCause, out)
			}
		})
	}
}

package main_test

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/example/user-platform/services/user-service/internal/app"
)

// TestCheckConfig runs the binary with --check-config: valid environments
// (secrets from files) exit 0 without opening any connection; invalid ones
// exit with the configuration code and name the variable.
func TestCheckConfig(t *testing.T) {
	t.Parallel()
	// Every dependency points at this listener: any connection is a failure.
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = lis.Close() })
	var accepted atomic.Int32
	go func() {
		for {
			c, err := lis.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			_ = c.Close()
		}
	}()
	dep := lis.Addr().String()
	host, port, _ := net.SplitHostPort(dep)

	dir := t.TempDir()
	file := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	secrets := []string{
		"DB_PASSWORD_FILE=" + file("DB_PASSWORD", "pw\n"),
		"REDIS_PASSWORD_FILE=" + file("REDIS_PASSWORD", "redis-pw"),
		"PAGE_TOKEN_SECRET_FILE=" + file("PAGE_TOKEN_SECRET", "0123456789abcdef0123456789abcdef"),
		"CONSUL_HTTP_TOKEN_FILE=" + file("CONSUL_HTTP_TOKEN", "acl"),
	}
	parts := []string{"DB_HOST=" + host, "DB_PORT=" + port, "DB_NAME=users", "DB_USER=svc",
		"REDIS_ADDR=" + dep, "CONSUL_HTTP_ADDR=" + dep, "OTEL_EXPORTER_OTLP_ENDPOINT=http://" + dep, "POD_IP=10.0.0.7"}

	tests := []struct {
		name     string
		env      []string
		wantCode int
		wantOut  string
	}{
		{"valid, secrets from files", append(append([]string{}, parts...), secrets...), app.ExitOK, "configuration OK"},
		{"valid, DATABASE_URL", []string{"DATABASE_URL=postgres://u:p@" + dep + "/x"}, app.ExitOK, "configuration OK"},
		{"missing secret file", append(append([]string{}, parts...), "DB_PASSWORD_FILE="+filepath.Join(dir, "absent")), app.ExitConfig, "DB_PASSWORD_FILE: cannot read"},
		{"secret twice", append(append([]string{}, parts...), "REDIS_PASSWORD=x", secrets[1]), app.ExitConfig, "REDIS_PASSWORD: set either"},
		{"bad value", append(append([]string{}, parts...), "GRPC_PORT=http"), app.ExitConfig, "GRPC_PORT:"},
		{"nothing", nil, app.ExitConfig, "DATABASE_URL: required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, out := runBinary(t, 10*time.Second, tt.env, "--check-config")
			if code != tt.wantCode || !strings.Contains(out, tt.wantOut) {
				t.Fatalf("exit %d, output %q; want exit %d and %q", code, out, tt.wantCode, tt.wantOut)
			}
			if strings.Contains(out, "redis-pw") || strings.Contains(out, "0123456789abcdef") {
				t.Fatalf("output leaks a secret: %q", out)
			}
		})
	}
	t.Cleanup(func() {
		if n := accepted.Load(); n != 0 {
			t.Errorf("--check-config opened %d connections", n)
		}
	})
}

// TestVersionStamp builds the binary the way the Makefile does (-X
// main.version=...) and checks --version and the start-up log line.
func TestVersionStamp(t *testing.T) {
	t.Parallel()
	bin := filepath.Join(t.TempDir(), "server")
	const v = "v1.2.3-4-gabcdef0-dirty"
	out, err := exec.Command("go", "build", "-tags", "grpcnotrace", "-ldflags", "-X main.version="+v, "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	got, err := exec.Command(bin, "--version").Output()
	if err != nil || strings.TrimSpace(string(got)) != v {
		t.Fatalf("--version = %q, %v; want %q", got, err, v)
	}
	// The start-up log line carries it (start-up then fails: no database).
	cmd := exec.Command(bin)
	cmd.Env = []string{fmt.Sprintf("DATABASE_URL=postgres://u:p@127.0.0.1:%d/x?sslmode=disable", freePort(t)), "GRPC_PORT=0", "HTTP_PORT=0", "METRICS_PORT=0"}
	logs, _ := cmd.CombinedOutput()
	if !strings.Contains(string(logs), `"msg":"starting","version":"`+v+`"`) {
		t.Fatalf("start-up log does not carry the version:\n%s", logs)
	}
	// Unknown flags are usage errors.
	if err := exec.Command(bin, "--frobnicate").Run(); err == nil {
		t.Fatal("unknown flag accepted")
	} else if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != app.ExitConfig { //nolint:errorlint // test
		t.Fatalf("unknown flag: %v, want exit %d", err, app.ExitConfig)
	}
}

package main_test

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/example/user-platform/services/user-service/internal/testutil"
)

// TestPageTokenAcrossReplicas is page 2 of a list fetched through a Service:
// the token one replica issued is presented to another. Replicas that read the
// same PAGE_TOKEN_SECRET_FILE (the charts mount one Secret into every pod)
// accept each other's tokens; a replica without the secret signs with a key of
// its own, so it refuses them with 400 page_token (what every pod did before
// the manifests set the secret).
func TestPageTokenAcrossReplicas(t *testing.T) {
	dsn := testutil.NewDatabase(t, "TEST_DATABASE_URL")
	dir := t.TempDir()
	secretFile := filepath.Join(dir, "PAGE_TOKEN_SECRET")
	if err := os.WriteFile(secretFile, []byte("shared-page-token-secret-0123456789"), 0o600); err != nil {
		t.Fatal(err)
	}
	start := func(name string, env ...string) string {
		t.Helper()
		p := launchServer(t, append([]string{"DATABASE_URL=" + dsn, "DB_MIN_CONNS=1", "SHUTDOWN_DRAIN_SECONDS=0"}, env...)...)
		t.Cleanup(func() {
			_ = p.cmd.Process.Signal(syscall.SIGTERM)
			var err error
			select {
			case err = <-p.exited:
			case <-time.After(20 * time.Second):
				_ = p.cmd.Process.Kill()
				err = <-p.exited
			}
			if t.Failed() {
				t.Logf("replica %s (exit: %v) log:\n%s", name, err, p.logs)
			}
		})
		addrs, err := p.serving(20 * time.Second)
		if err == nil {
			err = waitReady(addrs.HTTP, p.exited, 20*time.Second)
		}
		if err != nil {
			t.Fatalf("replica %s: %v\n%s", name, err, p.logs)
		}
		return "http://" + addrs.HTTP
	}
	a := start("A", "PAGE_TOKEN_SECRET_FILE="+secretFile)
	b := start("B", "PAGE_TOKEN_SECRET_FILE="+secretFile)
	c := start("C") // no secret: a random key of its own

	client := &http.Client{Timeout: 5 * time.Second}
	do := func(method, url, body string) (int, http.Header, string) {
		t.Helper()
		code, hdr, got := testutil.HTTPDo(t, client, method, url, body)
		return code, hdr, string(got)
	}
	for i := range 5 {
		body := fmt.Sprintf(`{"name":"User %d","email":"user%d@example.com"}`, i, i)
		if code, _, got := do(http.MethodPost, a+"/v1/users", body); code != http.StatusCreated {
			t.Fatalf("POST user %d = %d %s", i, code, got)
		}
	}
	code, hdr, first := do(http.MethodGet, a+"/v1/users?page_size=2", "")
	token := hdr.Get("Grpc-Metadata-Next-Page-Token")
	if code != http.StatusOK || token == "" {
		t.Fatalf("page 1 from A = %d, token %q: %s", code, token, first)
	}
	code, _, fromA := do(http.MethodGet, a+"/v1/users?page_size=2&page_token="+token, "")
	if code != http.StatusOK {
		t.Fatalf("page 2 from A = %d %s", code, fromA)
	}

	tests := []struct {
		name     string
		base     string
		wantCode int
		want     string
	}{
		{"B shares the secret: same page 2 as A", b, http.StatusOK, fromA},
		{"C has no secret: refused naming page_token", c, http.StatusBadRequest, "page_token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, got := do(http.MethodGet, tt.base+"/v1/users?page_size=2&page_token="+token, "")
			if code != tt.wantCode || !strings.Contains(got, tt.want) {
				t.Errorf("page 2 = %d %s, want %d containing %q", code, got, tt.wantCode, tt.want)
			}
		})
	}
}

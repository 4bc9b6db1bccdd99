// Package testutil gives integration tests their dependencies. The servers are
// started by scripts/with-deps.sh; a test skips only when its variables are
// absent (CI always sets them).
package testutil

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Env returns the variable or skips the test when it is unset.
func Env(t testing.TB, key string) string {
	t.Helper()
	v := os.Getenv(key)
	if v == "" {
		t.Skipf("%s not set: run through scripts/with-deps.sh (make test)", key)
	}
	return v
}

// NewDatabase creates an empty database on the server of the DSN in env var
// key and returns its DSN; the database is dropped when the test ends. Each
// test gets its own, so packages running in parallel do not interfere.
func NewDatabase(t testing.TB, key string) string {
	t.Helper()
	base := Env(t, key)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connect %s: %v", key, err)
	}
	defer func() { _ = conn.Close(context.Background()) }()
	name := "test_" + randHex(8)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, base)
		if err != nil {
			return // the server may be stopped by a fault test; the script removes it
		}
		defer func() { _ = c.Close(context.Background()) }()
		_, _ = c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse %s: %v", key, err)
	}
	u.Path = "/" + name
	return u.String()
}

// Run runs a shell command from an environment variable (the fault-injection
// commands of scripts/with-deps.sh).
func Run(t testing.TB, key string) {
	t.Helper()
	cmd := Env(t, key)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "bash", "-c", cmd).CombinedOutput() //nolint:gosec // test-only, from our own script
	if err != nil {
		t.Fatalf("%s: %v\n%s", key, err, out)
	}
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

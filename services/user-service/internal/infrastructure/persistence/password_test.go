package persistence_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/example/user-platform/services/user-service/internal/config"
	"github.com/example/user-platform/services/user-service/internal/infrastructure/persistence"
	"github.com/example/user-platform/services/user-service/internal/testutil"
)

// TestRotatedPasswordFile connects as a role that needs its password (the
// test servers trust only the postgres superuser), rotates the password with
// ALTER ROLE and rewrites the password file: new connections must use the new
// password, without a new pool.
func TestRotatedPasswordFile(t *testing.T) {
	base := testutil.Env(t, "TEST_DATABASE_URL")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = admin.Close(context.Background()) }()
	suffix := make([]byte, 6)
	_, _ = rand.Read(suffix)
	role := "rot_" + hex.EncodeToString(suffix)
	if _, err := admin.Exec(ctx, "CREATE ROLE "+role+" LOGIN PASSWORD 'first-password'"); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+role+" OWNER "+role); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, base)
		if err != nil {
			return
		}
		defer func() { _ = c.Close(context.Background()) }()
		_, _ = c.Exec(ctx, "DROP DATABASE IF EXISTS "+role+" WITH (FORCE)")
		_, _ = c.Exec(ctx, "DROP ROLE IF EXISTS "+role)
	})

	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.User(role) // no password in the DSN
	u.Path = "/" + role
	pwFile := filepath.Join(t.TempDir(), "DB_PASSWORD")
	writeFile := func(s string) {
		t.Helper()
		if err := os.WriteFile(pwFile, []byte(s+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	writeFile("first-password")

	// Without the password the server refuses: the test can fail.
	if c, err := pgx.Connect(ctx, u.String()); err == nil {
		_ = c.Close(ctx)
		t.Fatal("connected without a password: pg_hba does not require one, the test proves nothing")
	}

	pool, err := persistence.OpenMigrated(ctx, persistence.PoolConfig{
		DSN: u.String(), MaxConns: 2, MinConns: 0,
		Password: func() (string, error) { return config.ReadSecretFile(pwFile) },
	})
	if err != nil {
		t.Fatalf("open with the first password: %v", err)
	}
	defer pool.Close()
	if err := pool.Ping(ctx); err != nil {
		t.Fatalf("ping with the first password: %v", err)
	}

	if _, err := admin.Exec(ctx, "ALTER ROLE "+role+" PASSWORD 'second-password'"); err != nil {
		t.Fatal(err)
	}
	writeFile("second-password")
	pool.Reset() // every later acquire opens a new connection
	if err := pool.Ping(ctx); err != nil {
		t.Fatalf("new connection after rotating the password: %v", err)
	}
	var who string
	if err := pool.QueryRow(ctx, "SELECT current_user").Scan(&who); err != nil || who != role {
		t.Fatalf("current_user = %q, %v", who, err)
	}

	// A stale file is refused by the server: the password really is re-read.
	writeFile("first-password")
	pool.Reset()
	if err := pool.Ping(ctx); err == nil {
		t.Fatal("old password accepted after rotation")
	}
}

package config_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/example/user-platform/services/user-service/internal/config"
)

// TestSecretFiles covers every "secret": true variable of the contract: the
// value comes from <NAME>_FILE when set; a missing, unreadable or empty file
// and setting both are errors naming the variable.
func TestSecretFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, content string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	pw := write("DB_PASSWORD", "s3cret-pw\n", 0o600)
	redis := write("REDIS_PASSWORD", "redis-pw", 0o600)
	token := write("PAGE_TOKEN_SECRET", "a-page-token-secret-of-32-bytes!\n", 0o600)
	consul := write("CONSUL_HTTP_TOKEN", "consul-acl-token", 0o600)
	dsn := write("DATABASE_URL", "postgres://svc:pw@db:5432/users?sslmode=disable\n", 0o600)
	empty := write("EMPTY", "\n", 0o600)
	unreadable := write("UNREADABLE", "x", 0o000)
	parts := map[string]string{"DB_HOST": "db", "DB_NAME": "users", "DB_USER": "svc"}
	with := func(extra map[string]string) map[string]string {
		m := map[string]string{}
		for k, v := range parts {
			m[k] = v
		}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}

	c, err := config.Load(env(with(map[string]string{
		"DB_PASSWORD_FILE": pw, "REDIS_PASSWORD_FILE": redis, "PAGE_TOKEN_SECRET_FILE": token,
		"CONSUL_HTTP_TOKEN_FILE": consul,
	})))
	if err != nil {
		t.Fatal(err)
	}
	if c.RedisPassword != "redis-pw" || string(c.PageTokenSecret) != "a-page-token-secret-of-32-bytes!" || c.ConsulToken != "consul-acl-token" {
		t.Fatalf("secrets from files: %+v", c)
	}
	// The DB password is not baked into the URL: the pool re-reads the file.
	if c.DBPasswordFile != pw || strings.Contains(c.DatabaseURL, "s3cret") {
		t.Fatalf("DBPasswordFile = %q, DatabaseURL = %q", c.DBPasswordFile, c.DatabaseURL)
	}
	c, err = config.Load(env(map[string]string{"DATABASE_URL_FILE": dsn}))
	if err != nil || c.DatabaseURL != "postgres://svc:pw@db:5432/users?sslmode=disable" {
		t.Fatalf("DATABASE_URL_FILE: %q, %v", c.DatabaseURL, err)
	}

	tests := []struct {
		name    string
		env     map[string]string
		wantVar string
		wantMsg string
	}{
		{"missing file", with(map[string]string{"DB_PASSWORD_FILE": filepath.Join(dir, "nope")}), "DB_PASSWORD_FILE", "no such file"},
		{"empty file", with(map[string]string{"REDIS_PASSWORD_FILE": empty}), "REDIS_PASSWORD_FILE", "is empty"},
		{"unreadable file", with(map[string]string{"CONSUL_HTTP_TOKEN_FILE": unreadable}), "CONSUL_HTTP_TOKEN_FILE", "cannot read"},
		{"directory", with(map[string]string{"PAGE_TOKEN_SECRET_FILE": dir}), "PAGE_TOKEN_SECRET_FILE", "cannot read"},
		{"both set", with(map[string]string{"DB_PASSWORD": "x", "DB_PASSWORD_FILE": pw}), "DB_PASSWORD", "not both"},
		{"both set, url", map[string]string{"DATABASE_URL": "postgres://a@b/c", "DATABASE_URL_FILE": dsn}, "DATABASE_URL", "not both"},
		{"short secret from a file", with(map[string]string{"PAGE_TOKEN_SECRET_FILE": redis}), "PAGE_TOKEN_SECRET", "at least 16"},
		{"bad POD_IP", with(map[string]string{"POD_IP": "10.0.0"}), "POD_IP", "must be an IP address"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if tt.name == "unreadable file" && os.Geteuid() == 0 {
				t.Skip("root reads mode 000 files")
			}
			_, err := config.Load(env(tt.env))
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tt.wantVar+": ") || !strings.Contains(err.Error(), tt.wantMsg) {
				t.Fatalf("error %q, want %s: ...%s", err, tt.wantVar, tt.wantMsg)
			}
			for _, secret := range []string{"s3cret-pw", "redis-pw", "consul-acl-token"} {
				if strings.Contains(err.Error(), secret) {
					t.Fatalf("error leaks a secret: %q", err)
				}
			}
		})
	}

	c, err = config.Load(env(with(map[string]string{"POD_IP": "10.1.2.3"})))
	if err != nil || c.PodIP != "10.1.2.3" {
		t.Fatalf("POD_IP: %q, %v", c.PodIP, err)
	}
}

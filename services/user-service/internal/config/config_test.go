package config_test

import (
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/example/user-platform/services/user-service/internal/config"
)

func env(m map[string]string) config.Getenv {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestDefaults(t *testing.T) {
	t.Parallel()
	c, err := config.Load(env(map[string]string{"DATABASE_URL": "postgres://u:p@db:5432/users"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.GRPCPort != 50051 || c.HTTPPort != 8080 || c.HTTPMaxBodyBytes != 1<<20 || c.DBMaxConns != 25 || c.DBMinConns != 10 ||
		c.CacheTTL != 5*time.Minute || c.CacheLocalSize != 4096 || c.CacheLocalTTL != 30*time.Second || c.LogLevel != slog.LevelInfo || c.ShutdownDrain != 5*time.Second ||
		c.TracesSampler != "parentbased_traceidratio" || c.SamplerRatio != 0.1 || c.ServiceName != "user-service" ||
		c.RedisAddr != "" || c.ConsulAddr != "" || c.OTLPEndpoint != "" || c.PageTokenSecret != nil {
		t.Fatalf("unexpected defaults: %+v", c)
	}
}

func TestDatabaseFromParts(t *testing.T) {
	t.Parallel()
	c, err := config.Load(env(map[string]string{
		"DB_HOST": "db.internal", "DB_PORT": "6432", "DB_NAME": "users", "DB_USER": "svc",
		"DB_PASSWORD": "p@ss:w/rd", "DB_SSLMODE": "verify-full",
	}))
	if err != nil {
		t.Fatal(err)
	}
	want := "postgres://svc:p%40ss%3Aw%2Frd@db.internal:6432/users?sslmode=verify-full"
	if c.DatabaseURL != want {
		t.Fatalf("DatabaseURL = %q, want %q", c.DatabaseURL, want)
	}
}

func TestInvalid(t *testing.T) {
	t.Parallel()
	base := map[string]string{"DATABASE_URL": "postgres://u:secretpw@db:5432/users"}
	tests := []struct {
		key, value, wantVar string
	}{
		{"GRPC_PORT", "abc", "GRPC_PORT"},
		{"GRPC_PORT", "70000", "GRPC_PORT"},
		{"HTTP_PORT", "50051", "HTTP_PORT"},
		{"HTTP_MAX_BODY_BYTES", "1MiB", "HTTP_MAX_BODY_BYTES"},
		{"HTTP_MAX_BODY_BYTES", "0", "HTTP_MAX_BODY_BYTES"},
		{"HTTP_MAX_BODY_BYTES", "1023", "HTTP_MAX_BODY_BYTES"},
		{"HTTP_MAX_BODY_BYTES", "1048577", "HTTP_MAX_BODY_BYTES"},
		{"DB_MAX_CONNS", "0", "DB_MAX_CONNS"},
		{"DB_MIN_CONNS", "100", "DB_MIN_CONNS"},
		{"REDIS_ADDR", "redis", "REDIS_ADDR"},
		{"REDIS_ADDR", "redis:0", "REDIS_ADDR"},
		{"REDIS_DB", "-1", "REDIS_DB"},
		{"CACHE_TTL", "5", "CACHE_TTL"},
		{"CACHE_TTL", "-1s", "CACHE_TTL"},
		{"CACHE_LOCAL_SIZE", "-1", "CACHE_LOCAL_SIZE"},
		{"CACHE_LOCAL_SIZE", "4k", "CACHE_LOCAL_SIZE"},
		{"CACHE_LOCAL_SIZE", "1000001", "CACHE_LOCAL_SIZE"},
		{"CACHE_LOCAL_TTL", "0s", "CACHE_LOCAL_TTL"},
		{"CACHE_LOCAL_TTL", "soon", "CACHE_LOCAL_TTL"},
		{"CACHE_LOCAL_TTL", "6m", "CACHE_LOCAL_TTL"}, // over the default CACHE_TTL of 5m
		{"OTEL_TRACES_SAMPLER", "sometimes", "OTEL_TRACES_SAMPLER"},
		{"OTEL_TRACES_SAMPLER_ARG", "1.5", "OTEL_TRACES_SAMPLER_ARG"},
		{"LOG_LEVEL", "verbose", "LOG_LEVEL"},
		{"OTEL_EXPORTER_OTLP_ENDPOINT", "ftp://collector:4317", "OTEL_EXPORTER_OTLP_ENDPOINT"},
		{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://", "OTEL_EXPORTER_OTLP_ENDPOINT"},
		{"SHUTDOWN_DRAIN_SECONDS", "5s", "SHUTDOWN_DRAIN_SECONDS"},
		{"PAGE_TOKEN_SECRET", "short", "PAGE_TOKEN_SECRET"},
		{"DATABASE_URL", "mysql://u:secretpw@db/x", "DATABASE_URL"},
	}
	for _, tt := range tests {
		t.Run(tt.key+"="+tt.value, func(t *testing.T) {
			t.Parallel()
			m := map[string]string{}
			for k, v := range base {
				m[k] = v
			}
			m[tt.key] = tt.value
			_, err := config.Load(env(m))
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tt.wantVar+":") {
				t.Fatalf("error %q does not name %s", err, tt.wantVar)
			}
			if strings.Contains(err.Error(), "secretpw") {
				t.Fatalf("error leaks the password: %q", err)
			}
		})
	}
}

func TestHTTPMaxBodyBytes(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		value string
		want  int64
	}{
		{"", 1 << 20},
		{"1024", 1024},
		{" 65536 ", 65536},
		{"1048576", 1 << 20},
	} {
		c, err := config.Load(env(map[string]string{"DATABASE_URL": "postgres://u:p@db:5432/users", "HTTP_MAX_BODY_BYTES": tt.value}))
		if err != nil {
			t.Fatalf("HTTP_MAX_BODY_BYTES=%q: %v", tt.value, err)
		}
		if c.HTTPMaxBodyBytes != tt.want {
			t.Errorf("HTTP_MAX_BODY_BYTES=%q: got %d, want %d", tt.value, c.HTTPMaxBodyBytes, tt.want)
		}
	}
}

func TestMissingDatabase(t *testing.T) {
	t.Parallel()
	_, err := config.Load(env(map[string]string{}))
	if err == nil || !strings.Contains(err.Error(), "DATABASE_URL: required") {
		t.Fatalf("error = %v", err)
	}
	_, err = config.Load(env(map[string]string{"DB_HOST": "db"}))
	if err == nil || !strings.Contains(err.Error(), "DB_NAME:") || !strings.Contains(err.Error(), "DB_USER:") {
		t.Fatalf("error = %v", err)
	}
}

func TestAllErrorsReported(t *testing.T) {
	t.Parallel()
	_, err := config.Load(env(map[string]string{"GRPC_PORT": "x", "LOG_LEVEL": "y"}))
	for _, v := range []string{"GRPC_PORT:", "LOG_LEVEL:", "DATABASE_URL:"} {
		if err == nil || !strings.Contains(err.Error(), v) {
			t.Fatalf("error %v does not mention %s", err, v)
		}
	}
}

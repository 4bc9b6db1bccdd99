// Package config reads the service configuration from environment variables
// and validates it; every error names the variable at fault.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/example/user-platform/services/user-service/internal/infrastructure/telemetry"
)

// Config is the validated service configuration.
type Config struct {
	GRPCPort int
	HTTPPort int

	DatabaseURL string // secret: never log it
	DBMaxConns  int32
	DBMinConns  int32

	RedisAddr     string // empty: cache disabled
	RedisPassword string // secret
	RedisDB       int
	CacheTTL      time.Duration

	ConsulAddr string // empty: no Consul registration

	OTLPEndpoint  string // empty: tracing off
	ServiceName   string
	TracesSampler string
	SamplerRatio  float64

	LogLevel      slog.Level
	ShutdownDrain time.Duration

	PageTokenSecret []byte // empty: random per process
}

// Getenv looks a variable up; os.LookupEnv in production, a map in tests.
type Getenv func(key string) (string, bool)

// Load reads and validates the configuration. All problems are reported
// together, one per variable.
func Load(getenv Getenv) (Config, error) {
	p := parser{getenv: getenv}
	c := Config{
		GRPCPort:      p.port("GRPC_PORT", 50051),
		HTTPPort:      p.port("HTTP_PORT", 8080),
		DBMaxConns:    int32(p.intRange("DB_MAX_CONNS", 25, 1, 1000)), //nolint:gosec // bounded by intRange
		DBMinConns:    int32(p.intRange("DB_MIN_CONNS", 10, 0, 1000)), //nolint:gosec // bounded by intRange
		RedisAddr:     p.hostPort("REDIS_ADDR"),
		RedisPassword: p.str("REDIS_PASSWORD", ""),
		RedisDB:       p.intRange("REDIS_DB", 0, 0, 1<<20),
		CacheTTL:      p.duration("CACHE_TTL", 5*time.Minute),
		ConsulAddr:    p.str("CONSUL_HTTP_ADDR", ""),
		OTLPEndpoint:  p.str("OTEL_EXPORTER_OTLP_ENDPOINT", ""),
		ServiceName:   p.str("OTEL_SERVICE_NAME", "user-service"),
		TracesSampler: p.sampler("OTEL_TRACES_SAMPLER", "parentbased_traceidratio"),
		SamplerRatio:  p.ratio("OTEL_TRACES_SAMPLER_ARG", 0.1),
		LogLevel:      p.logLevel("LOG_LEVEL", slog.LevelInfo),
		ShutdownDrain: time.Duration(p.intRange("SHUTDOWN_DRAIN_SECONDS", 5, 0, 3600)) * time.Second,
	}
	if s := p.str("PAGE_TOKEN_SECRET", ""); s != "" {
		if len(s) < 16 {
			p.fail("PAGE_TOKEN_SECRET", "must be at least 16 characters")
		}
		c.PageTokenSecret = []byte(s)
	}
	c.DatabaseURL = p.database()
	if c.DBMinConns > c.DBMaxConns {
		p.fail("DB_MIN_CONNS", fmt.Sprintf("must not exceed DB_MAX_CONNS (%d)", c.DBMaxConns))
	}
	if c.GRPCPort != 0 && c.GRPCPort == c.HTTPPort {
		p.fail("HTTP_PORT", "must differ from GRPC_PORT")
	}
	if c.CacheTTL <= 0 {
		p.fail("CACHE_TTL", "must be positive")
	}
	if err := errors.Join(p.errs...); err != nil {
		return Config{}, fmt.Errorf("invalid configuration:\n%w", err)
	}
	return c, nil
}

// LogValue keeps secrets out of logs.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.Int("grpc_port", c.GRPCPort),
		slog.Int("http_port", c.HTTPPort),
		slog.Int("db_max_conns", int(c.DBMaxConns)),
		slog.Int("db_min_conns", int(c.DBMinConns)),
		slog.String("redis_addr", c.RedisAddr),
		slog.Int("redis_db", c.RedisDB),
		slog.Duration("cache_ttl", c.CacheTTL),
		slog.String("consul_addr", c.ConsulAddr),
		slog.String("otlp_endpoint", c.OTLPEndpoint),
		slog.String("traces_sampler", c.TracesSampler),
		slog.Float64("traces_sampler_arg", c.SamplerRatio),
		slog.String("log_level", c.LogLevel.String()),
		slog.Duration("shutdown_drain", c.ShutdownDrain),
		slog.Bool("page_token_secret_set", len(c.PageTokenSecret) > 0),
	)
}

type parser struct {
	getenv Getenv
	errs   []error
}

func (p *parser) fail(key, msg string) { p.errs = append(p.errs, fmt.Errorf("%s: %s", key, msg)) }

func (p *parser) str(key, def string) string {
	if v, ok := p.getenv(key); ok && strings.TrimSpace(v) != "" {
		return strings.TrimSpace(v)
	}
	return def
}

func (p *parser) intRange(key string, def, lo, hi int) int {
	v := p.str(key, "")
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		p.fail(key, fmt.Sprintf("must be an integer between %d and %d, got %q", lo, hi, v))
		return def
	}
	return n
}

func (p *parser) port(key string, def int) int { return p.intRange(key, def, 0, 65535) }

func (p *parser) duration(key string, def time.Duration) time.Duration {
	v := p.str(key, "")
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		p.fail(key, fmt.Sprintf("must be a Go duration such as 30s or 5m, got %q", v))
		return def
	}
	return d
}

func (p *parser) ratio(key string, def float64) float64 {
	v := p.str(key, "")
	if v == "" {
		return def
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f < 0 || f > 1 {
		p.fail(key, fmt.Sprintf("must be a number between 0 and 1, got %q", v))
		return def
	}
	return f
}

func (p *parser) sampler(key, def string) string {
	v := p.str(key, def)
	if _, err := telemetry.NewSampler(v, 1); err != nil {
		p.fail(key, fmt.Sprintf("must be one of %s, got %q", strings.Join(telemetry.Samplers, ", "), v))
		return def
	}
	return v
}

func (p *parser) logLevel(key string, def slog.Level) slog.Level {
	v := strings.ToLower(p.str(key, ""))
	switch v {
	case "":
		return def
	case "debug":
		return slog.LevelDebug
	case "info":
		return slog.LevelInfo
	case "warn", "warning":
		return slog.LevelWarn
	case "error":
		return slog.LevelError
	default:
		p.fail(key, fmt.Sprintf("must be one of debug, info, warn, error, got %q", v))
		return def
	}
}

func (p *parser) hostPort(key string) string {
	v := p.str(key, "")
	if v == "" {
		return ""
	}
	host, port, err := net.SplitHostPort(v)
	if err != nil || host == "" {
		p.fail(key, fmt.Sprintf("must be host:port, got %q", v))
		return ""
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		p.fail(key, fmt.Sprintf("must be host:port with a port between 1 and 65535, got %q", v))
		return ""
	}
	return v
}

// database returns DATABASE_URL, or a URL built from the DB_* parts.
func (p *parser) database() string {
	if dsn := p.str("DATABASE_URL", ""); dsn != "" {
		u, err := url.Parse(dsn)
		if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.Host == "" {
			// Never echo the value: it holds the password.
			p.fail("DATABASE_URL", "must be a URL like postgres://user:password@host:5432/dbname")
			return ""
		}
		return dsn
	}
	host := p.str("DB_HOST", "")
	name := p.str("DB_NAME", "")
	user := p.str("DB_USER", "")
	if host == "" && name == "" && user == "" {
		p.fail("DATABASE_URL", "required (or set DB_HOST, DB_NAME and DB_USER)")
		return ""
	}
	for _, kv := range [][2]string{{"DB_HOST", host}, {"DB_NAME", name}, {"DB_USER", user}} {
		if kv[1] == "" {
			p.fail(kv[0], "required when DATABASE_URL is not set")
		}
	}
	port := p.intRange("DB_PORT", 5432, 1, 65535)
	sslmode := p.str("DB_SSLMODE", "require")
	switch sslmode {
	case "disable", "allow", "prefer", "require", "verify-ca", "verify-full":
	default:
		p.fail("DB_SSLMODE", fmt.Sprintf("must be one of disable, allow, prefer, require, verify-ca, verify-full, got %q", sslmode))
	}
	u := url.URL{
		Scheme:   "postgres",
		Host:     net.JoinHostPort(host, strconv.Itoa(port)),
		Path:     "/" + name,
		RawQuery: url.Values{"sslmode": {sslmode}}.Encode(),
	}
	if pw, ok := p.getenv("DB_PASSWORD"); ok && pw != "" {
		u.User = url.UserPassword(user, pw)
	} else {
		u.User = url.User(user)
	}
	return u.String()
}

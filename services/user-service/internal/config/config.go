// Package config reads the service configuration from environment variables
// and validates it; every error names the variable at fault.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/example/user-platform/services/user-service/internal/infrastructure/cache"
	grpcx "github.com/example/user-platform/services/user-service/internal/infrastructure/grpc"
	"github.com/example/user-platform/services/user-service/internal/infrastructure/telemetry"
)

// Config is the validated service configuration.
type Config struct {
	GRPCPort int
	HTTPPort int
	// MetricsPort serves GET /metrics (Prometheus text format) and nothing else.
	MetricsPort int
	// HTTPMaxBodyBytes is the largest REST request body (HTTP_MAX_BODY_BYTES).
	HTTPMaxBodyBytes int64

	DatabaseURL string // secret: never log it
	// DBPasswordFile is DB_PASSWORD_FILE: the password is not in DatabaseURL
	// but re-read from this file for every new connection (rotation).
	DBPasswordFile string
	DBMaxConns     int32
	DBMinConns     int32

	RedisAddr     string // empty: cache disabled
	RedisPassword string // secret
	RedisDB       int
	CacheTTL      time.Duration
	// CacheLocalSize bounds the in-process tier in front of Redis, in users
	// (0: no local tier); CacheLocalTTL is the lifetime of its entries.
	CacheLocalSize int
	CacheLocalTTL  time.Duration

	ConsulAddr  string // empty: no Consul registration
	ConsulToken string // secret; empty: no ACL token
	PodIP       string // address registered in Consul; empty: first non-loopback IPv4

	OTLPEndpoint  string // empty: tracing off
	ServiceName   string
	TracesSampler string
	SamplerRatio  float64

	LogLevel      slog.Level
	ShutdownDrain time.Duration

	PageTokenSecret []byte // empty: random per process
}

// Bounds of HTTP_MAX_BODY_BYTES. The upper bound is the gRPC server's
// largest request message (grpc.MaxRecvMsgSize): the gateway forwards the
// decoded body as one message, so a larger REST body could not be served
// anyway. The lower bound leaves room for the largest valid CreateUser body.
const (
	DefaultHTTPMaxBodyBytes = 1 << 20
	MinHTTPMaxBodyBytes     = 1 << 10
	MaxHTTPMaxBodyBytes     = grpcx.MaxRecvMsgSize
)

// DefaultMetricsPort is the port of GET /metrics (the OpenTelemetry
// Prometheus exporter's default).
const DefaultMetricsPort = 9464

// Getenv looks a variable up; os.LookupEnv in production, a map in tests.
type Getenv func(key string) (string, bool)

// Load reads and validates the configuration. All problems are reported
// together, one per variable.
func Load(getenv Getenv) (Config, error) {
	p := parser{getenv: getenv}
	c := Config{
		GRPCPort:      p.port("GRPC_PORT", 50051),
		HTTPPort:      p.port("HTTP_PORT", 8080),
		MetricsPort:   p.port("METRICS_PORT", DefaultMetricsPort),
		DBMaxConns:    int32(p.intRange("DB_MAX_CONNS", 25, 1, 1000)), //nolint:gosec // bounded by intRange
		DBMinConns:    int32(p.intRange("DB_MIN_CONNS", 10, 0, 1000)), //nolint:gosec // bounded by intRange
		RedisAddr:     p.hostPort("REDIS_ADDR"),
		RedisPassword: p.secret("REDIS_PASSWORD"),
		RedisDB:       p.intRange("REDIS_DB", 0, 0, 1<<20),
		CacheTTL:      p.duration("CACHE_TTL", 5*time.Minute),
		// 0..1,000,000 users: at most LocalEntryMaxBytes (~850 B) each, so the
		// default 4096 is < 3.5 MiB even with maximal names and emails.
		CacheLocalSize: p.intRange("CACHE_LOCAL_SIZE", cache.DefaultLocalSize, 0, 1_000_000),
		CacheLocalTTL:  p.duration("CACHE_LOCAL_TTL", cache.DefaultLocalTTL),
		ConsulAddr:     p.str("CONSUL_HTTP_ADDR", ""),
		ConsulToken:    p.secret("CONSUL_HTTP_TOKEN"),
		PodIP:          p.ip("POD_IP"),
		OTLPEndpoint:   p.otlpEndpoint("OTEL_EXPORTER_OTLP_ENDPOINT"),
		ServiceName:    p.str("OTEL_SERVICE_NAME", "user-service"),
		TracesSampler:  p.sampler("OTEL_TRACES_SAMPLER", "parentbased_traceidratio"),
		SamplerRatio:   p.ratio("OTEL_TRACES_SAMPLER_ARG", 0.1),
		LogLevel:       p.logLevel("LOG_LEVEL", slog.LevelInfo),
		ShutdownDrain:  time.Duration(p.intRange("SHUTDOWN_DRAIN_SECONDS", 5, 0, 3600)) * time.Second,
	}
	if s := p.secret("PAGE_TOKEN_SECRET"); s != "" {
		if len(s) < 16 {
			p.fail("PAGE_TOKEN_SECRET", "must be at least 16 characters")
		}
		c.PageTokenSecret = []byte(s)
	}
	c.DatabaseURL, c.DBPasswordFile = p.database()
	if c.DBMinConns > c.DBMaxConns {
		p.fail("DB_MIN_CONNS", fmt.Sprintf("must not exceed DB_MAX_CONNS (%d)", c.DBMaxConns))
	}
	if c.GRPCPort != 0 && c.GRPCPort == c.HTTPPort {
		p.fail("HTTP_PORT", "must differ from GRPC_PORT")
	}
	if c.MetricsPort != 0 && (c.MetricsPort == c.GRPCPort || c.MetricsPort == c.HTTPPort) {
		p.fail("METRICS_PORT", "must differ from GRPC_PORT and HTTP_PORT")
	}
	c.HTTPMaxBodyBytes = int64(p.intRange("HTTP_MAX_BODY_BYTES", DefaultHTTPMaxBodyBytes, MinHTTPMaxBodyBytes, MaxHTTPMaxBodyBytes))
	if c.CacheTTL <= 0 {
		p.fail("CACHE_TTL", "must be positive")
	}
	if c.CacheLocalTTL <= 0 {
		p.fail("CACHE_LOCAL_TTL", "must be positive")
	} else if c.CacheLocalTTL > c.CacheTTL {
		p.fail("CACHE_LOCAL_TTL", fmt.Sprintf("must not exceed CACHE_TTL (%s)", c.CacheTTL))
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
		slog.Int("metrics_port", c.MetricsPort),
		slog.Int64("http_max_body_bytes", c.HTTPMaxBodyBytes),
		slog.Bool("db_password_file", c.DBPasswordFile != ""),
		slog.Int("db_max_conns", int(c.DBMaxConns)),
		slog.Int("db_min_conns", int(c.DBMinConns)),
		slog.String("redis_addr", c.RedisAddr),
		slog.Int("redis_db", c.RedisDB),
		slog.Duration("cache_ttl", c.CacheTTL),
		slog.Int("cache_local_size", c.CacheLocalSize),
		slog.Duration("cache_local_ttl", c.CacheLocalTTL),
		slog.String("consul_addr", c.ConsulAddr),
		slog.Bool("consul_token_set", c.ConsulToken != ""),
		slog.String("pod_ip", c.PodIP),
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

// database returns DATABASE_URL, or a URL built from the DB_* parts, and the
// DB_PASSWORD_FILE path when the password comes from a file (then it is not
// in the URL: the pool reads the file for every new connection). Every
// variable is looked up whichever form is used, so that the contract test sees
// them all.
func (p *parser) database() (dsn, passwordFile string) {
	full := p.secret("DATABASE_URL")
	host := p.str("DB_HOST", "")
	name := p.str("DB_NAME", "")
	user := p.str("DB_USER", "")
	port := p.intRange("DB_PORT", 5432, 1, 65535)
	sslmode := p.str("DB_SSLMODE", "require")
	password, passwordFile := p.secretWithFile("DB_PASSWORD")

	if full != "" {
		u, err := url.Parse(full)
		if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.Host == "" {
			// Never echo the value: it holds the password.
			p.fail("DATABASE_URL", "must be a URL like postgres://user:password@host:5432/dbname")
			return "", ""
		}
		return full, ""
	}
	if host == "" && name == "" && user == "" {
		p.fail("DATABASE_URL", "required (or set DB_HOST, DB_NAME and DB_USER)")
		return "", ""
	}
	for _, kv := range [][2]string{{"DB_HOST", host}, {"DB_NAME", name}, {"DB_USER", user}} {
		if kv[1] == "" {
			p.fail(kv[0], "required when DATABASE_URL is not set")
		}
	}
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
	if password != "" && passwordFile == "" {
		u.User = url.UserPassword(user, password)
	} else {
		u.User = url.User(user)
	}
	return u.String(), passwordFile
}

// secret returns a secret variable's value: from NAME, or read from the file
// named by NAME_FILE (how Kubernetes mounts a Secret).
func (p *parser) secret(key string) string {
	v, _ := p.secretWithFile(key)
	return v
}

// secretWithFile is secret, also returning the file path when NAME_FILE was used.
// Setting both is an error, and so is a file that is missing, unreadable or empty.
func (p *parser) secretWithFile(key string) (value, file string) {
	fileKey := key + "_FILE"
	v, _ := p.getenv(key)
	path := p.str(fileKey, "")
	if path == "" {
		return v, ""
	}
	if v != "" {
		p.fail(key, fmt.Sprintf("set either %s or %s, not both", key, fileKey))
		return "", ""
	}
	s, err := ReadSecretFile(path)
	if err != nil {
		p.fail(fileKey, err.Error())
		return "", ""
	}
	return s, path
}

// ReadSecretFile reads a secret from a file (a mounted Secret key). Trailing
// line breaks are dropped (files written with echo); an empty secret is an error.
func ReadSecretFile(path string) (string, error) {
	b, err := os.ReadFile(path) //nolint:gosec // the path is the operator's configuration
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the path is added below, once
		}
		return "", fmt.Errorf("cannot read secret file %q: %w", path, err)
	}
	s := strings.TrimRight(string(b), "\r\n")
	if s == "" {
		return "", fmt.Errorf("secret file %q is empty", path)
	}
	return s, nil
}

func (p *parser) otlpEndpoint(key string) string {
	v := p.str(key, "")
	if v == "" {
		return ""
	}
	if err := telemetry.ValidateEndpoint(v); err != nil {
		p.fail(key, fmt.Sprintf("must be http://host:port, https://host:port or host:port, got %q", v))
		return ""
	}
	return v
}

func (p *parser) ip(key string) string {
	v := p.str(key, "")
	if v == "" {
		return ""
	}
	ip := net.ParseIP(v)
	if ip == nil {
		p.fail(key, fmt.Sprintf("must be an IP address, got %q", v))
		return ""
	}
	return ip.String()
}

package grpc

import (
	"log/slog"
	"runtime"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"google.golang.org/grpc"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/reflection"

	userv1 "github.com/example/user-platform/services/user-service/api/proto/user/v1"
	"github.com/example/user-platform/services/user-service/internal/infrastructure/telemetry"
)

// Server limits.
const (
	MaxRecvMsgSize       = 1 << 20 // requests are tiny: 1 MiB
	MaxSendMsgSize       = 4 << 20
	MaxConcurrentStreams = 1024
	DefaultCallTimeout   = 5 * time.Second
)

// StreamWorkers is the number of reused goroutines serving calls: enough
// for the calls in flight at once under load (a call that waits on Redis or
// Postgres, or is merely descheduled, holds its worker; with 8 workers most
// calls at 50 concurrent still fell back to new goroutines). Idle workers
// cost their stacks, which the GC shrinks: at most a few hundred KiB.
func StreamWorkers() uint32 { return uint32(max(64, 16*runtime.GOMAXPROCS(0))) } //nolint:gosec // small and positive

// ServerConfig holds what NewServer needs.
type ServerConfig struct {
	Handler *UserHandler
	Health  *Health
	Logger  *slog.Logger
	// DefaultTimeout applies to calls without a deadline (default DefaultCallTimeout).
	DefaultTimeout time.Duration
	// LogEvery rate-limits failed-call log lines per method and code
	// (default DefaultLogEvery).
	LogEvery time.Duration
	// Instrumentation selects the tracer provider, propagator and meter
	// provider of the per-call telemetry (ServerStats, run by the
	// interceptors), which continues the
	// caller's trace (the REST gateway's, or any traceparent in the metadata)
	// and puts the span in the context every interceptor and handler logs with.
	Instrumentation telemetry.Instrumentation
}

// NewServer builds the gRPC server with UserService, health and reflection.
func NewServer(c ServerConfig) *grpc.Server {
	if c.DefaultTimeout == 0 {
		c.DefaultTimeout = DefaultCallTimeout
	}
	if c.LogEvery == 0 {
		c.LogEvery = DefaultLogEvery
	}
	lim := NewLogLimiter(c.LogEvery)
	// The span and duration of each call come from the interceptors
	// (ServerStats); otelgrpc's stats handler only if they cannot be built.
	var stream []grpc.StreamServerInterceptor
	var opts []grpc.ServerOption
	st, err := NewServerStats(c.Instrumentation)
	if err != nil {
		c.Logger.Warn("gRPC telemetry: falling back to otelgrpc's stats handler", slog.String("error", err.Error()))
		st = nil
		opts = append(opts, grpc.StatsHandler(otelgrpc.NewServerHandler(c.Instrumentation.GRPC()...)))
	} else {
		stream = append(stream, TelemetryStream(st))
	}
	// Telemetry, logging, recovery and the default deadline in one unary
	// interceptor (ServerUnary): no chain closures per call.
	stream = append(stream, LoggingStream(c.Logger, lim), RecoveryStream(c.Logger), DeadlineStream(c.DefaultTimeout))
	s := grpc.NewServer(append(opts,
		grpc.UnaryInterceptor(ServerUnary(c.Logger, lim, c.DefaultTimeout, st)),
		grpc.ChainStreamInterceptor(stream...),
		// Clients may ping every 5s (grpc-go clients commonly use 10s).
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{
			MinTime:             5 * time.Second,
			PermitWithoutStream: true,
		}),
		grpc.KeepaliveParams(keepalive.ServerParameters{
			MaxConnectionIdle:     15 * time.Minute,
			MaxConnectionAge:      30 * time.Minute, // rebalance long-lived clients across replicas
			MaxConnectionAgeGrace: 30 * time.Second,
			Time:                  2 * time.Minute,
			Timeout:               20 * time.Second,
		}),
		grpc.MaxRecvMsgSize(MaxRecvMsgSize),
		grpc.MaxSendMsgSize(MaxSendMsgSize),
		grpc.MaxConcurrentStreams(MaxConcurrentStreams),
		grpc.ConnectionTimeout(10*time.Second),
		// Reused stream goroutines: a new goroutine per call grows its stack
		// through the interceptors and the stats handler every time
		// (runtime.morestack/copystack were 13% of the CPU profile). When all
		// workers are busy, grpc-go falls back to a new goroutine.
		grpc.NumStreamWorkers(StreamWorkers()),
	)...)
	userv1.RegisterUserServiceServer(s, c.Handler)
	healthpb.RegisterHealthServer(s, c.Health.Server())
	reflection.Register(s)
	return s
}

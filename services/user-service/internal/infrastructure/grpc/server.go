package grpc

import (
	"log/slog"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"google.golang.org/grpc"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/reflection"

	userv1 "github.com/example/user-platform/services/user-service/api/proto/user/v1"
)

// Server limits.
const (
	MaxRecvMsgSize       = 1 << 20 // requests are tiny: 1 MiB
	MaxSendMsgSize       = 4 << 20
	MaxConcurrentStreams = 1024
	DefaultCallTimeout   = 5 * time.Second
)

// ServerConfig holds what NewServer needs.
type ServerConfig struct {
	Handler *UserHandler
	Health  *Health
	Logger  *slog.Logger
	// DefaultTimeout applies to calls without a deadline (default DefaultCallTimeout).
	DefaultTimeout time.Duration
}

// NewServer builds the gRPC server with UserService, health and reflection.
func NewServer(c ServerConfig) *grpc.Server {
	if c.DefaultTimeout == 0 {
		c.DefaultTimeout = DefaultCallTimeout
	}
	s := grpc.NewServer(
		grpc.StatsHandler(otelgrpc.NewServerHandler()),
		grpc.ChainUnaryInterceptor(
			LoggingUnary(c.Logger),
			RecoveryUnary(c.Logger),
			DeadlineUnary(c.DefaultTimeout),
		),
		grpc.ChainStreamInterceptor(
			LoggingStream(c.Logger),
			RecoveryStream(c.Logger),
			DeadlineStream(c.DefaultTimeout),
		),
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
	)
	userv1.RegisterUserServiceServer(s, c.Handler)
	healthpb.RegisterHealthServer(s, c.Health.Server())
	reflection.Register(s)
	return s
}

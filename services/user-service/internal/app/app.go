// Package app wires the layers together and runs the service: start-up,
// readiness tracking and the shutdown contract (DESIGN rule 9).
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"
	"github.com/sony/gobreaker/v2"
	"google.golang.org/grpc"

	"github.com/example/user-platform/services/user-service/internal/application"
	"github.com/example/user-platform/services/user-service/internal/application/pagetoken"
	"github.com/example/user-platform/services/user-service/internal/config"
	"github.com/example/user-platform/services/user-service/internal/domain"
	"github.com/example/user-platform/services/user-service/internal/infrastructure/cache"
	"github.com/example/user-platform/services/user-service/internal/infrastructure/discovery"
	grpcx "github.com/example/user-platform/services/user-service/internal/infrastructure/grpc"
	"github.com/example/user-platform/services/user-service/internal/infrastructure/persistence"
	"github.com/example/user-platform/services/user-service/internal/infrastructure/telemetry"
	"github.com/example/user-platform/services/user-service/internal/interfaces/rest"
)

// Defaults of the run loop.
const (
	DefaultStartupTimeout    = 15 * time.Second
	DefaultReadinessInterval = time.Second
	DefaultStopTimeout       = 10 * time.Second
	serviceName              = "user-service"
)

// Options are what New needs besides the environment configuration.
type Options struct {
	Config  config.Config
	Logger  *slog.Logger
	Version string
	// BindHost is the interface both listeners bind ("" = all; tests use 127.0.0.1).
	BindHost string
	// StartupTimeout bounds connecting to and migrating the database.
	StartupTimeout time.Duration
	// ReadinessInterval is the period of the database probe behind readiness.
	ReadinessInterval time.Duration
	// StopTimeout bounds GracefulStop and HTTP Shutdown after the drain.
	StopTimeout time.Duration
	// Breaker tunes the database circuit breaker.
	Breaker persistence.BreakerConfig
	// StartedAt is when main started, for the start-up time in the "serving" log.
	StartedAt time.Time
}

// App is a wired, listening service. Run serves it until its context ends.
type App struct {
	opts Options
	log  *slog.Logger

	pool     *pgxpool.Pool
	rdb      *redis.Client
	cached   *cache.CachedRepository
	breaker  *persistence.BreakerRepository
	health   *grpcx.Health
	grpcSrv  *grpc.Server
	grpcLis  net.Listener
	httpSrv  *http.Server
	httpLis  net.Listener
	gateway  *rest.Gateway
	registry *discovery.ConsulRegistry
	regID    string
	tracer   func(context.Context) error

	closers []func(context.Context) error // run in reverse on a failed New
}

// New connects to the dependencies, migrates the database and opens the
// listeners. It does not serve yet.
func New(ctx context.Context, o Options) (a *App, err error) {
	if o.StartupTimeout == 0 {
		o.StartupTimeout = DefaultStartupTimeout
	}
	if o.ReadinessInterval == 0 {
		o.ReadinessInterval = DefaultReadinessInterval
	}
	if o.StopTimeout == 0 {
		o.StopTimeout = DefaultStopTimeout
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	a = &App{opts: o, log: o.Logger}
	defer func() {
		if err != nil {
			a.closeAll()
		}
	}()
	cfg := o.Config

	if cfg.OTLPEndpoint != "" {
		shutdown, err := telemetry.Setup(ctx, telemetry.Config{
			Endpoint: cfg.OTLPEndpoint, ServiceName: cfg.ServiceName, Version: o.Version,
			Sampler: cfg.TracesSampler, Ratio: cfg.SamplerRatio,
		})
		if err != nil {
			return nil, fmt.Errorf("tracing: %w", err)
		}
		a.tracer = shutdown
		a.closers = append(a.closers, shutdown)
	}

	startCtx, cancel := context.WithTimeout(ctx, o.StartupTimeout)
	defer cancel()
	a.pool, err = persistence.OpenMigrated(startCtx, persistence.PoolConfig{
		DSN: cfg.DatabaseURL, MaxConns: cfg.DBMaxConns, MinConns: cfg.DBMinConns,
	})
	if err != nil {
		return nil, fmt.Errorf("database: %w", err)
	}
	a.closers = append(a.closers, func(context.Context) error { a.pool.Close(); return nil })

	a.health = grpcx.NewHealth()
	pg := persistence.NewPostgresRepo(a.pool)
	brk := o.Breaker
	userHook := brk.OnStateChange
	brk.OnStateChange = func(from, to gobreaker.State) {
		// Called with the breaker's lock held: do not call the breaker here.
		a.log.Warn("database circuit breaker", slog.String("from", from.String()), slog.String("to", to.String()))
		a.health.SetReady(to != gobreaker.StateOpen)
		if userHook != nil {
			userHook(from, to)
		}
	}
	a.breaker = persistence.NewBreakerRepository(pg, pg.Ping, brk)
	var repo domain.UserRepository = a.breaker
	if cfg.RedisAddr != "" {
		cache.RouteClientLogs(a.log)
		a.rdb = cache.NewClient(cache.Options{Addr: cfg.RedisAddr, Password: cfg.RedisPassword, DB: cfg.RedisDB})
		a.closers = append(a.closers, func(context.Context) error { return a.rdb.Close() })
		cached := cache.NewCachedRepository(repo, a.rdb, cfg.CacheTTL, a.log)
		a.cached = cached
		a.closers = append(a.closers, func(context.Context) error { cached.Close(); return nil })
		repo = cached
	} else {
		a.log.Warn("REDIS_ADDR not set: GetUser cache disabled")
	}
	if len(cfg.PageTokenSecret) == 0 {
		a.log.Warn("PAGE_TOKEN_SECRET not set: page tokens only verify on this replica")
	}
	tokens, err := pagetoken.New(cfg.PageTokenSecret)
	if err != nil {
		return nil, err //nolint:wrapcheck // already says "page token secret"
	}
	svc := application.NewUserService(repo, tokens)

	a.grpcSrv = grpcx.NewServer(grpcx.ServerConfig{
		Handler: grpcx.NewUserHandler(svc), Health: a.health, Logger: a.log,
	})
	var lc net.ListenConfig
	a.grpcLis, err = lc.Listen(ctx, "tcp", net.JoinHostPort(o.BindHost, strconv.Itoa(cfg.GRPCPort)))
	if err != nil {
		return nil, fmt.Errorf("GRPC_PORT: listen: %w", err)
	}
	a.closers = append(a.closers, func(context.Context) error { return a.grpcLis.Close() })
	a.httpLis, err = lc.Listen(ctx, "tcp", net.JoinHostPort(o.BindHost, strconv.Itoa(cfg.HTTPPort)))
	if err != nil {
		return nil, fmt.Errorf("HTTP_PORT: listen: %w", err)
	}
	a.closers = append(a.closers, func(context.Context) error { return a.httpLis.Close() })

	grpcPort := a.grpcLis.Addr().(*net.TCPAddr).Port //nolint:forcetypeassert // a tcp listener
	a.gateway, err = rest.NewGateway(ctx, net.JoinHostPort("127.0.0.1", strconv.Itoa(grpcPort)),
		a.health, grpcx.LivenessService, grpcx.ReadinessService)
	if err != nil {
		return nil, err //nolint:wrapcheck // rest wraps
	}
	a.closers = append(a.closers, func(context.Context) error { return a.gateway.Close() })
	a.httpSrv = rest.NewHTTPServer(a.httpLis.Addr().String(), a.gateway.Handler())

	if cfg.ConsulAddr != "" {
		a.registry, err = discovery.NewConsulRegistry(cfg.ConsulAddr)
		if err != nil {
			return nil, err //nolint:wrapcheck // discovery wraps
		}
	}
	return a, nil
}

// GRPCAddr is the address the gRPC server listens on.
func (a *App) GRPCAddr() string { return a.grpcLis.Addr().String() }

// HTTPAddr is the address the REST gateway listens on.
func (a *App) HTTPAddr() string { return a.httpLis.Addr().String() }

// Health exposes the health statuses (for tests).
func (a *App) Health() *grpcx.Health { return a.health }

// Run serves until ctx is cancelled (SIGTERM), then shuts down:
//  1. every health status NOT_SERVING, so probes and Consul stop routing here;
//  2. keep serving for SHUTDOWN_DRAIN_SECONDS while load balancers catch up;
//  3. GracefulStop (in-flight calls finish) and HTTP Shutdown, both bounded by
//     StopTimeout, after which remaining calls are cut (Stop);
//  4. close the Redis and Postgres pools, deregister from Consul, flush traces.
func (a *App) Run(ctx context.Context) error {
	serveErr := make(chan error, 2)
	go func() {
		if err := a.grpcSrv.Serve(a.grpcLis); err != nil {
			serveErr <- fmt.Errorf("grpc serve: %w", err)
		}
	}()
	go func() {
		if err := a.httpSrv.Serve(a.httpLis); err != nil && !errors.Is(err, http.ErrServerClosed) {
			serveErr <- fmt.Errorf("http serve: %w", err)
		}
	}()
	a.health.SetReady(!a.breaker.Open())
	var startup time.Duration
	if !a.opts.StartedAt.IsZero() {
		startup = time.Since(a.opts.StartedAt)
	}
	a.log.Info("serving", slog.String("grpc_addr", a.GRPCAddr()), slog.String("http_addr", a.HTTPAddr()),
		slog.Duration("startup", startup),
		slog.String("version", a.opts.Version), slog.Any("config", a.opts.Config))

	monCtx, stopMonitor := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	wg.Go(func() { a.monitor(monCtx) })

	if a.registry != nil {
		a.register(ctx)
	}

	var runErr error
	select {
	case <-ctx.Done():
		a.log.Info("shutdown signal received", slog.Duration("drain", a.opts.Config.ShutdownDrain))
	case runErr = <-serveErr:
		a.log.Error("server failed", slog.String("error", runErr.Error()))
	}

	a.health.Shutdown()
	if runErr == nil && a.opts.Config.ShutdownDrain > 0 {
		timer := time.NewTimer(a.opts.Config.ShutdownDrain)
		select {
		case <-timer.C:
		case runErr = <-serveErr:
			timer.Stop()
		}
	}
	a.stopServers()
	stopMonitor()
	wg.Wait()
	a.cleanup()
	a.log.Info("stopped")
	return runErr
}

// stopServers stops accepting and waits for in-flight calls, up to StopTimeout.
func (a *App) stopServers() {
	ctx, cancel := context.WithTimeout(context.Background(), a.opts.StopTimeout)
	defer cancel()
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := a.httpSrv.Shutdown(ctx); err != nil {
			a.log.Warn("http shutdown deadline passed, closing", slog.String("error", err.Error()))
			_ = a.httpSrv.Close()
		}
	})
	wg.Go(func() {
		done := make(chan struct{})
		go func() { a.grpcSrv.GracefulStop(); close(done) }()
		select {
		case <-done:
		case <-ctx.Done():
			a.log.Warn("grpc graceful stop deadline passed, stopping")
			a.grpcSrv.Stop()
			<-done
		}
	})
	wg.Wait()
}

// cleanup releases everything after the servers have stopped.
func (a *App) cleanup() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := a.gateway.Close(); err != nil {
		a.log.Warn("close gateway", slog.String("error", err.Error()))
	}
	if a.cached != nil {
		a.cached.Close()
	}
	if a.rdb != nil {
		if err := a.rdb.Close(); err != nil {
			a.log.Warn("close redis", slog.String("error", err.Error()))
		}
	}
	a.pool.Close()
	if a.registry != nil {
		if err := a.registry.Deregister(ctx, a.regID); err != nil {
			a.log.Warn("consul deregistration failed", slog.String("error", err.Error()))
		} else {
			a.log.Info("deregistered from consul", slog.String("service_id", a.regID))
		}
	}
	if a.tracer != nil {
		if err := a.tracer(ctx); err != nil {
			a.log.Warn("flush traces", slog.String("error", err.Error()))
		}
	}
}

// closeAll undoes a partly done New.
func (a *App) closeAll() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for i := len(a.closers) - 1; i >= 0; i-- {
		_ = a.closers[i](ctx)
	}
}

// monitor probes the database through the breaker every ReadinessInterval, so
// that readiness follows the database even without traffic, and the breaker
// can close again after the database returns.
func (a *App) monitor(ctx context.Context) {
	t := time.NewTicker(a.opts.ReadinessInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			pctx, cancel := context.WithTimeout(ctx, a.opts.ReadinessInterval)
			err := a.breaker.Probe(pctx)
			cancel()
			if err != nil && ctx.Err() == nil {
				a.log.Debug("database probe failed", slog.String("error", err.Error()))
			}
			a.health.SetReady(!a.breaker.Open())
		}
	}
}

func (a *App) register(ctx context.Context) {
	addr := os.Getenv("POD_IP")
	if addr == "" {
		addr = discovery.AdvertiseAddress()
	}
	host, _ := os.Hostname()
	port := a.grpcLis.Addr().(*net.TCPAddr).Port //nolint:forcetypeassert // a tcp listener
	a.regID = fmt.Sprintf("%s-%s-%d", serviceName, host, port)
	rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	err := a.registry.Register(rctx, discovery.Registration{
		ServiceName: serviceName, ServiceID: a.regID, Address: addr, Port: port,
		HealthService: grpcx.ReadinessService, Tags: []string{"grpc", "version=" + a.opts.Version},
	})
	if err != nil {
		// Kubernetes Services still route here; Consul is an extra.
		a.log.Error("consul registration failed", slog.String("error", err.Error()))
		return
	}
	a.log.Info("registered in consul", slog.String("service_id", a.regID), slog.String("address", addr))
}

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
	"sync/atomic"
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
	// DefaultProbeTimeout bounds the database ping behind readiness (connect
	// included): shorter than the readiness probe's 1 s timeout.
	DefaultProbeTimeout = 500 * time.Millisecond
	serviceName         = "user-service"
)

// The shutdown budget (DESIGN rule 9). The charts set
// terminationGracePeriodSeconds = SHUTDOWN_DRAIN_SECONDS + ShutdownStopSeconds
// (SHUTDOWN_STOP_SECONDS in charts/model/contract.ts). After the drain the
// service spends at most DefaultStopTimeout stopping gracefully, forcedStopWait
// after the forced stop and cleanupTimeout releasing pools and flushing traces:
// 8 + 1 + 2 = 11 s, inside ShutdownStopSeconds - ShutdownMargin = 12 s.
// cmd/server also arms a watchdog at drain + 12 s that exits with
// ExitForcedStop whatever is still running, so the kubelet's SIGKILL never
// comes.
const (
	ShutdownStopSeconds = 15
	ShutdownMargin      = 3 * time.Second
	DefaultStopTimeout  = 8 * time.Second
	forcedStopWait      = time.Second
	cleanupTimeout      = 2 * time.Second
	deregisterTimeout   = 2 * time.Second
)

// ShutdownBudget is the longest the service may take from SIGTERM to exit:
// a margin before the grace period the charts derive from the same drain.
func ShutdownBudget(drain time.Duration) time.Duration {
	return drain + ShutdownStopSeconds*time.Second - ShutdownMargin
}

// ErrForcedStop is returned by Run when the shutdown budget ran out: calls
// still in flight were cut, or cleanup did not finish in time.
var ErrForcedStop = errors.New("forced stop: the shutdown budget ran out")

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
	// ProbeTimeout bounds each of those probes (DefaultProbeTimeout).
	ProbeTimeout time.Duration
	// StopTimeout bounds GracefulStop and HTTP Shutdown after the drain
	// (DefaultStopTimeout; larger values break the shutdown budget).
	StopTimeout time.Duration
	// ConsulBackoff is the retry schedule of the Consul registration.
	ConsulBackoff discovery.Backoff
	// Breaker tunes the database circuit breaker.
	Breaker persistence.BreakerConfig
	// StartedAt is when main started, for the start-up time in the "serving" log.
	StartedAt time.Time
	// Instrumentation selects the tracer provider and propagator of the HTTP
	// and gRPC instrumentation (zero: the global provider, W3C propagation).
	Instrumentation telemetry.Instrumentation
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
	metrics  *telemetry.Metrics
	metSrv   *http.Server
	metLis   net.Listener
	gateway  *rest.Gateway
	registry *discovery.ConsulRegistry
	regID    string
	regTried atomic.Bool // a registration request was sent
	tracer   func(context.Context) error

	closers []func(context.Context) error // run in reverse on a failed New
}

// New connects to the dependencies, migrates the database and opens the
// listeners. It does not serve yet. On an error everything opened so far is
// closed again.
func New(ctx context.Context, o Options) (*App, error) {
	if o.StartupTimeout == 0 {
		o.StartupTimeout = DefaultStartupTimeout
	}
	if o.ReadinessInterval == 0 {
		o.ReadinessInterval = DefaultReadinessInterval
	}
	if o.ProbeTimeout == 0 {
		o.ProbeTimeout = DefaultProbeTimeout
	}
	if o.StopTimeout == 0 {
		o.StopTimeout = DefaultStopTimeout
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	// trace_id and span_id on every line logged with a traced context.
	o.Logger = slog.New(telemetry.NewLogHandler(o.Logger.Handler()))
	a := &App{opts: o, log: o.Logger}
	if err := a.init(ctx); err != nil {
		a.closeAll()
		return nil, err
	}
	return a, nil
}

func (a *App) init(ctx context.Context) (err error) {
	o := a.opts
	cfg := o.Config

	if cfg.OTLPEndpoint != "" {
		shutdown, err := telemetry.Setup(ctx, telemetry.Config{
			Endpoint: cfg.OTLPEndpoint, ServiceName: cfg.ServiceName, Version: o.Version,
			Sampler: cfg.TracesSampler, Ratio: cfg.SamplerRatio,
		})
		if err != nil {
			return fmt.Errorf("tracing: %w", err)
		}
		a.tracer = shutdown
		a.closers = append(a.closers, shutdown)
	}

	res, err := telemetry.Resource(telemetry.Config{ServiceName: cfg.ServiceName, Version: o.Version})
	if err != nil {
		return err //nolint:wrapcheck // telemetry wraps
	}
	a.metrics, err = telemetry.NewMetrics(res, o.Version)
	if err != nil {
		return err //nolint:wrapcheck // telemetry wraps
	}
	a.closers = append(a.closers, a.metrics.Shutdown)
	instr := o.Instrumentation
	if instr.MeterProvider == nil {
		instr.MeterProvider = a.metrics.Provider()
	}

	startCtx, cancel := context.WithTimeout(ctx, o.StartupTimeout)
	defer cancel()
	pc := persistence.PoolConfig{DSN: cfg.DatabaseURL, MaxConns: cfg.DBMaxConns, MinConns: cfg.DBMinConns}
	if file := cfg.DBPasswordFile; file != "" {
		pc.Password = func() (string, error) { return config.ReadSecretFile(file) }
	}
	a.pool, err = persistence.OpenMigrated(startCtx, pc)
	if err != nil {
		return fmt.Errorf("database: %w", err)
	}
	a.closers = append(a.closers, func(context.Context) error { a.pool.Close(); return nil })
	pool := a.pool
	if err := a.metrics.Pool(serviceName, func() telemetry.PoolStats {
		st := pool.Stat()
		return telemetry.PoolStats{
			Idle: int64(st.IdleConns()), Used: int64(st.AcquiredConns()), Max: int64(st.MaxConns()),
			EmptyAcquires: st.EmptyAcquireCount(),
		}
	}); err != nil {
		return err //nolint:wrapcheck // telemetry wraps
	}

	a.health = grpcx.NewHealth()
	pg := persistence.NewPostgresRepo(a.pool)
	brk := o.Breaker
	userHook := brk.OnStateChange
	var breakerState atomic.Pointer[persistence.BreakerRepository]
	pgTransition, err := a.metrics.Breaker("postgres", func() string {
		if b := breakerState.Load(); b != nil {
			return b.State().String()
		}
		return gobreaker.StateClosed.String()
	})
	if err != nil {
		return err //nolint:wrapcheck // telemetry wraps
	}
	brk.OnStateChange = func(from, to gobreaker.State) {
		pgTransition(from.String(), to.String())
		// Called with the breaker's lock held: do not call the breaker here.
		a.log.Warn("database circuit breaker", slog.String("from", from.String()), slog.String("to", to.String()))
		// Ready only when closed: half-open means the database has not yet
		// proven itself (it may still hang).
		a.health.SetReady(to == gobreaker.StateClosed)
		if userHook != nil {
			userHook(from, to)
		}
	}
	a.breaker = persistence.NewBreakerRepository(pg, pg.Ping, brk)
	breakerState.Store(a.breaker)
	var repo domain.UserRepository = a.breaker
	if cfg.RedisAddr != "" {
		cache.RouteClientLogs(a.log)
		a.rdb = cache.NewClient(cache.Options{Addr: cfg.RedisAddr, Password: cfg.RedisPassword, DB: cfg.RedisDB})
		a.closers = append(a.closers, func(context.Context) error { return a.rdb.Close() })
		var cacheState atomic.Pointer[cache.CachedRepository]
		redisTransition, err := a.metrics.Breaker("redis", func() string {
			if c := cacheState.Load(); c != nil {
				return c.BreakerState()
			}
			return gobreaker.StateClosed.String()
		})
		if err != nil {
			return err //nolint:wrapcheck // telemetry wraps
		}
		cached := cache.NewCachedRepositoryWithOptions(repo, a.rdb, cache.RepoOptions{
			TTL: cfg.CacheTTL, Log: a.log,
			Hooks:     cache.Hooks{Lookup: a.metrics.CacheLookup, BreakerChange: redisTransition},
			LocalSize: cfg.CacheLocalSize, LocalTTL: cfg.CacheLocalTTL,
		})
		cacheState.Store(cached)
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
		return err //nolint:wrapcheck // already says "page token secret"
	}
	svc := application.NewUserService(repo, tokens)

	a.grpcSrv = grpcx.NewServer(grpcx.ServerConfig{
		Handler: grpcx.NewUserHandler(svc), Health: a.health, Logger: a.log,
		Instrumentation: instr,
	})
	var lc net.ListenConfig
	a.grpcLis, err = lc.Listen(ctx, "tcp", net.JoinHostPort(o.BindHost, strconv.Itoa(cfg.GRPCPort)))
	if err != nil {
		return fmt.Errorf("GRPC_PORT: listen: %w", err)
	}
	a.closers = append(a.closers, func(context.Context) error { return a.grpcLis.Close() })
	a.httpLis, err = lc.Listen(ctx, "tcp", net.JoinHostPort(o.BindHost, strconv.Itoa(cfg.HTTPPort)))
	if err != nil {
		return fmt.Errorf("HTTP_PORT: listen: %w", err)
	}
	a.closers = append(a.closers, func(context.Context) error { return a.httpLis.Close() })
	a.metLis, err = lc.Listen(ctx, "tcp", net.JoinHostPort(o.BindHost, strconv.Itoa(cfg.MetricsPort)))
	if err != nil {
		return fmt.Errorf("METRICS_PORT: listen: %w", err)
	}
	a.closers = append(a.closers, func(context.Context) error { return a.metLis.Close() })
	metricsMux := http.NewServeMux()
	metricsMux.Handle("/metrics", a.metrics.Handler())
	a.metSrv = rest.NewHTTPServer(a.metLis.Addr().String(), metricsMux)

	grpcPort := a.grpcLis.Addr().(*net.TCPAddr).Port //nolint:forcetypeassert // a tcp listener
	a.gateway, err = rest.NewGateway(ctx, rest.Config{
		GRPCAddr: net.JoinHostPort("127.0.0.1", strconv.Itoa(grpcPort)),
		Health:   a.health, Liveness: grpcx.LivenessService, Readiness: grpcx.ReadinessService,
		MaxBodyBytes: cfg.HTTPMaxBodyBytes, Instrumentation: instr,
	})
	if err != nil {
		return err //nolint:wrapcheck // rest wraps
	}
	a.closers = append(a.closers, func(context.Context) error { return a.gateway.Close() })
	a.httpSrv = rest.NewHTTPServer(a.httpLis.Addr().String(), a.gateway.Handler())

	if cfg.ConsulAddr != "" {
		a.registry, err = discovery.NewConsulRegistry(cfg.ConsulAddr, cfg.ConsulToken)
		if err != nil {
			return err //nolint:wrapcheck // discovery wraps
		}
	}
	return nil
}

// GRPCAddr is the address the gRPC server listens on.
func (a *App) GRPCAddr() string { return a.grpcLis.Addr().String() }

// HTTPAddr is the address the REST gateway listens on.
func (a *App) HTTPAddr() string { return a.httpLis.Addr().String() }

// MetricsAddr is the address GET /metrics listens on.
func (a *App) MetricsAddr() string { return a.metLis.Addr().String() }

// Health exposes the health statuses (for tests).
func (a *App) Health() *grpcx.Health { return a.health }

// Run serves until ctx is cancelled (SIGTERM), then shuts down:
//  1. every health status NOT_SERVING, so probes and Consul stop routing here,
//     and Consul deregistration starts at once (peers stop routing here);
//  2. keep serving for SHUTDOWN_DRAIN_SECONDS while load balancers catch up;
//  3. GracefulStop (in-flight calls finish) and HTTP Shutdown, both bounded by
//     StopTimeout, after which remaining calls are cut (Stop);
//  4. close the Redis and Postgres pools and flush traces, bounded.
//
// It returns ErrForcedStop (wrapped) when calls were cut or cleanup ran out
// of time, so that the process exits non-zero.
func (a *App) Run(ctx context.Context) error {
	serveErr := make(chan error, 3)
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
	go func() {
		if err := a.metSrv.Serve(a.metLis); err != nil && !errors.Is(err, http.ErrServerClosed) {
			serveErr <- fmt.Errorf("metrics serve: %w", err)
		}
	}()
	var startup time.Duration
	if !a.opts.StartedAt.IsZero() {
		startup = time.Since(a.opts.StartedAt)
	}
	a.log.Info("serving", slog.String("grpc_addr", a.GRPCAddr()), slog.String("http_addr", a.HTTPAddr()),
		slog.String("metrics_addr", a.MetricsAddr()),
		slog.Duration("startup", startup),
		slog.String("version", a.opts.Version), slog.Any("config", a.opts.Config))
	// Ready only after the "serving" line: nothing that waits for readiness
	// sees it after a call's own log lines.
	a.health.SetReady(a.breaker.State() == gobreaker.StateClosed)

	monCtx, stopMonitor := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	wg.Go(func() { a.monitor(monCtx) })

	// Registration retries in the background until it succeeds or the
	// shutdown starts (ctx ends); Kubernetes Services route here regardless.
	var regWG sync.WaitGroup
	regCtx, stopRegistering := context.WithCancel(ctx)
	defer stopRegistering()
	if a.registry != nil {
		regWG.Go(func() { a.register(regCtx) })
	}

	var runErr error
	select {
	case <-ctx.Done():
		a.log.Info("shutdown signal received", slog.Duration("drain", a.opts.Config.ShutdownDrain),
			slog.Duration("budget", ShutdownBudget(a.opts.Config.ShutdownDrain)))
	case runErr = <-serveErr:
		a.log.Error("server failed", slog.String("error", runErr.Error()))
	}

	a.health.Shutdown()
	stopRegistering()
	deregistered := make(chan struct{})
	go func() {
		defer close(deregistered)
		regWG.Wait() // the retry loop ends with regCtx
		a.deregister()
	}()
	if runErr == nil && a.opts.Config.ShutdownDrain > 0 {
		timer := time.NewTimer(a.opts.Config.ShutdownDrain)
		select {
		case <-timer.C:
		case runErr = <-serveErr:
			timer.Stop()
		}
	}
	forced := a.stopServers()
	stopMonitor()
	wg.Wait()
	if !a.cleanup(deregistered) {
		forced = true
	}
	if forced {
		a.log.Error("stopped: shutdown budget ran out, in-flight calls were cut")
		return errors.Join(runErr, ErrForcedStop)
	}
	a.log.Info("stopped")
	return runErr
}

// stopServers stops accepting and waits for in-flight calls, up to
// StopTimeout; then it cuts them. It reports whether it had to.
func (a *App) stopServers() (forced bool) {
	ctx, cancel := context.WithTimeout(context.Background(), a.opts.StopTimeout)
	defer cancel()
	var wg sync.WaitGroup
	var cut atomic.Bool
	wg.Go(func() {
		// Scrapes are short: a scrape still running when the budget ends is cut.
		if err := a.metSrv.Shutdown(ctx); err != nil {
			_ = a.metSrv.Close()
		}
	})
	wg.Go(func() {
		if err := a.httpSrv.Shutdown(ctx); err != nil {
			a.log.Warn("http shutdown deadline passed, closing", slog.String("error", err.Error()))
			cut.Store(true)
			_ = a.httpSrv.Close()
		}
	})
	wg.Go(func() {
		done := make(chan struct{})
		go func() { a.grpcSrv.GracefulStop(); close(done) }()
		select {
		case <-done:
			return
		case <-ctx.Done():
		}
		a.log.Warn("grpc graceful stop deadline passed, stopping", slog.Duration("stop_timeout", a.opts.StopTimeout))
		cut.Store(true)
		a.grpcSrv.Stop()
		t := time.NewTimer(forcedStopWait)
		defer t.Stop()
		select {
		case <-done:
		case <-t.C:
			a.log.Error("grpc server did not stop after the forced stop; leaving it")
		}
	})
	wg.Wait()
	return cut.Load()
}

// cleanup releases everything after the servers have stopped, within
// cleanupTimeout (a pool with a connection still held by a cut call would
// block Close for ever). It reports whether everything finished in time.
func (a *App) cleanup(deregistered <-chan struct{}) bool {
	ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
	defer cancel()
	closed := make(chan struct{})
	go func() {
		defer close(closed)
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
	}()
	ok := true
	for _, step := range []struct {
		name string
		done <-chan struct{}
	}{{"close pools", closed}, {"consul deregistration", deregistered}} {
		select {
		case <-step.done:
		case <-ctx.Done():
			a.log.Error("cleanup deadline passed", slog.String("step", step.name))
			ok = false
		}
	}
	if err := a.metrics.Shutdown(ctx); err != nil {
		a.log.Warn("stop metrics", slog.String("error", err.Error()))
	}
	if a.tracer != nil {
		if err := a.tracer(ctx); err != nil {
			a.log.Warn("flush traces", slog.String("error", err.Error()))
			ok = false
		}
	}
	return ok
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
			pctx, cancel := context.WithTimeout(ctx, a.opts.ProbeTimeout)
			start := time.Now()
			err := a.breaker.Probe(pctx)
			cancel()
			if err != nil && ctx.Err() == nil {
				a.log.Debug("database probe failed", slog.String("error", err.Error()),
					slog.Duration("took", time.Since(start)))
			}
			a.health.SetReady(a.breaker.State() == gobreaker.StateClosed)
		}
	}
}

// register registers in Consul, retrying with backoff until it succeeds or
// ctx ends (the shutdown starts).
func (a *App) register(ctx context.Context) {
	addr := a.opts.Config.PodIP
	if addr == "" {
		addr = discovery.AdvertiseAddress()
	}
	host, _ := os.Hostname()
	port := a.grpcLis.Addr().(*net.TCPAddr).Port //nolint:forcetypeassert // a tcp listener
	reg := discovery.Registration{
		ServiceName: serviceName, ServiceID: fmt.Sprintf("%s-%s-%d", serviceName, host, port), Address: addr, Port: port,
		HealthService: grpcx.ReadinessService, Tags: []string{"grpc", "version=" + a.opts.Version},
	}
	a.regID = reg.ServiceID
	a.regTried.Store(true)
	err := a.registry.RegisterWithRetry(ctx, reg, a.opts.ConsulBackoff, 5*time.Second,
		func(attempt int, err error, wait time.Duration) {
			// Kubernetes Services still route here; Consul is an extra.
			a.log.Error("consul registration failed, retrying", slog.Int("attempt", attempt),
				slog.Duration("retry_in", wait), slog.String("error", err.Error()))
		})
	if err != nil {
		a.log.Warn("consul registration abandoned", slog.String("error", err.Error()))
		return
	}
	a.log.Info("registered in consul", slog.String("service_id", a.regID), slog.String("address", addr))
}

// deregister removes this instance from Consul (at the start of the drain).
func (a *App) deregister() {
	if a.registry == nil || !a.regTried.Load() {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), deregisterTimeout)
	defer cancel()
	if err := a.registry.Deregister(ctx, a.regID); err != nil {
		a.log.Warn("consul deregistration failed", slog.String("error", err.Error()))
		return
	}
	a.log.Info("deregistered from consul", slog.String("service_id", a.regID))
}

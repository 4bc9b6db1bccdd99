package telemetry

import (
	"context"
	"fmt"
	"net/http"
	"runtime"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
)

// MeterName is the instrumentation scope of the service's own instruments.
const MeterName = "github.com/example/user-platform/services/user-service"

// Metrics is the service's MeterProvider and its Prometheus endpoint. The
// instrument names are configs/metrics.json (the charts' alerts and dashboard
// read the same list); cmd/server/metrics_test.go holds the two equal.
//
// The exposition is written by PrometheusHandler from a manual reader rather
// than by the OpenTelemetry Prometheus exporter: that exporter brings
// prometheus/client_golang, which takes the stripped binary over its 20 MB
// budget (scripts/ci.sh).
type Metrics struct {
	provider *sdkmetric.MeterProvider
	reader   *sdkmetric.ManualReader
	meter    metric.Meter

	cacheLookups metric.Int64Counter
	// The attribute sets of cacheLookups, built once: CacheLookup is on the
	// GetUser path and allocates nothing.
	cacheHit, cacheMiss []metric.AddOption
	breakerTransitions  metric.Int64Counter
	breakerState        metric.Int64ObservableGauge
}

// NewMetrics builds the MeterProvider and the build info gauge.
func NewMetrics(res *resource.Resource, version string) (*Metrics, error) {
	reader := sdkmetric.NewManualReader()
	provider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader), sdkmetric.WithResource(res))
	m := &Metrics{provider: provider, reader: reader, meter: provider.Meter(MeterName)}
	var err error
	if m.cacheLookups, err = m.meter.Int64Counter("user_service.cache.lookups",
		metric.WithUnit("{lookup}"), metric.WithDescription("GetUser cache lookups by result (hit, miss)")); err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	if m.breakerTransitions, err = m.meter.Int64Counter("user_service.breaker.transitions",
		metric.WithUnit("{transition}"), metric.WithDescription("circuit breaker state changes")); err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	if m.breakerState, err = m.meter.Int64ObservableGauge("user_service.breaker.state",
		metric.WithDescription("1 for the current state of each circuit breaker, 0 for the others")); err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	m.cacheHit = []metric.AddOption{metric.WithAttributeSet(attribute.NewSet(attribute.String("cache.result", "hit")))}
	m.cacheMiss = []metric.AddOption{metric.WithAttributeSet(attribute.NewSet(attribute.String("cache.result", "miss")))}
	info := metric.WithAttributes(attribute.String("version", version), attribute.String("go_version", runtime.Version()))
	if _, err = m.meter.Int64ObservableGauge("user_service.build.info",
		metric.WithDescription("always 1; the build in labels"),
		metric.WithInt64Callback(func(_ context.Context, o metric.Int64Observer) error {
			o.Observe(1, info)
			return nil
		})); err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	return m, nil
}

// Provider is the MeterProvider for instrumentation (otelgrpc, the REST gateway).
func (m *Metrics) Provider() metric.MeterProvider { return m.provider }

// Meter is the meter of the service's own instruments.
func (m *Metrics) Meter() metric.Meter { return m.meter }

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler { return PrometheusHandler(m.reader) }

// Shutdown stops the provider.
func (m *Metrics) Shutdown(ctx context.Context) error {
	if err := m.provider.Shutdown(ctx); err != nil {
		return fmt.Errorf("shutdown meter provider: %w", err)
	}
	return nil
}

// CacheLookup counts one GetUser cache lookup.
func (m *Metrics) CacheLookup(ctx context.Context, hit bool) {
	if hit {
		m.cacheLookups.Add(ctx, 1, m.cacheHit...)
		return
	}
	m.cacheLookups.Add(ctx, 1, m.cacheMiss...)
}

// BreakerStates are the states user_service.breaker.state reports, in the
// spelling of gobreaker's State.String.
var BreakerStates = []string{"closed", "half-open", "open"}

// breakerTransitions are the transitions gobreaker makes.
var breakerTransitions = [][2]string{
	{"closed", "open"}, {"open", "half-open"}, {"half-open", "closed"}, {"half-open", "open"},
}

// Breaker registers the state gauge of one circuit breaker (state reads its
// current state, as gobreaker spells it) and returns the function to call on
// each transition.
func (m *Metrics) Breaker(name string, state func() string) (func(from, to string), error) {
	// One gauge, one callback per breaker (a second instrument of the same
	// name would be the first one again, without this callback).
	_, err := m.meter.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		current := state()
		for _, s := range BreakerStates {
			var v int64
			if s == current {
				v = 1
			}
			o.ObserveInt64(m.breakerState, v, metric.WithAttributes(attribute.String("breaker", name), attribute.String("state", s)))
		}
		return nil
	}, m.breakerState)
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	transition := func(from, to string, n int64) {
		m.breakerTransitions.Add(context.Background(), n, metric.WithAttributes(
			attribute.String("breaker", name), attribute.String("from", from), attribute.String("to", to)))
	}
	// Every transition a breaker makes starts at 0, so that increase() sees
	// the first one and the series exist before anything goes wrong.
	for _, t := range breakerTransitions {
		transition(t[0], t[1], 0)
	}
	return func(from, to string) { transition(from, to, 1) }, nil
}

// PoolStats is what the pool gauges read (pgxpool.Stat).
type PoolStats struct {
	Idle, Used, Max int64
	EmptyAcquires   int64
}

// Pool registers the connection pool instruments of one pool.
func (m *Metrics) Pool(name string, stats func() PoolStats) error {
	pool := attribute.String("db.client.connection.pool.name", name)
	count, err := m.meter.Int64ObservableUpDownCounter("db.client.connection.count",
		metric.WithUnit("{connection}"), metric.WithDescription("pool connections by state"))
	if err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	maxConns, err := m.meter.Int64ObservableUpDownCounter("db.client.connection.max",
		metric.WithUnit("{connection}"), metric.WithDescription("largest number of connections the pool opens"))
	if err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	empty, err := m.meter.Int64ObservableCounter("user_service.db.pool.empty_acquires",
		metric.WithUnit("{acquire}"), metric.WithDescription("acquires that found the pool empty and waited"))
	if err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	_, err = m.meter.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		s := stats()
		o.ObserveInt64(count, s.Idle, metric.WithAttributes(pool, attribute.String("db.client.connection.state", "idle")))
		o.ObserveInt64(count, s.Used, metric.WithAttributes(pool, attribute.String("db.client.connection.state", "used")))
		o.ObserveInt64(maxConns, s.Max, metric.WithAttributes(pool))
		o.ObserveInt64(empty, s.EmptyAcquires, metric.WithAttributes(pool))
		return nil
	}, count, maxConns, empty)
	if err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	return nil
}

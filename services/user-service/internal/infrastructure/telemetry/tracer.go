// Package telemetry sets up OpenTelemetry tracing: OTLP/gRPC export, a
// configurable (by default parent-based ratio) sampler and W3C propagation.
package telemetry

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.26.0"
)

// Config configures tracing.
type Config struct {
	// Endpoint of the OTLP/gRPC collector: "http://host:4317" (plaintext),
	// "https://host:4317" (TLS) or "host:4317" (plaintext).
	Endpoint    string
	ServiceName string
	Version     string
	// Sampler is an OTEL_TRACES_SAMPLER value; Ratio its argument.
	Sampler string
	Ratio   float64
}

// Samplers accepted in Config.Sampler (the OTEL_TRACES_SAMPLER values).
var Samplers = []string{
	"always_on", "always_off", "traceidratio",
	"parentbased_always_on", "parentbased_always_off", "parentbased_traceidratio",
}

// NewSampler returns the sampler named by an OTEL_TRACES_SAMPLER value.
func NewSampler(name string, ratio float64) (sdktrace.Sampler, error) {
	switch name {
	case "always_on":
		return sdktrace.AlwaysSample(), nil
	case "always_off":
		return sdktrace.NeverSample(), nil
	case "traceidratio":
		return sdktrace.TraceIDRatioBased(ratio), nil
	case "parentbased_always_on":
		return sdktrace.ParentBased(sdktrace.AlwaysSample()), nil
	case "parentbased_always_off":
		return sdktrace.ParentBased(sdktrace.NeverSample()), nil
	case "parentbased_traceidratio", "":
		return sdktrace.ParentBased(sdktrace.TraceIDRatioBased(ratio)), nil
	default:
		return nil, fmt.Errorf("unknown sampler %q (want one of %s)", name, strings.Join(Samplers, ", "))
	}
}

// Setup installs a global TracerProvider exporting to c.Endpoint. The
// exporter connects lazily, so a missing collector does not delay start-up.
// The returned function flushes and stops the provider.
func Setup(ctx context.Context, c Config) (func(context.Context) error, error) {
	sampler, err := NewSampler(c.Sampler, c.Ratio)
	if err != nil {
		return nil, err
	}
	opts, err := exporterOptions(c.Endpoint)
	if err != nil {
		return nil, err
	}
	exp, err := otlptracegrpc.New(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("create OTLP exporter: %w", err)
	}
	res, err := Resource(c)
	if err != nil {
		return nil, err
	}
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithBatcher(exp),
		sdktrace.WithResource(res),
		sdktrace.WithSampler(sampler),
	)
	otel.SetTracerProvider(tp)
	otel.SetTextMapPropagator(Propagator())
	return func(ctx context.Context) error {
		if err := tp.Shutdown(ctx); err != nil {
			return fmt.Errorf("shutdown tracer provider: %w", err)
		}
		return nil
	}, nil
}

// Resource is the trace resource: service.name and service.version (the
// version stamped into the binary from git).
func Resource(c Config) (*resource.Resource, error) {
	res, err := resource.Merge(resource.Default(), resource.NewSchemaless(
		semconv.ServiceName(c.ServiceName),
		semconv.ServiceVersion(c.Version),
	))
	if err != nil {
		return nil, fmt.Errorf("build resource: %w", err)
	}
	return res, nil
}

// ValidateEndpoint checks an OTEL_EXPORTER_OTLP_ENDPOINT value the way Setup
// reads it.
func ValidateEndpoint(endpoint string) error {
	_, err := exporterOptions(endpoint)
	return err
}

func exporterOptions(endpoint string) ([]otlptracegrpc.Option, error) {
	if !strings.Contains(endpoint, "://") {
		return []otlptracegrpc.Option{otlptracegrpc.WithEndpoint(endpoint), otlptracegrpc.WithInsecure()}, nil
	}
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("invalid OTLP endpoint %q", endpoint)
	}
	switch u.Scheme {
	case "http":
		return []otlptracegrpc.Option{otlptracegrpc.WithEndpoint(u.Host), otlptracegrpc.WithInsecure()}, nil
	case "https":
		return []otlptracegrpc.Option{otlptracegrpc.WithEndpoint(u.Host)}, nil
	default:
		return nil, fmt.Errorf("invalid OTLP endpoint %q: scheme must be http or https", endpoint)
	}
}

package telemetry

import (
	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// Propagator is the context propagation of the service: W3C trace context
// and baggage.
func Propagator() propagation.TextMapPropagator {
	return propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})
}

// Instrumentation selects what the HTTP and gRPC instrumentation uses. The
// zero value means the global tracer provider (set by Setup; a no-op one
// when tracing is off) and Propagator, so that an incoming traceparent is
// carried REST -> gRPC -> logs even when this service exports no spans.
type Instrumentation struct {
	TracerProvider trace.TracerProvider
	Propagator     propagation.TextMapPropagator
	// MeterProvider records the gRPC and REST server metrics (zero: the
	// global one, a no-op unless set).
	MeterProvider metric.MeterProvider
}

// Meters returns the meter provider to use.
func (i Instrumentation) Meters() metric.MeterProvider {
	if i.MeterProvider != nil {
		return i.MeterProvider
	}
	return otel.GetMeterProvider()
}

// Provider returns the tracer provider to use.
func (i Instrumentation) Provider() trace.TracerProvider {
	if i.TracerProvider != nil {
		return i.TracerProvider
	}
	return otel.GetTracerProvider()
}

// Propagation returns the propagator to use.
func (i Instrumentation) Propagation() propagation.TextMapPropagator {
	if i.Propagator != nil {
		return i.Propagator
	}
	return Propagator()
}

// GRPC returns the options of the otelgrpc client and server stats handlers.
func (i Instrumentation) GRPC() []otelgrpc.Option {
	return []otelgrpc.Option{
		otelgrpc.WithTracerProvider(i.Provider()),
		otelgrpc.WithPropagators(i.Propagation()),
		otelgrpc.WithMeterProvider(i.Meters()),
	}
}

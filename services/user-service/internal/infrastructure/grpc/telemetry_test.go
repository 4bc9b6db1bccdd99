package grpc_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	grpcx "github.com/example/user-platform/services/user-service/internal/infrastructure/grpc"
	"github.com/example/user-platform/services/user-service/internal/infrastructure/telemetry"
)

// TestTelemetryThroughRealServer runs a unary call (Health/Check) and a
// server stream (Health/Watch, ended by the client) through a real grpc-go
// server with the service's interceptors: each call gets a server span that
// continues the caller's traceparent and carries the server address, and one
// rpc.server.call.duration point with its status code; a handler sees the
// span in its context (what the log lines carry).
func TestTelemetryThroughRealServer(t *testing.T) {
	t.Parallel()
	const traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
	spans := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(spans))
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	st, err := grpcx.NewServerStats(telemetry.Instrumentation{TracerProvider: tp, MeterProvider: mp})
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	lim := grpcx.NewLogLimiter(time.Second)
	var handlerTrace trace.TraceID
	srv := grpc.NewServer(
		grpc.UnaryInterceptor(grpcx.ServerUnary(log, lim, 5*time.Second, st)),
		grpc.ChainStreamInterceptor(grpcx.TelemetryStream(st), grpcx.LoggingStream(log, lim),
			func(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, h grpc.StreamHandler) error {
				handlerTrace = trace.SpanContextFromContext(ss.Context()).TraceID()
				return h(srv, ss)
			}),
	)
	hs := health.NewServer()
	healthpb.RegisterHealthServer(srv, hs)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	conn, err := grpc.NewClient("passthrough:///"+lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	client := healthpb.NewHealthClient(conn)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ctx = metadata.AppendToOutgoingContext(ctx, "traceparent", "00-"+traceID+"-00f067aa0ba902b7-01")
	if _, err := client.Check(ctx, &healthpb.HealthCheckRequest{}); err != nil {
		t.Fatal(err)
	}
	watchCtx, stopWatch := context.WithCancel(ctx)
	w, err := client.Watch(watchCtx, &healthpb.HealthCheckRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Recv(); err != nil {
		t.Fatal(err)
	}
	stopWatch()
	if _, err := w.Recv(); status.Code(err) != codes.Canceled && !errors.Is(err, io.EOF) {
		t.Fatalf("watch after cancel: %v", err)
	}

	// The server ends the stream's span after the handler returns: wait for it.
	deadline := time.Now().Add(5 * time.Second)
	for len(spans.GetSpans()) < 2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	got := map[string]map[attribute.Key]string{}
	for _, s := range spans.GetSpans() {
		if s.SpanContext.TraceID().String() != traceID || s.SpanKind != trace.SpanKindServer {
			t.Errorf("span %q: trace %s kind %v, want the caller's trace %s, server", s.Name, s.SpanContext.TraceID(), s.SpanKind, traceID)
		}
		attrs := map[attribute.Key]string{}
		for _, a := range s.Attributes {
			attrs[a.Key] = a.Value.String()
		}
		got[s.Name] = attrs
	}
	for name, code := range map[string]string{"grpc.health.v1.Health/Check": "OK", "grpc.health.v1.Health/Watch": "CANCELLED"} {
		a, ok := got[name]
		if !ok {
			t.Fatalf("no span %q (got %v)", name, got)
		}
		if a["rpc.method"] != name || a["server.address"] != "127.0.0.1" || a["server.port"] == "" || a["rpc.response.status_code"] != code {
			t.Errorf("span %q attributes %v, want method, server address and status %s", name, a, code)
		}
	}
	if handlerTrace.String() != traceID {
		t.Errorf("the stream handler's context carries trace %s, want %s", handlerTrace, traceID)
	}

	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	calls := map[string]uint64{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != "rpc.server.call.duration" {
				continue
			}
			for _, p := range m.Data.(metricdata.Histogram[float64]).DataPoints { //nolint:forcetypeassert // the instrument's type
				method, _ := p.Attributes.Value("rpc.method")
				code, _ := p.Attributes.Value("rpc.response.status_code")
				calls[method.AsString()+" "+code.AsString()] += p.Count
			}
		}
	}
	want := map[string]uint64{"grpc.health.v1.Health/Check OK": 1, "grpc.health.v1.Health/Watch CANCELLED": 1}
	if len(calls) != len(want) || calls["grpc.health.v1.Health/Check OK"] != 1 || calls["grpc.health.v1.Health/Watch CANCELLED"] != 1 {
		t.Errorf("duration points %v, want %v", calls, want)
	}
}

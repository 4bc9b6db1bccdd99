package grpc

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	otelcodes "go.opentelemetry.io/otel/codes"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"

	"github.com/example/user-platform/services/user-service/internal/infrastructure/telemetry"
)

// TestServerStats: one call through Start and End as the interceptors drive
// them: the span continues the caller's trace and carries
// otelgrpc's attributes and status rules when sampled; the duration is
// recorded with rpc.method, rpc.system.name, rpc.response.status_code and,
// for server errors only, error.type.
func TestServerStats(t *testing.T) {
	t.Parallel()
	const traceID, parentID = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
	tests := []struct {
		name       string
		err        error
		sampled    bool
		wantCode   string
		wantStatus otelcodes.Code
		wantErrTyp string
	}{
		{"ok sampled", nil, true, "OK", otelcodes.Unset, ""},
		{"ok not sampled", nil, false, "OK", otelcodes.Unset, ""},
		{"client error: not a server error", status.Error(codes.NotFound, "no such user"), true, "NOT_FOUND", otelcodes.Unset, ""},
		{"server error", status.Error(codes.Unavailable, "db down"), true, "UNAVAILABLE", otelcodes.Error, "UNAVAILABLE"},
		{"plain error is UNKNOWN", errors.New("boom"), true, "UNKNOWN", otelcodes.Error, "UNKNOWN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			spans := tracetest.NewInMemoryExporter()
			sampler := sdktrace.ParentBased(sdktrace.NeverSample())
			tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(spans), sdktrace.WithSampler(sampler))
			reader := sdkmetric.NewManualReader()
			mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
			h, err := NewServerStats(telemetry.Instrumentation{TracerProvider: tp, MeterProvider: mp})
			if err != nil {
				t.Fatal(err)
			}
			flags := "00"
			if tt.sampled {
				flags = "01"
			}
			ctx := metadata.NewIncomingContext(context.Background(),
				metadata.Pairs("traceparent", "00-"+traceID+"-"+parentID+"-"+flags, "other", "x"))
			ctx = peer.NewContext(ctx, &peer.Peer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 50051}})
			ctx, span := h.Start(ctx, "/user.v1.UserService/GetUser")
			sc := trace.SpanContextFromContext(ctx)
			if sc.TraceID().String() != traceID {
				t.Fatalf("span context %v does not continue trace %s", sc, traceID)
			}
			h.End(ctx, span, "/user.v1.UserService/GetUser", 30*time.Millisecond, tt.err)

			got := spans.GetSpans()
			if !tt.sampled {
				if len(got) != 0 {
					t.Fatalf("%d spans exported for an unsampled call", len(got))
				}
			} else {
				if len(got) != 1 {
					t.Fatalf("%d spans, want 1", len(got))
				}
				s := got[0]
				attrs := map[attribute.Key]string{}
				for _, a := range s.Attributes {
					attrs[a.Key] = a.Value.String()
				}
				if s.Name != "user.v1.UserService/GetUser" || s.SpanKind != trace.SpanKindServer ||
					s.Parent.SpanID().String() != parentID || !s.Parent.IsRemote() {
					t.Fatalf("span %q kind %v parent %v", s.Name, s.SpanKind, s.Parent)
				}
				want := map[attribute.Key]string{
					"rpc.method": "user.v1.UserService/GetUser", "rpc.system.name": "grpc",
					"rpc.response.status_code": tt.wantCode, "server.address": "127.0.0.1", "server.port": "50051",
				}
				for k, v := range want {
					if attrs[k] != v {
						t.Errorf("span attribute %s = %q, want %q (all: %v)", k, attrs[k], v, attrs)
					}
				}
				if s.Status.Code != tt.wantStatus {
					t.Errorf("span status %v, want %v", s.Status.Code, tt.wantStatus)
				}
			}

			var rm metricdata.ResourceMetrics
			if err := reader.Collect(context.Background(), &rm); err != nil {
				t.Fatal(err)
			}
			var points []metricdata.HistogramDataPoint[float64]
			for _, sm := range rm.ScopeMetrics {
				for _, m := range sm.Metrics {
					if m.Name == "rpc.server.call.duration" && m.Unit == "s" {
						points = append(points, m.Data.(metricdata.Histogram[float64]).DataPoints...) //nolint:forcetypeassert // the instrument's type
					}
				}
			}
			if len(points) != 1 || points[0].Count != 1 || points[0].Sum < 0.029 || points[0].Sum > 0.031 {
				t.Fatalf("duration points %+v, want one call of 30ms", points)
			}
			wantAttrs := map[attribute.Key]string{
				"rpc.method": "user.v1.UserService/GetUser", "rpc.system.name": "grpc", "rpc.response.status_code": tt.wantCode,
			}
			if tt.wantErrTyp != "" {
				wantAttrs["error.type"] = tt.wantErrTyp
			}
			if points[0].Attributes.Len() != len(wantAttrs) {
				t.Errorf("metric attributes %v, want %v", points[0].Attributes.ToSlice(), wantAttrs)
			}
			for k, v := range wantAttrs {
				if got, _ := points[0].Attributes.Value(k); got.String() != v {
					t.Errorf("metric attribute %s = %q, want %q", k, got.String(), v)
				}
			}
			if len(points[0].Bounds) != 14 || points[0].Bounds[0] != 0.005 || points[0].Bounds[13] != 10 {
				t.Errorf("bucket bounds %v, want otelgrpc's", points[0].Bounds)
			}
		})
	}
}

// TestServerStatsAttrSetsBounded: methods come from clients; the cache of
// attribute sets stops growing at maxAttrSets and calls are still recorded.
func TestServerStatsAttrSetsBounded(t *testing.T) {
	t.Parallel()
	h, err := NewServerStats(telemetry.Instrumentation{MeterProvider: sdkmetric.NewMeterProvider()})
	if err != nil {
		t.Fatal(err)
	}
	for i := range maxAttrSets + 100 {
		opts := h.recordOpts("x.Y/M"+time.Duration(i).String(), codes.Unimplemented)
		if len(opts) != 1 {
			t.Fatalf("%d record options", len(opts))
		}
	}
	if n := h.nsets.Load(); n != maxAttrSets {
		t.Fatalf("%d cached sets, want the bound %d", n, maxAttrSets)
	}
}

func TestCanonicalCode(t *testing.T) {
	t.Parallel()
	for c, want := range map[codes.Code]string{
		codes.OK: "OK", codes.Canceled: "CANCELLED", codes.Unauthenticated: "UNAUTHENTICATED",
		codes.DeadlineExceeded: "DEADLINE_EXCEEDED", codes.Code(42): "CODE(42)",
	} {
		if got := canonicalCode(c); got != want {
			t.Errorf("canonicalCode(%d) = %q, want %q", c, got, want)
		}
	}
}

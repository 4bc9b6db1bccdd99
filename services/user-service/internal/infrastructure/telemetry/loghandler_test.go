package telemetry_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"testing"

	"go.opentelemetry.io/otel/trace"

	"github.com/example/user-platform/services/user-service/internal/infrastructure/telemetry"
)

func TestLogHandlerAddsSpanContext(t *testing.T) {
	t.Parallel()
	sc := trace.NewSpanContext(trace.SpanContextConfig{
		TraceID:    trace.TraceID{0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36},
		SpanID:     trace.SpanID{0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7},
		TraceFlags: trace.FlagsSampled,
	})
	traced := trace.ContextWithSpanContext(context.Background(), sc)
	tests := []struct {
		name      string
		log       func(l *slog.Logger)
		wantTrace bool
	}{
		{"InfoContext with span", func(l *slog.Logger) { l.InfoContext(traced, "m") }, true},
		{"LogAttrs with span", func(l *slog.Logger) { l.LogAttrs(traced, slog.LevelWarn, "m", slog.Int("n", 1)) }, true},
		{"With(...) then DebugContext", func(l *slog.Logger) { l.With(slog.String("k", "v")).DebugContext(traced, "m") }, true},
		{"many attributes (beyond the inline ones)", func(l *slog.Logger) {
			l.LogAttrs(traced, slog.LevelInfo, "m", slog.Int("a", 1), slog.Int("b", 2), slog.Int("c", 3),
				slog.Int("d", 4), slog.Int("e", 5), slog.Int("f", 6))
		}, true},
		{"InfoContext without span", func(l *slog.Logger) { l.InfoContext(context.Background(), "m") }, false},
		{"Info (no context)", func(l *slog.Logger) { l.Info("m") }, false},
		{"invalid span context", func(l *slog.Logger) {
			l.InfoContext(trace.ContextWithSpanContext(context.Background(), trace.SpanContext{}), "m")
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			base := slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})
			// Wrapping twice must not add the attributes twice.
			l := slog.New(telemetry.NewLogHandler(telemetry.NewLogHandler(base)))
			tt.log(l)
			var rec map[string]any
			if err := json.Unmarshal(buf.Bytes(), &rec); err != nil {
				t.Fatalf("log line %q: %v", buf.String(), err)
			}
			if bytes.Count(buf.Bytes(), []byte(`"trace_id"`)) > 1 {
				t.Fatalf("trace_id twice: %s", buf.String())
			}
			gotTrace, _ := rec[telemetry.TraceIDKey].(string)
			gotSpan, _ := rec[telemetry.SpanIDKey].(string)
			if !tt.wantTrace {
				if gotTrace != "" || gotSpan != "" {
					t.Fatalf("unexpected span context in %s", buf.String())
				}
				return
			}
			if gotTrace != sc.TraceID().String() || gotSpan != sc.SpanID().String() {
				t.Fatalf("trace_id %q span_id %q, want %s %s (line %s)", gotTrace, gotSpan, sc.TraceID(), sc.SpanID(), buf.String())
			}
		})
	}
}

package telemetry

import (
	"context"
	"log/slog"

	"go.opentelemetry.io/otel/trace"
)

// Log attribute keys of the span context.
const (
	TraceIDKey = "trace_id"
	SpanIDKey  = "span_id"
)

// LogHandler adds trace_id and span_id to every record logged with a context
// that carries a valid span context (the ...Context and LogAttrs methods of
// slog.Logger). Records logged without a context are passed through.
type LogHandler struct{ next slog.Handler }

// NewLogHandler wraps next; wrapping a LogHandler again returns it unchanged.
func NewLogHandler(next slog.Handler) slog.Handler {
	if h, ok := next.(LogHandler); ok {
		return h
	}
	return LogHandler{next: next}
}

// Enabled implements slog.Handler.
func (h LogHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.next.Enabled(ctx, level)
}

// Handle implements slog.Handler.
func (h LogHandler) Handle(ctx context.Context, r slog.Record) error {
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
		// The record may share its attribute storage with the caller's copy.
		r = r.Clone()
		r.AddAttrs(slog.String(TraceIDKey, sc.TraceID().String()), slog.String(SpanIDKey, sc.SpanID().String()))
	}
	return h.next.Handle(ctx, r) //nolint:wrapcheck // a decorator: the error is the wrapped handler's
}

// WithAttrs implements slog.Handler.
func (h LogHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return LogHandler{next: h.next.WithAttrs(attrs)}
}

// WithGroup implements slog.Handler.
func (h LogHandler) WithGroup(name string) slog.Handler {
	return LogHandler{next: h.next.WithGroup(name)}
}

package grpc

import (
	"context"
	"log/slog"
	"runtime/debug"
	"time"

	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// ServerUnary is the server's telemetry (st: span and duration; nil: none),
// LoggingUnary, RecoveryUnary and DeadlineUnary in one interceptor, in that
// order (telemetry outermost, so that the log line carries the call's trace):
// the same behaviour as the chain, without the chain's per-call closures and
// frames.
func ServerUnary(log *slog.Logger, lim *LogLimiter, d time.Duration, st *ServerStats) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		start := time.Now()
		var span trace.Span
		if st != nil {
			ctx, span = st.Start(ctx, info.FullMethod)
		}
		callCtx := ctx
		if _, ok := ctx.Deadline(); !ok && d > 0 {
			var cancel context.CancelFunc
			callCtx, cancel = context.WithTimeout(ctx, d)
			defer cancel()
		}
		resp, err := recoverUnary(callCtx, log, req, info, handler)
		if st != nil {
			st.End(ctx, span, info.FullMethod, time.Since(start), err)
		}
		logCall(ctx, log, lim, info.FullMethod, start, err)
		return resp, err
	}
}

// TelemetryStream is ServerUnary's telemetry for streams; it comes first in
// the stream chain so that the others see the call's span in the context.
func TelemetryStream(st *ServerStats) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		start := time.Now()
		ctx, span := st.Start(ss.Context(), info.FullMethod)
		err := handler(srv, &ctxStream{ServerStream: ss, ctx: ctx})
		st.End(ctx, span, info.FullMethod, time.Since(start), err)
		return err
	}
}

// recoverUnary runs handler, turning a panic into codes.Internal (logged
// with the stack).
func recoverUnary(ctx context.Context, log *slog.Logger, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (resp any, err error) {
	defer func() {
		if r := recover(); r != nil {
			log.ErrorContext(ctx, "panic in handler", slog.String("grpc.method", info.FullMethod),
				slog.Any("panic", r), slog.String("stack", string(debug.Stack())))
			resp, err = nil, status.Error(codes.Internal, "internal error")
		}
	}()
	return handler(ctx, req)
}

// LoggingUnary logs every finished call: OK at debug, client errors at info,
// server errors at warn/error. The level check comes first so that a filtered
// record costs nothing. Failed calls go through lim (nil: no limit), at most
// one line per method and code per interval, with a "suppressed" count.
func LoggingUnary(log *slog.Logger, lim *LogLimiter) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		start := time.Now()
		resp, err := handler(ctx, req)
		logCall(ctx, log, lim, info.FullMethod, start, err)
		return resp, err
	}
}

// LoggingStream is LoggingUnary for streams.
func LoggingStream(log *slog.Logger, lim *LogLimiter) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		start := time.Now()
		err := handler(srv, ss)
		logCall(ss.Context(), log, lim, info.FullMethod, start, err)
		return err
	}
}

func logCall(ctx context.Context, log *slog.Logger, lim *LogLimiter, method string, start time.Time, err error) {
	code := status.Code(err)
	level := levelFor(code)
	if !log.Enabled(ctx, level) {
		return
	}
	suppressed := 0
	if code != codes.OK {
		var ok bool
		if ok, suppressed = lim.allow(method, uint32(code)); !ok {
			return
		}
	}
	attrs := []slog.Attr{
		slog.String("grpc.method", method),
		slog.String("grpc.code", code.String()),
		slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000),
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", status.Convert(err).Message()))
	}
	if suppressed > 0 {
		attrs = append(attrs, slog.Int("suppressed", suppressed))
	}
	log.LogAttrs(ctx, level, "grpc call", attrs...)
}

func levelFor(code codes.Code) slog.Level {
	switch code {
	case codes.OK:
		return slog.LevelDebug
	case codes.Internal, codes.Unknown, codes.DataLoss, codes.Unimplemented:
		return slog.LevelError
	case codes.Unavailable, codes.DeadlineExceeded, codes.ResourceExhausted:
		return slog.LevelWarn
	default:
		return slog.LevelInfo
	}
}

// RecoveryUnary turns a panic in a handler into codes.Internal and logs the stack.
func RecoveryUnary(log *slog.Logger) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		return recoverUnary(ctx, log, req, info, handler)
	}
}

// RecoveryStream is RecoveryUnary for streams.
func RecoveryStream(log *slog.Logger) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) (err error) {
		defer func() {
			if r := recover(); r != nil {
				log.ErrorContext(ss.Context(), "panic in handler", slog.String("grpc.method", info.FullMethod),
					slog.Any("panic", r), slog.String("stack", string(debug.Stack())))
				err = status.Error(codes.Internal, "internal error")
			}
		}()
		return handler(srv, ss)
	}
}

// DeadlineUnary gives calls that carry no deadline a default one, so that no
// request can hold a database connection forever.
func DeadlineUnary(d time.Duration) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		if _, ok := ctx.Deadline(); ok || d <= 0 {
			return handler(ctx, req)
		}
		ctx, cancel := context.WithTimeout(ctx, d)
		defer cancel()
		return handler(ctx, req)
	}
}

// DeadlineStream is DeadlineUnary for streams.
func DeadlineStream(d time.Duration) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		if _, ok := ss.Context().Deadline(); ok || d <= 0 {
			return handler(srv, ss)
		}
		ctx, cancel := context.WithTimeout(ss.Context(), d)
		defer cancel()
		return handler(srv, &ctxStream{ServerStream: ss, ctx: ctx})
	}
}

type ctxStream struct {
	grpc.ServerStream
	ctx context.Context //nolint:containedctx // the stream's context, by design
}

func (s *ctxStream) Context() context.Context { return s.ctx }

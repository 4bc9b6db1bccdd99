package grpc_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	grpcx "github.com/example/user-platform/services/user-service/internal/infrastructure/grpc"
)

var info = &grpc.UnaryServerInfo{FullMethod: "/user.v1.UserService/GetUser"}

func TestDeadlineUnary(t *testing.T) {
	t.Parallel()
	ic := grpcx.DeadlineUnary(2 * time.Second)
	var got time.Duration
	h := func(ctx context.Context, _ any) (any, error) {
		d, ok := ctx.Deadline()
		if !ok {
			t.Fatal("no deadline")
		}
		got = time.Until(d)
		return nil, nil //nolint:nilnil // test handler
	}
	if _, err := ic(context.Background(), nil, info, h); err != nil {
		t.Fatal(err)
	}
	if got <= time.Second || got > 2*time.Second {
		t.Fatalf("default deadline in %v, want ~2s", got)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := ic(ctx, nil, info, h); err != nil {
		t.Fatal(err)
	}
	if got < 29*time.Second {
		t.Fatalf("caller deadline replaced: %v", got)
	}
}

func TestRecoveryUnary(t *testing.T) {
	t.Parallel()
	ic := grpcx.RecoveryUnary(slog.New(slog.DiscardHandler))
	_, err := ic(context.Background(), nil, info, func(context.Context, any) (any, error) { panic("boom") })
	if status.Code(err) != codes.Internal {
		t.Fatalf("code = %v, want Internal", status.Code(err))
	}
}

// TestServerUnary: the combined interceptor behaves as the chain of logging,
// recovery and default deadline it replaces.
func TestServerUnary(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		callDeadline time.Duration // 0: none
		handler      grpc.UnaryHandler
		wantCode     codes.Code
		wantDeadline func(time.Duration) bool
		wantLog      string // substring of the log output; "" = nothing logged
	}{
		{
			name:         "ok: default deadline, nothing logged at info",
			handler:      func(context.Context, any) (any, error) { return "resp", nil },
			wantCode:     codes.OK,
			wantDeadline: func(d time.Duration) bool { return d > time.Second && d <= 2*time.Second },
		},
		{
			name:         "caller deadline kept",
			callDeadline: 30 * time.Second,
			handler:      func(context.Context, any) (any, error) { return "resp", nil },
			wantCode:     codes.OK,
			wantDeadline: func(d time.Duration) bool { return d > 29*time.Second },
		},
		{
			name:         "panic: Internal, stack logged",
			handler:      func(context.Context, any) (any, error) { panic("boom") },
			wantCode:     codes.Internal,
			wantDeadline: func(time.Duration) bool { return true },
			wantLog:      "panic in handler",
		},
		{
			name:         "server error logged with code",
			handler:      func(context.Context, any) (any, error) { return nil, status.Error(codes.Unavailable, "db down") },
			wantCode:     codes.Unavailable,
			wantDeadline: func(time.Duration) bool { return true },
			wantLog:      `"grpc.code":"Unavailable"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var buf syncBuffer
			log := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo}))
			ic := grpcx.ServerUnary(log, grpcx.NewLogLimiter(time.Second), 2*time.Second, nil)
			ctx := context.Background()
			if tt.callDeadline > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.callDeadline)
				defer cancel()
			}
			var left time.Duration
			var handlerCtx context.Context
			resp, err := ic(ctx, nil, info, func(ctx context.Context, req any) (any, error) {
				handlerCtx = ctx
				d, ok := ctx.Deadline()
				if !ok {
					t.Error("handler ran without a deadline")
				}
				left = time.Until(d)
				return tt.handler(ctx, req)
			})
			if status.Code(err) != tt.wantCode {
				t.Fatalf("code = %v (%v), want %v", status.Code(err), err, tt.wantCode)
			}
			if tt.wantCode == codes.OK && resp != "resp" {
				t.Fatalf("resp = %v", resp)
			}
			if !tt.wantDeadline(left) {
				t.Fatalf("deadline in %v", left)
			}
			if tt.callDeadline == 0 && handlerCtx.Err() == nil {
				t.Fatal("default deadline context not cancelled after the call")
			}
			out := buf.String()
			if tt.wantLog == "" && out != "" {
				t.Fatalf("logged %q, want nothing", out)
			}
			if !strings.Contains(out, tt.wantLog) {
				t.Fatalf("log %q does not contain %q", out, tt.wantLog)
			}
		})
	}
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestServerUnaryNoAllocOnSuccess: a successful call that carries its own
// deadline costs the interceptor no allocation (OK is logged at debug, and
// the level check comes before any attribute).
func TestServerUnaryNoAllocOnSuccess(t *testing.T) {
	log := slog.New(slog.NewJSONHandler(&syncBuffer{}, &slog.HandlerOptions{Level: slog.LevelInfo}))
	ic := grpcx.ServerUnary(log, grpcx.NewLogLimiter(time.Second), 5*time.Second, nil)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	h := func(context.Context, any) (any, error) { return nil, nil } //nolint:nilnil // test handler
	if n := testing.AllocsPerRun(200, func() { _, _ = ic(ctx, nil, info, h) }); n != 0 {
		t.Fatalf("%v allocations per successful call, want 0", n)
	}
}

package grpc_test

import (
	"context"
	"log/slog"
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

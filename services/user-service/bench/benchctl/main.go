// Command benchctl helps scripts/bench.sh: "wait" measures the time from a
// process start (-since, Unix ns) to its readiness health status SERVING;
// "seed" creates a user and reads it once (warming the cache), printing its id;
// "line" prints "QPS p50_ms p99_ms OK errors" of one ghz output; "report" summarises the ghz outputs of a run and writes bench/out/bench.json.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	userv1 "github.com/example/user-platform/services/user-service/api/proto/user/v1"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: benchctl wait|seed -addr host:port [-since unix-ns] [-users n] | report [flags] | line ghz.json")
		os.Exit(2)
	}
	if os.Args[1] == "report" || os.Args[1] == "line" {
		run := report
		if os.Args[1] == "line" {
			run = line
		}
		if err := run(os.Args[2:], os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "benchctl:", err)
			os.Exit(1)
		}
		return
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	addr := fs.String("addr", "127.0.0.1:50051", "gRPC address")
	since := fs.Int64("since", 0, "process start time, Unix ns (wait)")
	timeout := fs.Duration("timeout", 10*time.Second, "give up after")
	users := fs.Int("users", 0, "extra users to create (seed), so that ListUsers pages are full")
	_ = fs.Parse(os.Args[2:])
	if err := dispatch(os.Args[1], *addr, *since, *timeout, *users); err != nil {
		fmt.Fprintln(os.Stderr, "benchctl:", err)
		os.Exit(1)
	}
}

func dispatch(cmd, addr string, since int64, timeout time.Duration, users int) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	switch cmd {
	case "wait":
		return wait(ctx, addr, time.Unix(0, since))
	case "seed":
		return seed(ctx, addr, users)
	default:
		return fmt.Errorf("unknown command %q", cmd)
	}
}

func wait(ctx context.Context, addr string, since time.Time) error {
	// Retry refused connections every millisecond, not with grpc's 1s backoff.
	conn, err := grpc.NewClient("passthrough:///"+addr, grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithConnectParams(grpc.ConnectParams{
			Backoff:           backoff.Config{BaseDelay: time.Millisecond, Multiplier: 1, MaxDelay: time.Millisecond},
			MinConnectTimeout: 100 * time.Millisecond,
		}))
	if err != nil {
		return fmt.Errorf("dial: %w", err)
	}
	defer func() { _ = conn.Close() }()
	h := healthpb.NewHealthClient(conn)
	for {
		cctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		resp, err := h.Check(cctx, &healthpb.HealthCheckRequest{Service: "user.v1.UserService"})
		cancel()
		if err == nil && resp.GetStatus() == healthpb.HealthCheckResponse_SERVING {
			fmt.Printf("%.1f\n", float64(time.Since(since).Microseconds())/1000)
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("not SERVING: %w", ctx.Err())
		case <-time.After(500 * time.Microsecond):
		}
	}
}

func seed(ctx context.Context, addr string, users int) error {
	conn, err := grpc.NewClient("passthrough:///"+addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return fmt.Errorf("dial: %w", err)
	}
	defer func() { _ = conn.Close() }()
	c := userv1.NewUserServiceClient(conn)
	for i := range users {
		if _, err := c.CreateUser(ctx, &userv1.CreateUserRequest{Name: "Bench User", Email: fmt.Sprintf("seed-%d-%d@example.com", time.Now().UnixNano(), i)}); err != nil {
			return fmt.Errorf("create: %w", err)
		}
	}
	resp, err := c.CreateUser(ctx, &userv1.CreateUserRequest{Name: "Bench User", Email: fmt.Sprintf("bench-%d@example.com", time.Now().UnixNano())})
	if err != nil {
		return fmt.Errorf("create: %w", err)
	}
	if _, err := c.GetUser(ctx, &userv1.GetUserRequest{Id: resp.GetUser().GetId()}); err != nil {
		return fmt.Errorf("get: %w", err)
	}
	fmt.Println(resp.GetUser().GetId())
	return nil
}

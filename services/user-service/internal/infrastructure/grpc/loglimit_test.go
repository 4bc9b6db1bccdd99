package grpc_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	grpcx "github.com/example/user-platform/services/user-service/internal/infrastructure/grpc"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p) //nolint:wrapcheck // test buffer
}

func (s *syncBuffer) lines(t *testing.T) []map[string]any {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(s.b.Bytes()))
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("bad log line %q: %v", sc.Text(), err)
		}
		out = append(out, m)
	}
	return out
}

// TestFailedCallLoggingIsRateLimited: 10,000 failed calls (an outage) in two
// classes produce a bounded number of lines, and no failure goes uncounted.
func TestFailedCallLoggingIsRateLimited(t *testing.T) {
	t.Parallel()
	const calls = 10_000
	var buf syncBuffer
	log := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo}))
	const every = 300 * time.Millisecond
	ic := grpcx.LoggingUnary(log, grpcx.NewLogLimiter(every))
	classes := []struct {
		method string
		err    error
	}{
		{"/user.v1.UserService/GetUser", status.Error(codes.Unavailable, "service temporarily unavailable, retry later")},
		{"/user.v1.UserService/CreateUser", status.Error(codes.Internal, "internal error")},
	}
	call := func(i int) {
		c := classes[i%len(classes)]
		_, _ = ic(context.Background(), nil, &grpc.UnaryServerInfo{FullMethod: c.method},
			func(context.Context, any) (any, error) { return nil, c.err })
	}
	start := time.Now()
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := w; i < calls; i += 8 {
				call(i)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	time.Sleep(every + 50*time.Millisecond)
	call(0) // one more per class after the interval: carries the suppressed counts
	call(1)

	lines := buf.lines(t)
	total := 0
	for _, l := range lines {
		total++
		if n, ok := l["suppressed"].(float64); ok {
			total += int(n)
		}
	}
	// Per class: the first line, one per elapsed interval, the final one.
	bound := len(classes) * (2 + int(elapsed/every) + 1)
	t.Logf("%d failed calls in %v -> %d log lines (bound %d)", calls+2, elapsed.Round(time.Millisecond), len(lines), bound)
	if len(lines) > bound {
		t.Fatalf("%d lines for %d failures, want <= %d", len(lines), calls+2, bound)
	}
	if total != calls+2 {
		t.Fatalf("lines + suppressed counts = %d, want %d (every failure counted)", total, calls+2)
	}
}

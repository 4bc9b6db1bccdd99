package app_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/example/user-platform/services/user-service/internal/app"
	"github.com/example/user-platform/services/user-service/internal/infrastructure/telemetry"
	"github.com/example/user-platform/services/user-service/internal/testutil"
)

// syncBuffer is a bytes.Buffer safe for the concurrent writes of a logger.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestRESTTraceReachesGRPCAndLogs runs the service in-process against real
// Postgres and Redis, with an in-memory span exporter and debug logs in a
// buffer. Each REST call carries its own traceparent; the gRPC server span of
// the call must be in that trace, a child of the gateway's client span, which
// is a child of the HTTP server span, which is a child of the caller's span;
// and every log line written while the calls ran must carry the trace_id and
// the span_id of the gRPC server span of its call.
func TestRESTTraceReachesGRPCAndLogs(t *testing.T) {
	dsn := testutil.NewDatabase(t, "TEST_DATABASE_URL")
	redisAddr := testutil.Env(t, "TEST_REDIS_ADDR")
	spans := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(spans))
	defer func() { _ = tp.Shutdown(context.Background()) }()
	var logs syncBuffer
	r := start(t, app.Options{
		Config:          testConfig(dsn, redisAddr),
		Logger:          slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Instrumentation: telemetry.Instrumentation{TracerProvider: tp},
	})
	base := "http://" + r.app.HTTPAddr()
	client := &http.Client{Timeout: 10 * time.Second}

	calls := []struct {
		method, path, body string
		want               int
		grpcMethod         string
	}{
		{http.MethodPost, "/v1/users", `{"name":"Traced","email":"traced@example.com"}`, http.StatusCreated, "user.v1.UserService/CreateUser"},
		{http.MethodGet, "/v1/users/0190f3c4-5b6a-7c8d-9e0f-1a2b3c4d5e6f", "", http.StatusNotFound, "user.v1.UserService/GetUser"},
		{http.MethodGet, "/v1/users?page_size=5", "", http.StatusOK, "user.v1.UserService/ListUsers"},
		{http.MethodGet, "/v1/users?page_token=garbage", "", http.StatusBadRequest, "user.v1.UserService/ListUsers"},
	}
	logStart := len(logs.String())
	traceIDs := make([]string, len(calls))
	for i, c := range calls {
		traceIDs[i] = fmt.Sprintf("4bf92f3577b34da6a3ce929d0e0e47%02x", i)
		parent := fmt.Sprintf("00f067aa0ba902%02x", i)
		req, err := http.NewRequestWithContext(ctxT(t, 10*time.Second), c.method, base+c.path, strings.NewReader(c.body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Traceparent", "00-"+traceIDs[i]+"-"+parent+"-01")
		if c.body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode != c.want {
			t.Fatalf("%s %s = %d, want %d", c.method, c.path, resp.StatusCode, c.want)
		}

		// The server span ends (and is exported) just after the reply is sent.
		var httpSpan, clientSpan, serverSpan tracetest.SpanStub
		deadline := time.Now().Add(5 * time.Second)
		for !serverSpan.SpanContext.IsValid() || !httpSpan.SpanContext.IsValid() {
			if time.Now().After(deadline) {
				break
			}
			time.Sleep(10 * time.Millisecond)
			for _, s := range spans.GetSpans() {
				if s.SpanContext.TraceID().String() != traceIDs[i] {
					continue
				}
				switch {
				case s.SpanKind == trace.SpanKindServer && strings.HasPrefix(s.Name, c.method+" "):
					httpSpan = s
				case s.SpanKind == trace.SpanKindClient && s.Name == c.grpcMethod:
					clientSpan = s
				case s.SpanKind == trace.SpanKindServer && s.Name == c.grpcMethod:
					serverSpan = s
				}
			}
		}
		if got := httpSpan.Parent.SpanID().String(); got != parent || !httpSpan.Parent.IsRemote() {
			t.Fatalf("%s %s: HTTP server span %q has parent %s, want the caller's %s", c.method, c.path, httpSpan.Name, got, parent)
		}
		if !clientSpan.SpanContext.IsValid() || clientSpan.Parent.SpanID() != httpSpan.SpanContext.SpanID() {
			t.Fatalf("%s %s: gateway client span %q not under the HTTP span", c.method, c.path, clientSpan.Name)
		}
		if !serverSpan.SpanContext.IsValid() || serverSpan.Parent.SpanID() != clientSpan.SpanContext.SpanID() || !serverSpan.Parent.IsRemote() {
			t.Fatalf("%s %s: no gRPC server span under the client span in trace %s (spans: %v)", c.method, c.path, traceIDs[i], spanNames(spans.GetSpans()))
		}
		// Remember the server span id per trace for the log check.
		traceIDs[i] += "/" + serverSpan.SpanContext.SpanID().String()
	}

	want := map[string]string{} // trace_id -> span_id of the gRPC server span
	for _, ts := range traceIDs {
		tid, sid, _ := strings.Cut(ts, "/")
		want[tid] = sid
	}
	seen := map[string]int{}
	sc := bufio.NewScanner(strings.NewReader(logs.String()[logStart:]))
	for sc.Scan() {
		var line map[string]any
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("log line %q: %v", sc.Text(), err)
		}
		tid, _ := line["trace_id"].(string)
		sid, _ := line["span_id"].(string)
		if want[tid] == "" || sid != want[tid] {
			t.Errorf("log line without the span context of its call (trace_id %q span_id %q): %s", tid, sid, sc.Text())
			continue
		}
		seen[tid]++
	}
	for tid := range want {
		if seen[tid] == 0 {
			t.Errorf("no log line for trace %s; logs:\n%s", tid, logs.String()[logStart:])
		}
	}
}

func spanNames(spans tracetest.SpanStubs) []string {
	names := make([]string, 0, len(spans))
	for _, s := range spans {
		names = append(names, s.Name+"@"+s.SpanContext.TraceID().String()[:8])
	}
	return names
}

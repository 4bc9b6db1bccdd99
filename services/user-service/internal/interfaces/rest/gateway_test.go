package rest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/goleak"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	userv1 "github.com/example/user-platform/services/user-service/api/proto/user/v1"
	"github.com/example/user-platform/services/user-service/internal/infrastructure/telemetry"
	"github.com/example/user-platform/services/user-service/internal/interfaces/rest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type fakeHealth map[string]bool

func (f fakeHealth) Serving(_ context.Context, service string) bool { return f[service] }

// fakeUsers is a UserService backend with scripted answers.
type fakeUsers struct {
	userv1.UnimplementedUserServiceServer
	creates atomic.Int32
	lastGet atomic.Value // trace.SpanContext of the last GetUser
}

func (f *fakeUsers) CreateUser(_ context.Context, req *userv1.CreateUserRequest) (*userv1.CreateUserResponse, error) {
	f.creates.Add(1)
	if req.GetName() == "" {
		return nil, status.Error(codes.InvalidArgument, "name: required")
	}
	return &userv1.CreateUserResponse{User: &userv1.User{Id: "0190f3c4-5b6a-7c8d-9e0f-1a2b3c4d5e6f", Name: req.GetName(), Email: req.GetEmail()}}, nil
}

func (f *fakeUsers) GetUser(ctx context.Context, req *userv1.GetUserRequest) (*userv1.GetUserResponse, error) {
	f.lastGet.Store(trace.SpanContextFromContext(ctx))
	if req.GetId() == "missing" {
		return nil, status.Error(codes.NotFound, "user not found")
	}
	return &userv1.GetUserResponse{User: &userv1.User{Id: req.GetId()}}, nil
}

func (f *fakeUsers) ListUsers(req *userv1.ListUsersRequest, stream grpc.ServerStreamingServer[userv1.User]) error {
	switch req.GetPageToken() {
	case "bad":
		return status.Error(codes.InvalidArgument, "page_token: invalid")
	case "empty":
		return stream.SendHeader(metadata.Pairs("next-page-token", ""))
	case "midway":
		if err := stream.Send(&userv1.User{Id: "a"}); err != nil {
			return err
		}
		return status.Error(codes.Unavailable, "database gone")
	}
	if err := stream.SendHeader(metadata.Pairs("next-page-token", "next")); err != nil {
		return err
	}
	for _, id := range []string{"a", "b"} {
		if err := stream.Send(&userv1.User{Id: id}); err != nil {
			return err
		}
	}
	return nil
}

type fixture struct {
	base  string
	users *fakeUsers
	spans *tracetest.InMemoryExporter
}

// newFixture serves the real gateway handler in front of a gRPC server with
// the fake backend, both on loopback, both traced into one in-memory exporter.
func newFixture(t *testing.T, maxBody int64) *fixture {
	t.Helper()
	spans := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(spans))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	return newFixtureWith(t, maxBody, telemetry.Instrumentation{TracerProvider: tp}, spans)
}

func newFixtureWith(t *testing.T, maxBody int64, instr telemetry.Instrumentation, spans *tracetest.InMemoryExporter) *fixture {
	t.Helper()

	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	users := &fakeUsers{}
	srv := grpc.NewServer(grpc.StatsHandler(otelgrpc.NewServerHandler(instr.GRPC()...)))
	userv1.RegisterUserServiceServer(srv, users)
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)

	gw, err := rest.NewGateway(context.Background(), rest.Config{
		GRPCAddr: lis.Addr().String(), Health: fakeHealth{"liveness": true},
		Liveness: "liveness", Readiness: "user.v1.UserService",
		MaxBodyBytes: maxBody, Instrumentation: instr,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = gw.Close() })
	hs := httptest.NewServer(gw.Handler())
	t.Cleanup(hs.Close)
	return &fixture{base: hs.URL, users: users, spans: spans}
}

type response struct {
	code   int
	header http.Header
	body   []byte
}

func (f *fixture) do(t *testing.T, method, path string, header http.Header, body io.Reader) response {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, f.base+path, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return response{code: resp.StatusCode, header: resp.Header, body: b}
}

// errorBody is the gateway's JSON error shape (google.rpc.Status).
type errorBody struct {
	Code    *int            `json:"code"`
	Message string          `json:"message"`
	Details json.RawMessage `json:"details"`
}

// assertErrorShape checks a body is exactly one google.rpc.Status object.
func assertErrorShape(t *testing.T, r response, wantCode codes.Code, wantInMessage string) {
	t.Helper()
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	dec := json.NewDecoder(bytes.NewReader(r.body))
	dec.DisallowUnknownFields()
	var e errorBody
	if err := dec.Decode(&e); err != nil || e.Code == nil || dec.More() {
		t.Fatalf("body %q is not one {code,message,details} object (%v)", r.body, err)
	}
	if codes.Code(*e.Code) != wantCode || !strings.Contains(e.Message, wantInMessage) {
		t.Errorf("error %d %q, want code %d with %q", *e.Code, e.Message, wantCode, wantInMessage)
	}
}

func TestProbes(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 0)
	tests := []struct {
		method, path string
		want         int
	}{
		{http.MethodGet, "/healthz", http.StatusOK},
		{http.MethodHead, "/healthz", http.StatusOK},
		{http.MethodGet, "/readyz", http.StatusServiceUnavailable},
		{http.MethodPost, "/healthz", http.StatusMethodNotAllowed},
		{http.MethodGet, "/v1/nope", http.StatusNotFound},
	}
	for _, tt := range tests {
		if r := f.do(t, tt.method, tt.path, nil, nil); r.code != tt.want {
			t.Errorf("%s %s = %d, want %d", tt.method, tt.path, r.code, tt.want)
		}
	}
}

var jsonHeader = http.Header{"Content-Type": {"application/json"}}

func TestRESTConventions(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 0)
	const okBody = `{"name":"Ada","email":"ada@example.com"}`
	tests := []struct {
		name         string
		method, path string
		header       http.Header
		body         string
		wantCode     int
		wantAllow    string
		wantLocation string
		wantGRPC     codes.Code // checked when the answer is an error
		wantMessage  string
	}{
		{name: "POST creates: 201 + Location", method: http.MethodPost, path: "/v1/users", header: jsonHeader, body: okBody,
			wantCode: http.StatusCreated, wantLocation: "/v1/users/0190f3c4-5b6a-7c8d-9e0f-1a2b3c4d5e6f"},
		{name: "POST json with charset", method: http.MethodPost, path: "/v1/users",
			header: http.Header{"Content-Type": {"application/json; charset=utf-8"}}, body: okBody,
			wantCode: http.StatusCreated, wantLocation: "/v1/users/0190f3c4-5b6a-7c8d-9e0f-1a2b3c4d5e6f"},
		{name: "POST without Content-Type is JSON", method: http.MethodPost, path: "/v1/users", body: okBody,
			wantCode: http.StatusCreated, wantLocation: "/v1/users/0190f3c4-5b6a-7c8d-9e0f-1a2b3c4d5e6f"},
		{name: "POST invalid: 400, no Location", method: http.MethodPost, path: "/v1/users", header: jsonHeader, body: `{"name":""}`,
			wantCode: http.StatusBadRequest, wantGRPC: codes.InvalidArgument, wantMessage: "name"},
		{name: "POST text/plain: 415", method: http.MethodPost, path: "/v1/users",
			header: http.Header{"Content-Type": {"text/plain"}}, body: okBody,
			wantCode: http.StatusUnsupportedMediaType, wantGRPC: codes.InvalidArgument, wantMessage: "application/json"},
		{name: "POST form: 415", method: http.MethodPost, path: "/v1/users",
			header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, body: "name=Ada",
			wantCode: http.StatusUnsupportedMediaType, wantGRPC: codes.InvalidArgument, wantMessage: "application/json"},
		{name: "POST bad media type: 415", method: http.MethodPost, path: "/v1/users",
			header: http.Header{"Content-Type": {"json;;"}}, body: okBody,
			wantCode: http.StatusUnsupportedMediaType, wantGRPC: codes.InvalidArgument, wantMessage: "application/json"},
		{name: "PUT collection: 405", method: http.MethodPut, path: "/v1/users", header: jsonHeader, body: okBody,
			wantCode: http.StatusMethodNotAllowed, wantAllow: "GET, POST", wantGRPC: codes.Unimplemented, wantMessage: "not allowed"},
		{name: "DELETE collection: 405", method: http.MethodDelete, path: "/v1/users",
			wantCode: http.StatusMethodNotAllowed, wantAllow: "GET, POST", wantGRPC: codes.Unimplemented, wantMessage: "not allowed"},
		{name: "PATCH collection: 405", method: http.MethodPatch, path: "/v1/users", header: jsonHeader, body: okBody,
			wantCode: http.StatusMethodNotAllowed, wantAllow: "GET, POST", wantGRPC: codes.Unimplemented, wantMessage: "not allowed"},
		{name: "PUT item: 405", method: http.MethodPut, path: "/v1/users/x", header: jsonHeader, body: okBody,
			wantCode: http.StatusMethodNotAllowed, wantAllow: "GET", wantGRPC: codes.Unimplemented, wantMessage: "not allowed"},
		{name: "DELETE item: 405", method: http.MethodDelete, path: "/v1/users/x",
			wantCode: http.StatusMethodNotAllowed, wantAllow: "GET", wantGRPC: codes.Unimplemented, wantMessage: "not allowed"},
		{name: "PATCH item: 405", method: http.MethodPatch, path: "/v1/users/x", header: jsonHeader, body: okBody,
			wantCode: http.StatusMethodNotAllowed, wantAllow: "GET", wantGRPC: codes.Unimplemented, wantMessage: "not allowed"},
		{name: "POST item: 405", method: http.MethodPost, path: "/v1/users/x", header: jsonHeader, body: okBody,
			wantCode: http.StatusMethodNotAllowed, wantAllow: "GET", wantGRPC: codes.Unimplemented, wantMessage: "not allowed"},
		{name: "POST form to item: 405, not a GET", method: http.MethodPost, path: "/v1/users/x",
			header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, body: "id=x",
			wantCode: http.StatusMethodNotAllowed, wantAllow: "GET", wantGRPC: codes.Unimplemented, wantMessage: "not allowed"},
		{name: "GET item", method: http.MethodGet, path: "/v1/users/x", wantCode: http.StatusOK},
		{name: "GET unknown item: 404", method: http.MethodGet, path: "/v1/users/missing",
			wantCode: http.StatusNotFound, wantGRPC: codes.NotFound, wantMessage: "not found"},
		{name: "unknown path: 404", method: http.MethodGet, path: "/v2/users",
			wantCode: http.StatusNotFound, wantGRPC: codes.NotFound, wantMessage: "Not Found"},
		{name: "ListUsers error before the first user: unary shape", method: http.MethodGet, path: "/v1/users?page_token=bad",
			wantCode: http.StatusBadRequest, wantGRPC: codes.InvalidArgument, wantMessage: "page_token"},
		{name: "ListUsers bad query parameter: unary shape", method: http.MethodGet, path: "/v1/users?page_size=many",
			wantCode: http.StatusBadRequest, wantGRPC: codes.InvalidArgument, wantMessage: "page_size"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body io.Reader
			if tt.body != "" {
				body = strings.NewReader(tt.body)
			}
			r := f.do(t, tt.method, tt.path, tt.header, body)
			if r.code != tt.wantCode {
				t.Fatalf("%s %s = %d %s, want %d", tt.method, tt.path, r.code, r.body, tt.wantCode)
			}
			if got := r.header.Get("Allow"); got != tt.wantAllow {
				t.Errorf("Allow = %q, want %q", got, tt.wantAllow)
			}
			if got := r.header.Get("Location"); got != tt.wantLocation {
				t.Errorf("Location = %q, want %q", got, tt.wantLocation)
			}
			if tt.wantCode >= 400 {
				assertErrorShape(t, r, tt.wantGRPC, tt.wantMessage)
			}
		})
	}
}

func TestListUsersStreams(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 0)
	r := f.do(t, http.MethodGet, "/v1/users", nil, nil)
	if r.code != http.StatusOK || r.header.Get("Grpc-Metadata-Next-Page-Token") != "next" ||
		string(r.body) != "{\"result\":{\"id\":\"a\",\"name\":\"\",\"email\":\"\",\"createdAt\":\"0\"}}\n{\"result\":{\"id\":\"b\",\"name\":\"\",\"email\":\"\",\"createdAt\":\"0\"}}\n" {
		t.Fatalf("list = %d %v %q", r.code, r.header, r.body)
	}
	if r := f.do(t, http.MethodGet, "/v1/users?page_token=empty", nil, nil); r.code != http.StatusOK || len(r.body) != 0 {
		t.Fatalf("empty page = %d %q", r.code, r.body)
	}
	// After the first user the status line is out: the error ends the stream.
	r = f.do(t, http.MethodGet, "/v1/users?page_token=midway", nil, nil)
	lines := strings.Split(strings.TrimSpace(string(r.body)), "\n")
	if r.code != http.StatusOK || len(lines) != 2 || !strings.HasPrefix(lines[0], `{"result":`) ||
		!strings.HasPrefix(lines[1], `{"error":{"code":14,"message":"database gone"`) {
		t.Fatalf("error after the first user = %d %q", r.code, r.body)
	}
}

// chunked hides the length of a reader from net/http, so the request is sent
// with Transfer-Encoding: chunked.
type chunked struct{ io.Reader }

func TestBodyLimit(t *testing.T) {
	t.Parallel()
	const limit = 4096
	f := newFixture(t, limit)
	valid := `{"name":"Ada","email":"ada@example.com"}`
	tests := []struct {
		name     string
		body     func() io.Reader
		wantCode int
	}{
		{"Content-Length over the cap", func() io.Reader { return bytes.NewReader(make([]byte, limit+1)) }, http.StatusRequestEntityTooLarge},
		{"Content-Length 20 MB", func() io.Reader { return bytes.NewReader(make([]byte, 20<<20)) }, http.StatusRequestEntityTooLarge},
		{"chunked over the cap", func() io.Reader { return chunked{bytes.NewReader(make([]byte, limit+1))} }, http.StatusRequestEntityTooLarge},
		{"chunked: valid JSON, then padding past the cap", func() io.Reader {
			return chunked{io.MultiReader(strings.NewReader(valid), bytes.NewReader(bytes.Repeat([]byte(" "), limit)))}
		}, http.StatusRequestEntityTooLarge},
		{"Content-Length at the cap: valid JSON padded", func() io.Reader {
			return strings.NewReader(valid + strings.Repeat(" ", limit-len(valid)))
		}, http.StatusCreated},
		{"chunked at the cap", func() io.Reader {
			return chunked{strings.NewReader(valid + strings.Repeat(" ", limit-len(valid)))}
		}, http.StatusCreated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := f.users.creates.Load()
			r := f.do(t, http.MethodPost, "/v1/users", jsonHeader, tt.body())
			if r.code != tt.wantCode {
				t.Fatalf("= %d %s, want %d", r.code, r.body, tt.wantCode)
			}
			reached := f.users.creates.Load() - before
			if tt.wantCode == http.StatusRequestEntityTooLarge {
				assertErrorShape(t, r, codes.InvalidArgument, "request body larger than 4096 bytes")
				if reached != 0 {
					t.Errorf("an oversized body reached CreateUser")
				}
			} else if reached != 1 {
				t.Errorf("CreateUser called %d times, want 1", reached)
			}
		})
	}
}

// TestTraceContextCarriedIntoGRPC sends a REST call with a traceparent and
// follows the spans: HTTP server span (child of the caller's span) -> the
// gateway's gRPC client span -> the gRPC server span, all in the caller's trace.
func TestTraceContextCarriedIntoGRPC(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 0)
	const (
		traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
		parent  = "00f067aa0ba902b7"
	)
	r := f.do(t, http.MethodGet, "/v1/users/x", http.Header{"Traceparent": {"00-" + traceID + "-" + parent + "-01"}}, nil)
	if r.code != http.StatusOK {
		t.Fatalf("GET = %d %s", r.code, r.body)
	}
	// The gRPC server span ends (and is exported) just after its reply is
	// sent, so it may come after the HTTP response: wait for all three.
	deadline := time.Now().Add(5 * time.Second)
	for len(f.spans.GetSpans()) < 3 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	var httpSpan, client, server tracetest.SpanStub
	for _, s := range f.spans.GetSpans() {
		if s.SpanContext.TraceID().String() != traceID {
			t.Errorf("span %q in trace %s, want %s", s.Name, s.SpanContext.TraceID(), traceID)
		}
		switch {
		case s.SpanKind == trace.SpanKindServer && strings.HasPrefix(s.Name, "GET "):
			httpSpan = s
		case s.SpanKind == trace.SpanKindClient:
			client = s
		case s.SpanKind == trace.SpanKindServer:
			server = s
		}
	}
	if httpSpan.Name != "GET /v1/users/{id}" || httpSpan.Parent.SpanID().String() != parent || !httpSpan.Parent.IsRemote() {
		t.Fatalf("HTTP span %q, parent %s, want GET /v1/users/{id} under %s", httpSpan.Name, httpSpan.Parent.SpanID(), parent)
	}
	attrs := map[string]string{}
	for _, kv := range httpSpan.Attributes {
		attrs[string(kv.Key)] = kv.Value.String()
	}
	if attrs["http.request.method"] != "GET" || attrs["http.route"] != "/v1/users/{id}" ||
		attrs["http.response.status_code"] != "200" || attrs["url.path"] != "/v1/users/x" {
		t.Errorf("HTTP span attributes %v", attrs)
	}
	if client.Name != "user.v1.UserService/GetUser" || client.Parent.SpanID() != httpSpan.SpanContext.SpanID() {
		t.Fatalf("gRPC client span %q, parent %s, want under the HTTP span %s", client.Name, client.Parent.SpanID(), httpSpan.SpanContext.SpanID())
	}
	if server.Name != "user.v1.UserService/GetUser" || server.Parent.SpanID() != client.SpanContext.SpanID() || !server.Parent.IsRemote() {
		t.Fatalf("gRPC server span %q, parent %s, want under the client span %s", server.Name, server.Parent.SpanID(), client.SpanContext.SpanID())
	}
}

// TestTraceContextPropagatedWithoutExporter: with tracing off (the global,
// never-set tracer provider), the caller's trace context still reaches the
// gRPC handler, so its log lines carry the caller's trace id.
func TestTraceContextPropagatedWithoutExporter(t *testing.T) {
	t.Parallel()
	f := newFixtureWith(t, 0, telemetry.Instrumentation{}, nil)
	const traceID, parent = "0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331"
	r := f.do(t, http.MethodGet, "/v1/users/x", http.Header{"Traceparent": {"00-" + traceID + "-" + parent + "-01"}}, nil)
	if r.code != http.StatusOK {
		t.Fatalf("GET = %d %s", r.code, r.body)
	}
	sc, _ := f.users.lastGet.Load().(trace.SpanContext)
	if sc.TraceID().String() != traceID {
		t.Fatalf("handler span context %v, want trace %s", sc, traceID)
	}
}

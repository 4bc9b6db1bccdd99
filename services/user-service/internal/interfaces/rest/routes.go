package rest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"

	userv1 "github.com/example/user-platform/services/user-service/api/proto/user/v1"
)

// userPath is the REST path of one user (the Location of a created user).
func userPath(id string) string { return "/v1/users/" + url.PathEscape(id) }

// routeIndex answers which methods the gateway serves on a path. It is a
// second grpc-gateway mux with the same generated routes whose handlers only
// record that they matched, so the Allow header follows the google.api.http
// annotations and the gateway's own path matching, with no list to keep in sync.
type routeIndex struct{ mux *runtime.ServeMux }

type matchedKey struct{}

// allowMethods are the methods an Allow header may list, in its order.
var allowMethods = []string{
	http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete,
}

func newRouteIndex(ctx context.Context, register func(context.Context, *runtime.ServeMux) error) (*routeIndex, error) {
	mux := runtime.NewServeMux(
		runtime.WithMiddlewares(func(runtime.HandlerFunc) runtime.HandlerFunc {
			return func(_ http.ResponseWriter, r *http.Request, _ map[string]string) {
				if matched, ok := r.Context().Value(matchedKey{}).(*bool); ok {
					*matched = true
				}
			}
		}),
		runtime.WithRoutingErrorHandler(func(context.Context, *runtime.ServeMux, runtime.Marshaler, http.ResponseWriter, *http.Request, int) {}),
		runtime.WithDisablePathLengthFallback(),
	)
	if err := register(ctx, mux); err != nil {
		return nil, fmt.Errorf("register route index: %w", err)
	}
	return &routeIndex{mux: mux}, nil
}

// allowed returns the Allow header value for the path of r.
func (ix *routeIndex) allowed(r *http.Request) string {
	var allow []string
	for _, m := range allowMethods {
		matched := false
		req := (&http.Request{Method: m, URL: r.URL, Header: http.Header{}, Body: http.NoBody}).
			WithContext(context.WithValue(r.Context(), matchedKey{}, &matched))
		ix.mux.ServeHTTP(discardWriter{}, req)
		if matched {
			allow = append(allow, m)
		}
	}
	return strings.Join(allow, ", ")
}

type discardWriter struct{}

func (discardWriter) Header() http.Header         { return http.Header{} }
func (discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (discardWriter) WriteHeader(int)             {}

// nameSpan names the HTTP server span after the matched route, as the
// OpenTelemetry HTTP conventions ask ("GET /v1/users/{id}").
func nameSpan(r *http.Request, pat runtime.Pattern) {
	route := strings.ReplaceAll(pat.String(), "=*}", "}")
	span := trace.SpanFromContext(r.Context())
	span.SetName(r.Method + " " + route)
	span.SetAttributes(attribute.String("http.route", route))
	if holder, ok := r.Context().Value(routeKey{}).(*string); ok {
		*holder = route
	}
}

// readBody reads the whole (already capped) body into memory.
func readBody(body io.Reader, declared int64) (io.ReadCloser, error) {
	var buf bytes.Buffer
	if declared > 0 {
		buf.Grow(int(declared)) //nolint:gosec // declared <= the body cap (at most 1 MiB)
	}
	if _, err := buf.ReadFrom(body); err != nil {
		return nil, fmt.Errorf("read request body: %w", err)
	}
	return io.NopCloser(&buf), nil
}

// firstMessageClient waits for the first message (or the error) of a
// ListUsers stream before the gateway starts its response. grpc-gateway
// writes a stream error as a 200-less {"error": {...}} chunk, a shape unlike
// every other error; an error that comes before the first message is thus
// returned from ListUsers itself, and the generated handler answers it
// through the mux's error handler like a unary error. An error after the
// first message still ends the stream with an {"error": {...}} line: the
// status line has been sent by then.
type firstMessageClient struct{ userv1.UserServiceClient }

// ListUsers implements userv1.UserServiceClient.
func (c firstMessageClient) ListUsers(ctx context.Context, in *userv1.ListUsersRequest, opts ...grpc.CallOption) (grpc.ServerStreamingClient[userv1.User], error) {
	stream, err := c.UserServiceClient.ListUsers(ctx, in, opts...)
	if err != nil {
		return nil, err
	}
	first, err := stream.Recv()
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err //nolint:wrapcheck // a gRPC status: the gateway maps it as it is
	}
	return &prefetchedStream{ServerStreamingClient: stream, first: first, firstErr: err}, nil
}

type prefetchedStream struct {
	grpc.ServerStreamingClient[userv1.User]
	first    *userv1.User
	firstErr error
	consumed bool
}

func (s *prefetchedStream) Recv() (*userv1.User, error) {
	if !s.consumed {
		s.consumed = true
		return s.first, s.firstErr
	}
	return s.ServerStreamingClient.Recv() //nolint:wrapcheck // a gRPC status or io.EOF, as the gateway expects
}

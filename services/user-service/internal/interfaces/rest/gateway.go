// Package rest serves the REST API: grpc-gateway routes generated from the
// google.api.http annotations, proxied to the local gRPC server, plus the
// /healthz (liveness) and /readyz (readiness) endpoints.
//
// On top of the generated routes it enforces the REST conventions of the
// service: a request body cap (413), 201 Created with a Location header for
// POST /v1/users, 405 with an Allow header for a method a path does not
// serve, 415 for a body that is not JSON, and one JSON error shape (a
// google.rpc.Status: {"code","message","details"}) for every error the
// gateway answers, ListUsers included. Requests to the API are traced (an
// HTTP server span) and the trace context is carried into the gRPC call
// (otelgrpc).
package rest

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"go.opentelemetry.io/otel/metric/noop"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	userv1 "github.com/example/user-platform/services/user-service/api/proto/user/v1"
	"github.com/example/user-platform/services/user-service/internal/infrastructure/telemetry"
)

// DefaultMaxBodyBytes is the body cap when Config.MaxBodyBytes is 0.
const DefaultMaxBodyBytes = 1 << 20

// HealthChecker reports whether a grpc.health.v1 service name is SERVING.
type HealthChecker interface {
	Serving(ctx context.Context, service string) bool
}

// Config is what NewGateway needs.
type Config struct {
	// GRPCAddr is the host:port of the gRPC server the gateway proxies to.
	GRPCAddr string
	// Health answers /healthz (Liveness) and /readyz (Readiness), the
	// grpc.health.v1 service names behind them.
	Health              HealthChecker
	Liveness, Readiness string
	// MaxBodyBytes caps request bodies (HTTP_MAX_BODY_BYTES); 0 means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// Instrumentation selects the tracer provider and propagator.
	Instrumentation telemetry.Instrumentation
}

// Gateway is the REST handler and the client connection it proxies through.
type Gateway struct {
	conn    *grpc.ClientConn
	mux     *runtime.ServeMux
	routes  *routeIndex
	maxBody int64
	handler http.Handler
}

// NewGateway dials the gRPC server (lazily) and builds the handler.
func NewGateway(ctx context.Context, c Config) (*Gateway, error) {
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = DefaultMaxBodyBytes
	}
	conn, err := grpc.NewClient("passthrough:///"+c.GRPCAddr,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		// Starts a client span under the HTTP server span and injects its
		// context (traceparent) into the outgoing gRPC metadata.
		// No client metrics: every call is also counted by the server's
		// rpc.server.call.duration (configs/metrics.json).
		grpc.WithStatsHandler(otelgrpc.NewClientHandler(
			append(c.Instrumentation.GRPC(), otelgrpc.WithMeterProvider(noop.NewMeterProvider()))...)))
	if err != nil {
		return nil, fmt.Errorf("dial gRPC server for gateway: %w", err)
	}
	g := &Gateway{conn: conn, maxBody: c.MaxBodyBytes}
	g.mux = runtime.NewServeMux(
		runtime.WithRoutingErrorHandler(g.routingError),
		runtime.WithForwardResponseOption(created),
		runtime.WithMiddlewares(g.routeMiddleware),
		// A form POST to a GET route is a 405 like any other method the
		// route does not serve, not a GET in disguise.
		runtime.WithDisablePathLengthFallback(),
	)
	client := firstMessageClient{UserServiceClient: userv1.NewUserServiceClient(conn)}
	if err := userv1.RegisterUserServiceHandlerClient(ctx, g.mux, client); err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("register gateway handlers: %w", err)
	}
	g.routes, err = newRouteIndex(ctx, func(ctx context.Context, mux *runtime.ServeMux) error {
		return userv1.RegisterUserServiceHandlerClient(ctx, mux, client)
	})
	if err != nil {
		_ = conn.Close()
		return nil, err
	}

	api := traceRequests(g.mux, c.Instrumentation)
	liveness, readiness := probe(c.Health, c.Liveness), probe(c.Health, c.Readiness)
	// Probes are not traced (the kubelet calls them every few seconds).
	g.handler = g.limitBody(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/healthz":
			liveness.ServeHTTP(w, r)
		case "/readyz":
			readiness.ServeHTTP(w, r)
		default:
			api.ServeHTTP(w, r)
		}
	}))
	return g, nil
}

// Handler returns the HTTP handler.
func (g *Gateway) Handler() http.Handler { return g.handler }

// Close closes the gateway's gRPC connection.
func (g *Gateway) Close() error {
	if err := g.conn.Close(); err != nil {
		return fmt.Errorf("close gateway connection: %w", err)
	}
	return nil
}

// NewHTTPServer returns an http.Server with conservative timeouts.
func NewHTTPServer(addr string, h http.Handler) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
}

// writeError answers with the gateway's error handler, so every error has
// the same JSON shape; httpStatus overrides the status mapped from st.
func (g *Gateway) writeError(w http.ResponseWriter, r *http.Request, httpStatus int, st *status.Status) {
	_, outbound := runtime.MarshalerForRequest(g.mux, r)
	runtime.HTTPError(r.Context(), g.mux, outbound, w, r, &runtime.HTTPStatusError{HTTPStatus: httpStatus, Err: st.Err()})
}

// limitBody enforces the body cap before any handler reads the body: a
// declared Content-Length over the cap is answered 413 without reading a
// byte; any other body (chunked, or within its declared length) is read
// through http.MaxBytesReader, so at most the cap is ever buffered, and
// answered 413 when it goes past the cap. Reading the whole body here also
// stops the generated handlers from acting on a valid JSON prefix of an
// oversized body (they decode one value and drain the rest, ignoring errors).
func (g *Gateway) limitBody(next http.Handler) http.Handler {
	tooLarge := func(w http.ResponseWriter, r *http.Request) {
		// Do not let net/http try to drain the rest of the body.
		w.Header().Set("Connection", "close")
		g.writeError(w, r, http.StatusRequestEntityTooLarge, status.Newf(codes.InvalidArgument,
			"request body larger than %d bytes (HTTP_MAX_BODY_BYTES)", g.maxBody))
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > g.maxBody {
			tooLarge(w, r)
			return
		}
		if r.Body == nil || r.Body == http.NoBody {
			next.ServeHTTP(w, r)
			return
		}
		body, err := readBody(http.MaxBytesReader(w, r.Body, g.maxBody), r.ContentLength)
		var mbe *http.MaxBytesError
		switch {
		case errors.As(err, &mbe):
			tooLarge(w, r)
			return
		case err != nil:
			w.Header().Set("Connection", "close")
			g.writeError(w, r, http.StatusBadRequest, status.Newf(codes.InvalidArgument, "reading request body: %v", err))
			return
		}
		r.Body = body
		next.ServeHTTP(w, r)
	})
}

// created answers CreateUser with 201 Created and the new user's Location.
// A ForwardResponseOption runs after the headers are set and before the body
// is written.
func created(_ context.Context, w http.ResponseWriter, m proto.Message) error {
	resp, ok := m.(*userv1.CreateUserResponse)
	if !ok {
		return nil
	}
	w.Header().Set("Location", userPath(resp.GetUser().GetId()))
	w.WriteHeader(http.StatusCreated)
	return nil
}

// routeMiddleware runs for requests that matched a gateway route: it names
// the HTTP server span after the route, and answers 415 for a request body
// that is not JSON (no Content-Type is taken as JSON).
func (g *Gateway) routeMiddleware(next runtime.HandlerFunc) runtime.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request, params map[string]string) {
		if pat, ok := runtime.HTTPPattern(r.Context()); ok {
			nameSpan(r, pat)
		}
		if ct := r.Header.Get("Content-Type"); ct != "" && hasBody(r.Method) {
			if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
				w.Header().Set("Accept-Post", "application/json")
				g.writeError(w, r, http.StatusUnsupportedMediaType,
					status.Newf(codes.InvalidArgument, "Content-Type must be application/json, got %q", ct))
				return
			}
		}
		next(w, r, params)
	}
}

func hasBody(method string) bool {
	return method == http.MethodPost || method == http.MethodPut || method == http.MethodPatch
}

// routingError answers 405 with an Allow header listing the methods the path
// serves; other routing errors (404, 400) keep the gateway's default mapping.
func (g *Gateway) routingError(ctx context.Context, mux *runtime.ServeMux, m runtime.Marshaler, w http.ResponseWriter, r *http.Request, httpStatus int) {
	if httpStatus != http.StatusMethodNotAllowed {
		runtime.DefaultRoutingErrorHandler(ctx, mux, m, w, r, httpStatus)
		return
	}
	allow := g.routes.allowed(r)
	w.Header().Set("Allow", allow)
	g.writeError(w, r, http.StatusMethodNotAllowed,
		status.Newf(codes.Unimplemented, "method %s not allowed on %s (allowed: %s)", r.Method, r.URL.Path, allow))
}

func probe(h HealthChecker, service string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		if !h.Serving(r.Context(), service) {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte("NOT_SERVING\n"))
			return
		}
		_, _ = w.Write([]byte("SERVING\n"))
	})
}

// Package rest serves the REST API: grpc-gateway routes generated from the
// google.api.http annotations, proxied to the local gRPC server, plus the
// /healthz (liveness) and /readyz (readiness) endpoints.
package rest

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	userv1 "github.com/example/user-platform/services/user-service/api/proto/user/v1"
)

// HealthChecker reports whether a grpc.health.v1 service name is SERVING.
type HealthChecker interface {
	Serving(ctx context.Context, service string) bool
}

// Gateway is the REST handler and the client connection it proxies through.
type Gateway struct {
	conn    *grpc.ClientConn
	handler http.Handler
}

// NewGateway dials the gRPC server at grpcAddr (lazily) and builds the mux.
// liveness and readiness are the health service names behind /healthz and /readyz.
func NewGateway(ctx context.Context, grpcAddr string, health HealthChecker, liveness, readiness string) (*Gateway, error) {
	conn, err := grpc.NewClient("passthrough:///"+grpcAddr,
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return nil, fmt.Errorf("dial gRPC server for gateway: %w", err)
	}
	gw := runtime.NewServeMux()
	if err := userv1.RegisterUserServiceHandler(ctx, gw, conn); err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("register gateway handlers: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/healthz", probe(health, liveness))
	mux.Handle("/readyz", probe(health, readiness))
	mux.Handle("/", gw)
	return &Gateway{conn: conn, handler: mux}, nil
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

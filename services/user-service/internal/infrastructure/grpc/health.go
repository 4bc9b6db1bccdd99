package grpc

import (
	"context"

	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// Health service names, used by the Kubernetes gRPC probes.
const (
	// ReadinessService is SERVING while the database circuit breaker is not
	// open; NOT_SERVING from SIGTERM on.
	ReadinessService = "user.v1.UserService"
	// LivenessService is SERVING from start until SIGTERM.
	LivenessService = "liveness"
	// OverallService ("") mirrors ReadinessService.
	OverallService = ""
)

// Health wraps the grpc.health.v1 server with the service's three names.
type Health struct {
	srv *health.Server
}

// NewHealth returns a health server: liveness SERVING, readiness NOT_SERVING
// until SetReady(true).
func NewHealth() *Health {
	h := &Health{srv: health.NewServer()}
	h.srv.SetServingStatus(LivenessService, healthpb.HealthCheckResponse_SERVING)
	h.SetReady(false)
	return h
}

// Server returns the grpc.health.v1 implementation to register.
func (h *Health) Server() *health.Server { return h.srv }

// SetReady sets the readiness (and overall) status. Ignored after Shutdown.
func (h *Health) SetReady(ready bool) {
	st := healthpb.HealthCheckResponse_NOT_SERVING
	if ready {
		st = healthpb.HealthCheckResponse_SERVING
	}
	h.srv.SetServingStatus(ReadinessService, st)
	h.srv.SetServingStatus(OverallService, st)
}

// Shutdown sets every status to NOT_SERVING for good.
func (h *Health) Shutdown() { h.srv.Shutdown() }

// Serving reports whether service is SERVING.
func (h *Health) Serving(ctx context.Context, service string) bool {
	resp, err := h.srv.Check(ctx, &healthpb.HealthCheckRequest{Service: service})
	return err == nil && resp.GetStatus() == healthpb.HealthCheckResponse_SERVING
}

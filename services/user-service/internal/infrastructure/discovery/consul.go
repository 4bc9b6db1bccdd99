// Package discovery registers the service in Consul with a gRPC health check
// and deregisters it on shutdown.
package discovery

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/hashicorp/consul/api"
)

// Registration describes this instance.
type Registration struct {
	ServiceName string // e.g. "user-service"
	ServiceID   string // unique per instance
	Address     string // address other services dial
	Port        int    // gRPC port
	// HealthService is the grpc.health.v1 service name Consul checks
	// (the readiness name, so Consul stops routing when we are not ready).
	HealthService string
	Tags          []string
}

// ConsulRegistry talks to the local Consul agent.
type ConsulRegistry struct {
	client *api.Client
}

// NewConsulRegistry returns a registry for the agent at addr ("host:port" or a
// URL), authenticating with the ACL token (empty: none). Both come from
// internal/config (CONSUL_HTTP_ADDR, CONSUL_HTTP_TOKEN or CONSUL_HTTP_TOKEN_FILE).
func NewConsulRegistry(addr, token string) (*ConsulRegistry, error) {
	cfg := api.DefaultConfig()
	cfg.Address = addr
	cfg.Token = token
	cfg.TokenFile = "" // config has read it already: no second reader
	client, err := api.NewClient(cfg)
	if err != nil {
		return nil, fmt.Errorf("create consul client: %w", err)
	}
	return &ConsulRegistry{client: client}, nil
}

// Register registers r with a gRPC health check on its readiness service.
func (c *ConsulRegistry) Register(ctx context.Context, r Registration) error {
	target := net.JoinHostPort(r.Address, strconv.Itoa(r.Port))
	if r.HealthService != "" {
		target += "/" + r.HealthService
	}
	reg := &api.AgentServiceRegistration{
		ID:      r.ServiceID,
		Name:    r.ServiceName,
		Address: r.Address,
		Port:    r.Port,
		Tags:    r.Tags,
		Check: &api.AgentServiceCheck{
			GRPC:                           target,
			Interval:                       "10s",
			Timeout:                        "5s",
			DeregisterCriticalServiceAfter: "1m",
		},
	}
	if err := c.client.Agent().ServiceRegisterOpts(reg, api.ServiceRegisterOpts{}.WithContext(ctx)); err != nil {
		return fmt.Errorf("consul register %s: %w", r.ServiceID, err)
	}
	return nil
}

// Backoff is the retry schedule of RegisterWithRetry: Initial, doubled after
// every failure, at most Max.
type Backoff struct {
	Initial time.Duration
	Max     time.Duration
}

// DefaultBackoff retries after 1 s, 2 s, 4 s, ... up to 30 s.
var DefaultBackoff = Backoff{Initial: time.Second, Max: 30 * time.Second}

// RegisterWithRetry registers r, retrying with backoff until it succeeds or
// ctx ends (then it returns ctx's error). Each attempt is bounded by
// attemptTimeout. onFailure, when set, is told about every failed attempt and
// the wait before the next one. It starts no goroutine.
func (c *ConsulRegistry) RegisterWithRetry(ctx context.Context, r Registration, b Backoff, attemptTimeout time.Duration,
	onFailure func(attempt int, err error, wait time.Duration),
) error {
	if b.Initial <= 0 {
		b = DefaultBackoff
	}
	wait := b.Initial
	for attempt := 1; ; attempt++ {
		actx, cancel := context.WithTimeout(ctx, attemptTimeout)
		err := c.Register(actx, r)
		cancel()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("consul register %s: gave up: %w", r.ServiceID, ctx.Err())
		}
		if onFailure != nil {
			onFailure(attempt, err, wait)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("consul register %s: gave up: %w", r.ServiceID, ctx.Err())
		case <-t.C:
		}
		wait = min(2*wait, b.Max)
	}
}

// Deregister removes the instance.
func (c *ConsulRegistry) Deregister(ctx context.Context, serviceID string) error {
	if err := c.client.Agent().ServiceDeregisterOpts(serviceID, (&api.QueryOptions{}).WithContext(ctx)); err != nil {
		return fmt.Errorf("consul deregister %s: %w", serviceID, err)
	}
	return nil
}

// AdvertiseAddress returns the first non-loopback IPv4 address of this host,
// or "" when there is none.
func AdvertiseAddress() string {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return ""
	}
	for _, a := range addrs {
		if ipn, ok := a.(*net.IPNet); ok && !ipn.IP.IsLoopback() && ipn.IP.To4() != nil {
			return ipn.IP.String()
		}
	}
	return ""
}

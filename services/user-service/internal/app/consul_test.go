package app_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/example/user-platform/services/user-service/internal/app"
	"github.com/example/user-platform/services/user-service/internal/infrastructure/discovery"
	"github.com/example/user-platform/services/user-service/internal/testutil"
)

// consulAgent is a fake Consul agent: it refuses the first failFirst
// registrations and records when the deregistration comes.
type consulAgent struct {
	mu           sync.Mutex
	failFirst    int
	attempts     int
	registered   map[string]any
	token        string
	deregistered time.Time
}

func (c *consulAgent) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.token = r.Header.Get("X-Consul-Token")
	switch {
	case r.Method == http.MethodPut && r.URL.Path == "/v1/agent/service/register":
		c.attempts++
		if c.attempts <= c.failFirst {
			http.Error(w, "no cluster leader", http.StatusInternalServerError)
			return
		}
		_ = json.NewDecoder(r.Body).Decode(&c.registered)
	case r.Method == http.MethodPut && strings.HasPrefix(r.URL.Path, "/v1/agent/service/deregister/"):
		c.deregistered = time.Now()
	default:
		http.NotFound(w, r)
	}
}

// TestConsulRetryAndDeregisterAtDrainStart: Consul refuses the first
// registrations (the service retries in the background with backoff, with
// the configured token and POD_IP); on shutdown the deregistration comes at
// the start of the drain, not after it.
func TestConsulRetryAndDeregisterAtDrainStart(t *testing.T) {
	dsn := testutil.NewDatabase(t, "TEST_DATABASE_URL")
	agent := &consulAgent{failFirst: 2}
	srv := httptest.NewServer(agent)
	defer srv.Close()
	cfg := testConfig(dsn, "")
	cfg.ConsulAddr = srv.Listener.Addr().String()
	cfg.ConsulToken = "acl-token"
	cfg.PodIP = "10.9.8.7"
	const drain = 2 * time.Second
	cfg.ShutdownDrain = drain
	r := start(t, app.Options{Config: cfg, ConsulBackoff: discovery.Backoff{Initial: 50 * time.Millisecond, Max: 100 * time.Millisecond}})

	waitFor(t, 10*time.Second, "registration after the agent's failures", func() bool {
		agent.mu.Lock()
		defer agent.mu.Unlock()
		return agent.registered != nil
	})
	agent.mu.Lock()
	if agent.attempts != 3 || agent.registered["Address"] != "10.9.8.7" || agent.token != "acl-token" {
		t.Errorf("attempts %d, registration %v, token %q", agent.attempts, agent.registered, agent.token)
	}
	agent.mu.Unlock()

	sigAt := time.Now()
	r.stop(t)
	stopped := time.Since(sigAt)
	agent.mu.Lock()
	defer agent.mu.Unlock()
	if agent.deregistered.IsZero() {
		t.Fatal("never deregistered")
	}
	after := agent.deregistered.Sub(sigAt)
	t.Logf("deregistered %v after the shutdown signal; Run returned after %v (drain %v)", after.Round(time.Millisecond), stopped.Round(time.Millisecond), drain)
	if after > 500*time.Millisecond {
		t.Fatalf("deregistered %v after the signal: peers kept routing here during the drain", after)
	}
	if stopped < drain {
		t.Fatalf("Run returned after %v, before the drain (%v) ended", stopped, drain)
	}
}

package discovery_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/example/user-platform/services/user-service/internal/infrastructure/discovery"
)

// fakeAgent records the Consul agent API calls the registry makes.
type fakeAgent struct {
	mu           sync.Mutex
	failFirst    int // registrations answered 500 before one succeeds
	attempts     int
	tokens       []string
	registered   map[string]any
	deregistered []string
}

func (f *fakeAgent) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tokens = append(f.tokens, r.Header.Get("X-Consul-Token"))
	switch {
	case r.Method == http.MethodPut && r.URL.Path == "/v1/agent/service/register":
		f.attempts++
		if f.attempts <= f.failFirst {
			http.Error(w, "agent not ready", http.StatusInternalServerError)
			return
		}
		_ = json.NewDecoder(r.Body).Decode(&f.registered)
	case r.Method == http.MethodPut && len(r.URL.Path) > len("/v1/agent/service/deregister/"):
		f.deregistered = append(f.deregistered, r.URL.Path[len("/v1/agent/service/deregister/"):])
	default:
		http.NotFound(w, r)
	}
}

func TestRegisterAndDeregister(t *testing.T) {
	t.Parallel()
	agent := &fakeAgent{}
	srv := httptest.NewServer(agent)
	defer srv.Close()
	reg, err := discovery.NewConsulRegistry(srv.Listener.Addr().String(), "")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err = reg.Register(ctx, discovery.Registration{
		ServiceName: "user-service", ServiceID: "user-service-a-50051", Address: "10.0.0.5", Port: 50051,
		HealthService: "user.v1.UserService",
	})
	if err != nil {
		t.Fatal(err)
	}
	agent.mu.Lock()
	check, _ := agent.registered["Check"].(map[string]any)
	if agent.registered["ID"] != "user-service-a-50051" || agent.registered["Name"] != "user-service" ||
		check["GRPC"] != "10.0.0.5:50051/user.v1.UserService" || check["DeregisterCriticalServiceAfter"] == nil {
		t.Fatalf("registration = %v", agent.registered)
	}
	agent.mu.Unlock()
	if err := reg.Deregister(ctx, "user-service-a-50051"); err != nil {
		t.Fatal(err)
	}
	agent.mu.Lock()
	defer agent.mu.Unlock()
	if len(agent.deregistered) != 1 || agent.deregistered[0] != "user-service-a-50051" {
		t.Fatalf("deregistered = %v", agent.deregistered)
	}
}

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestRegisterWithRetry: the agent refuses the first registrations; the
// registry keeps trying with backoff and succeeds, sending the ACL token it
// was given (and not one from the environment).
func TestRegisterWithRetry(t *testing.T) {
	t.Setenv("CONSUL_HTTP_TOKEN", "from-the-environment")
	agent := &fakeAgent{failFirst: 3}
	srv := httptest.NewServer(agent)
	defer srv.Close()
	reg, err := discovery.NewConsulRegistry(srv.Listener.Addr().String(), "token-from-config")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var waits []time.Duration
	err = reg.RegisterWithRetry(ctx, discovery.Registration{ServiceName: "user-service", ServiceID: "id-1", Address: "10.0.0.5", Port: 50051},
		discovery.Backoff{Initial: 10 * time.Millisecond, Max: 25 * time.Millisecond}, time.Second,
		func(_ int, _ error, wait time.Duration) { waits = append(waits, wait) })
	if err != nil {
		t.Fatal(err)
	}
	agent.mu.Lock()
	defer agent.mu.Unlock()
	if agent.attempts != 4 || agent.registered["ID"] != "id-1" {
		t.Fatalf("attempts = %d, registered = %v", agent.attempts, agent.registered)
	}
	want := []time.Duration{10 * time.Millisecond, 20 * time.Millisecond, 25 * time.Millisecond}
	if len(waits) != len(want) || waits[0] != want[0] || waits[1] != want[1] || waits[2] != want[2] {
		t.Fatalf("backoff waits = %v, want %v", waits, want)
	}
	for _, tok := range agent.tokens {
		if tok != "token-from-config" {
			t.Fatalf("request carried token %q, want the configured one", tok)
		}
	}
}

// TestRegisterWithRetryStopsWithContext: an agent that never accepts; the
// retry loop ends when its context does (no goroutine left: goleak).
func TestRegisterWithRetryStopsWithContext(t *testing.T) {
	t.Parallel()
	agent := &fakeAgent{failFirst: 1 << 30}
	srv := httptest.NewServer(agent)
	defer srv.Close()
	reg, err := discovery.NewConsulRegistry(srv.Listener.Addr().String(), "")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	err = reg.RegisterWithRetry(ctx, discovery.Registration{ServiceName: "s", ServiceID: "id-2", Address: "10.0.0.5", Port: 1},
		discovery.Backoff{Initial: 20 * time.Millisecond, Max: 50 * time.Millisecond}, time.Second, nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the context's deadline", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("returned %v after its context ended", d)
	}
	agent.mu.Lock()
	defer agent.mu.Unlock()
	if agent.attempts < 3 {
		t.Fatalf("only %d attempts in 300ms", agent.attempts)
	}
}

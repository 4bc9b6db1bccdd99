package discovery_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/example/user-platform/services/user-service/internal/infrastructure/discovery"
)

// fakeAgent records the Consul agent API calls the registry makes.
type fakeAgent struct {
	mu           sync.Mutex
	registered   map[string]any
	deregistered []string
}

func (f *fakeAgent) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case r.Method == http.MethodPut && r.URL.Path == "/v1/agent/service/register":
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
	reg, err := discovery.NewConsulRegistry(srv.Listener.Addr().String())
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

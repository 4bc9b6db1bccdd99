package telemetry_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/example/user-platform/services/user-service/internal/infrastructure/telemetry"
)

func TestNewSampler(t *testing.T) {
	t.Parallel()
	for _, name := range telemetry.Samplers {
		s, err := telemetry.NewSampler(name, 0.25)
		if err != nil || s == nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	s, _ := telemetry.NewSampler("parentbased_traceidratio", 0.25)
	if d := s.Description(); !strings.Contains(d, "ParentBased") || !strings.Contains(d, "0.25") {
		t.Fatalf("description %q", d)
	}
	if _, err := telemetry.NewSampler("sometimes", 1); err == nil {
		t.Fatal("unknown sampler accepted")
	}
}

func TestSetupLazyAndShutdown(t *testing.T) {
	t.Parallel()
	for _, ep := range []string{"127.0.0.1:1", "http://127.0.0.1:1"} {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		start := time.Now()
		shutdown, err := telemetry.Setup(ctx, telemetry.Config{Endpoint: ep, ServiceName: "t", Sampler: "always_on"})
		if err != nil {
			cancel()
			t.Fatalf("%s: %v", ep, err)
		}
		if d := time.Since(start); d > 500*time.Millisecond {
			t.Errorf("%s: Setup blocked %v (must connect lazily)", ep, d)
		}
		_ = shutdown(ctx) // nothing to flush; the collector is absent
		cancel()
	}
	if _, err := telemetry.Setup(context.Background(), telemetry.Config{Endpoint: "ftp://x:1", Sampler: "always_on"}); err == nil {
		t.Fatal("ftp endpoint accepted")
	}
}

func TestResourceCarriesVersion(t *testing.T) {
	t.Parallel()
	res, err := telemetry.Resource(telemetry.Config{ServiceName: "user-service", Version: "v1.2.3-dirty"})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, kv := range res.Attributes() {
		got[string(kv.Key)] = kv.Value.String()
	}
	if got["service.version"] != "v1.2.3-dirty" || got["service.name"] != "user-service" {
		t.Fatalf("resource attributes %v", got)
	}
}

package app_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/example/user-platform/services/user-service/internal/app"
)

// TestShutdownStopSecondsMatchesContract: the charts derive terminationGracePeriodSeconds
// from configs/env-contract.json's shutdownStopSeconds (charts/model/contract.ts); the
// service's shutdown budget is derived from app.ShutdownStopSeconds. They must be one number.
func TestShutdownStopSecondsMatchesContract(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "configs", "env-contract.json"))
	if err != nil {
		t.Fatal(err)
	}
	var c struct {
		ShutdownStopSeconds *int `json:"shutdownStopSeconds"`
	}
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatalf("env-contract.json: %v", err)
	}
	if c.ShutdownStopSeconds == nil {
		t.Fatal("env-contract.json has no shutdownStopSeconds")
	}
	if *c.ShutdownStopSeconds != app.ShutdownStopSeconds {
		t.Errorf("env-contract.json shutdownStopSeconds = %d, app.ShutdownStopSeconds = %d: the charts' grace period and the service's budget disagree",
			*c.ShutdownStopSeconds, app.ShutdownStopSeconds)
	}
}

package config_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"sync"
	"testing"

	"github.com/example/user-platform/services/user-service/internal/config"
)

// contract is configs/env-contract.json, the one list of variables shared
// with the charts (charts/model/contract.ts is tested against it too).
type contract struct {
	Variables []struct {
		Name         string `json:"name"`
		Secret       bool   `json:"secret"`
		Required     bool   `json:"required"`
		FileVariable string `json:"fileVariable"`
		Runtime      bool   `json:"runtime"`
	} `json:"variables"`
}

func loadContract(t *testing.T) contract {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "configs", "env-contract.json"))
	if err != nil {
		t.Fatal(err)
	}
	var c contract
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatalf("env-contract.json: %v", err)
	}
	return c
}

// TestLoadReadsExactlyTheContract records every variable Load looks up and
// compares the set with env-contract.json (its names plus the fileVariable
// names; runtime variables such as GOMEMLIMIT are read by the Go runtime,
// not by Load). Adding a variable on either side without the other fails.
func TestLoadReadsExactlyTheContract(t *testing.T) {
	t.Parallel()
	c := loadContract(t)
	var want []string
	for _, v := range c.Variables {
		if v.Runtime {
			continue
		}
		want = append(want, v.Name)
		if v.Secret {
			if v.FileVariable != v.Name+"_FILE" {
				t.Errorf("%s: secret with fileVariable %q, want %s_FILE", v.Name, v.FileVariable, v.Name)
			}
			want = append(want, v.FileVariable)
		} else if v.FileVariable != "" {
			t.Errorf("%s: fileVariable on a non-secret variable", v.Name)
		}
	}
	sort.Strings(want)

	// Several environments, so that no branch of Load hides a lookup.
	envs := []map[string]string{
		{},
		{"DATABASE_URL": "postgres://u:p@db:5432/users"},
		{"DB_HOST": "db", "DB_NAME": "users", "DB_USER": "svc", "DB_PASSWORD": "pw"},
	}
	var (
		mu   sync.Mutex
		seen = map[string]bool{}
	)
	for _, m := range envs {
		_, _ = config.Load(func(k string) (string, bool) {
			mu.Lock()
			seen[k] = true
			mu.Unlock()
			v, ok := m[k]
			return v, ok
		})
	}
	got := make([]string, 0, len(seen))
	for k := range seen {
		got = append(got, k)
	}
	sort.Strings(got)
	for _, k := range got {
		if !slices.Contains(want, k) {
			t.Errorf("Load reads %s, which env-contract.json does not list", k)
		}
	}
	for _, k := range want {
		if !slices.Contains(got, k) {
			t.Errorf("env-contract.json lists %s, which Load never reads", k)
		}
	}
}

// TestContractRequiredVariables: the variables the contract marks required
// are the ones Load refuses to start without (the DB_* parts, when
// DATABASE_URL is not set).
func TestContractRequiredVariables(t *testing.T) {
	t.Parallel()
	c := loadContract(t)
	full := map[string]string{"DB_HOST": "db", "DB_NAME": "users", "DB_USER": "svc"}
	if _, err := config.Load(env(full)); err != nil {
		t.Fatalf("required parts only: %v", err)
	}
	for _, v := range c.Variables {
		if !v.Required {
			continue
		}
		m := map[string]string{}
		for k, val := range full {
			if k != v.Name {
				m[k] = val
			}
		}
		if _, err := config.Load(env(m)); err == nil {
			t.Errorf("%s is required by the contract, but Load accepts its absence", v.Name)
		}
	}
}

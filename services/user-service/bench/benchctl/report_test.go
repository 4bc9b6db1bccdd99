package main

import (
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

func TestParseRunName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		round        int
		server, meth string
		wantErr      bool
	}{
		{"r1-service-GetUser.json", 1, "service", "GetUser", false},
		{"r12-bare-ListUsers.json", 12, "bare", "ListUsers", false},
		{"x1-bare-GetUser.json", 0, "", "", true},
		{"r1-bare.json", 0, "", "", true},
		{"rx-bare-GetUser.json", 0, "", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			round, server, meth, err := parseRunName(tt.name)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if round != tt.round || server != tt.server || meth != tt.meth {
				t.Fatalf("= %d %q %q", round, server, meth)
			}
		})
	}
}

func TestStatOf(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   []float64
		want Stat
	}{
		{nil, Stat{}},
		{[]float64{3}, Stat{3, 3, 3}},
		{[]float64{5, 1, 3}, Stat{3, 1, 5}},
		{[]float64{4, 1, 3, 2}, Stat{2.5, 1, 4}},
	}
	for _, tt := range tests {
		if got := statOf(tt.in); got != tt.want {
			t.Errorf("statOf(%v) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

// TestBuildReport: ratios are per round (service run / bare run of the same
// round) and of the medians; CPU per call comes from the .cpu side files.
func TestBuildReport(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, body string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	ghz := func(rps float64, count int, p99ms int) string {
		return `{"count":` + itoa(count) + `,"rps":` + ftoa(rps) + `,"latencyDistribution":[{"percentage":50,"latency":1000000},{"percentage":99,"latency":` +
			itoa(p99ms*1_000_000) + `}],"statusCodeDistribution":{"OK":` + itoa(count-1) + `,"Unavailable":1}}`
	}
	write("r1-bare-GetUser.json", ghz(1000, 5000, 10))
	write("r1-service-GetUser.json", ghz(900, 4500, 12))
	write("r2-bare-GetUser.json", ghz(2000, 10000, 20))
	write("r2-service-GetUser.json", ghz(1000, 5000, 40))
	write("r1-bare-GetUser.cpu", "50 100")    // 0.5 s for 5000 calls: 100 µs
	write("r1-service-GetUser.cpu", "54 100") // 0.54 s for 4500 calls: 120 µs
	r, err := buildReport(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Targets) != 2 || r.Targets[0].Server != "bare" || r.Targets[1].Server != "service" {
		t.Fatalf("targets %+v", r.Targets)
	}
	if got := r.Targets[0].Runs[0]; got.Errors != 1 || got.OK != 4999 || got.P99ms != 10 || !near(got.CPUusPerCall, 100) {
		t.Fatalf("bare round 1 = %+v", got)
	}
	if len(r.Ratios) != 1 {
		t.Fatalf("ratios %+v", r.Ratios)
	}
	x := r.Ratios[0]
	// Medians: service 950, bare 1500. Per round: 0.9 and 0.5.
	if !near(x.QPSOfMedians, 950.0/1500) || !near(x.QPSPerRound.Median, 0.7) || !near(x.QPSPerRound.Min, 0.5) || !near(x.QPSPerRound.Max, 0.9) {
		t.Fatalf("QPS ratios %+v", x)
	}
	if !near(x.P99PerRound.Min, 1.2) || !near(x.P99PerRound.Max, 2) || !near(x.CPUPerCall, 1.2) {
		t.Fatalf("p99/CPU ratios %+v", x)
	}
}

func TestBuildReportNoRuns(t *testing.T) {
	t.Parallel()
	if _, err := buildReport(t.TempDir(), 0); err == nil {
		t.Fatal("no error for an empty directory")
	}
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9*math.Max(1, math.Abs(b)) }

func itoa(n int) string { return ftoa(float64(n)) }

func ftoa(f float64) string { return strconvFormat(f) }

func strconvFormat(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

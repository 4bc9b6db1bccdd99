package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ghzResult is the part of ghz's JSON output (-O json) the report reads.
type ghzResult struct {
	Count   int64   `json:"count"`
	RPS     float64 `json:"rps"`
	Latency []struct {
		Percentage int           `json:"percentage"`
		Latency    time.Duration `json:"latency"`
	} `json:"latencyDistribution"`
	Status map[string]int64 `json:"statusCodeDistribution"`
}

// Run is one ghz run of one target in one round.
type Run struct {
	Round  int     `json:"round"`
	QPS    float64 `json:"qps"`
	P50ms  float64 `json:"p50_ms"`
	P99ms  float64 `json:"p99_ms"`
	OK     int64   `json:"ok"`
	Errors int64   `json:"errors"`
	// CPUusPerCall is the server's CPU time (user + system) during the run
	// divided by the calls it answered, in µs (0: not measured).
	CPUusPerCall float64 `json:"cpu_us_per_call,omitempty"`
}

// Stat is the median and the spread (min, max) of one figure over the rounds.
type Stat struct {
	Median float64 `json:"median"`
	Min    float64 `json:"min"`
	Max    float64 `json:"max"`
}

// Target is one server x method: every run and the summary.
type Target struct {
	Server string  `json:"server"`
	Method string  `json:"method"`
	Runs   []Run   `json:"runs"`
	QPS    Stat    `json:"qps"`
	P50ms  Stat    `json:"p50_ms"`
	P99ms  Stat    `json:"p99_ms"`
	CPUus  Stat    `json:"cpu_us_per_call"`
	MsgsPS float64 `json:"messages_per_second,omitempty"`
}

// Ratio compares the service with the bare server for one method.
type Ratio struct {
	Method string `json:"method"`
	// QPSOfMedians is service median QPS / bare median QPS.
	QPSOfMedians float64 `json:"qps_ratio_of_medians"`
	// QPSPerRound is the service/bare QPS ratio of each round (same load).
	QPSPerRound Stat `json:"qps_ratio_per_round"`
	// CPUPerCall is service / bare median CPU per call.
	CPUPerCall float64 `json:"cpu_per_call_ratio"`
	// P99OfMedians is service median p99 / bare median p99.
	P99OfMedians float64 `json:"p99_ratio_of_medians"`
	P99PerRound  Stat    `json:"p99_ratio_per_round"`
}

// Report is bench/out/bench.json.
type Report struct {
	Time        time.Time         `json:"time"`
	Settings    map[string]string `json:"settings"`
	Targets     []Target          `json:"targets"`
	Ratios      []Ratio           `json:"ratios"`
	Process     map[string]any    `json:"process"`
	LoadAverage map[string]string `json:"load_average"`
}

// report reads dir/r<round>-<server>-<method>.json (ghz output), prints the
// summary and writes it as JSON to out.
func report(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	dir := fs.String("runs", "bench/out/runs", "directory of ghz JSON outputs r<round>-<server>-<method>.json")
	out := fs.String("out", "bench/out/bench.json", "JSON report to write")
	pageSize := fs.Int("page-size", 0, "ListUsers page size (messages per call)")
	var settings, process, load kvFlag
	fs.Var(&settings, "setting", "key=value recorded under settings (repeatable)")
	fs.Var(&process, "process", "key=value recorded under process; numeric values as numbers (repeatable)")
	fs.Var(&load, "load", "key=value recorded under load_average (repeatable)")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	r, err := buildReport(*dir, *pageSize)
	if err != nil {
		return err
	}
	r.Time = time.Now().UTC().Truncate(time.Second)
	r.Settings, r.LoadAverage = settings.m, load.m
	r.Process = map[string]any{}
	for k, v := range process.m {
		if f, err := strconv.ParseFloat(v, 64); err == nil {
			r.Process[k] = f
		} else {
			r.Process[k] = v
		}
	}
	printReport(stdout, r)
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if err := os.WriteFile(*out, append(b, '\n'), 0o644); err != nil { //nolint:gosec // a report, not a secret
		return fmt.Errorf("report: %w", err)
	}
	fmt.Fprintf(stdout, "written: %s\n", *out)
	return nil
}

// line prints "QPS p50_ms p99_ms OK errors" of one ghz JSON output.
func line(args []string, stdout io.Writer) error {
	if len(args) != 1 {
		return errors.New("usage: benchctl line ghz.json")
	}
	r, err := readRun(args[0], 0)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%.0f %.2f %.2f %d %d\n", r.QPS, r.P50ms, r.P99ms, r.OK, r.Errors)
	return nil
}

type kvFlag struct{ m map[string]string }

func (f *kvFlag) String() string { return fmt.Sprint(f.m) }

func (f *kvFlag) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok || k == "" {
		return fmt.Errorf("want key=value, got %q", s)
	}
	if f.m == nil {
		f.m = map[string]string{}
	}
	f.m[k] = v
	return nil
}

func buildReport(dir string, pageSize int) (Report, error) {
	files, err := filepath.Glob(filepath.Join(dir, "r*-*-*.json"))
	if err != nil || len(files) == 0 {
		return Report{}, fmt.Errorf("report: no ghz outputs in %s", dir)
	}
	byKey := map[[2]string]*Target{}
	var order [][2]string
	for _, f := range files {
		round, server, method, err := parseRunName(filepath.Base(f))
		if err != nil {
			return Report{}, err
		}
		run, err := readRun(f, round)
		if err != nil {
			return Report{}, err
		}
		k := [2]string{server, method}
		t, ok := byKey[k]
		if !ok {
			t = &Target{Server: server, Method: method}
			byKey[k] = t
			order = append(order, k)
		}
		t.Runs = append(t.Runs, run)
	}
	slices.SortFunc(order, func(a, b [2]string) int {
		if c := strings.Compare(methodRank(a[1]), methodRank(b[1])); c != 0 {
			return c
		}
		return strings.Compare(a[0], b[0]) // bare before service
	})
	var r Report
	for _, k := range order {
		t := byKey[k]
		slices.SortFunc(t.Runs, func(a, b Run) int { return a.Round - b.Round })
		t.QPS = stat(t.Runs, func(r Run) float64 { return r.QPS })
		t.P50ms = stat(t.Runs, func(r Run) float64 { return r.P50ms })
		t.P99ms = stat(t.Runs, func(r Run) float64 { return r.P99ms })
		var cpu []float64 // only the runs that measured it
		for _, run := range t.Runs {
			if run.CPUusPerCall > 0 {
				cpu = append(cpu, run.CPUusPerCall)
			}
		}
		t.CPUus = statOf(cpu)
		if t.Method == "ListUsers" && pageSize > 0 {
			t.MsgsPS = t.QPS.Median * float64(pageSize)
		}
		r.Targets = append(r.Targets, *t)
	}
	for _, m := range []string{"GetUser", "CreateUser", "ListUsers"} {
		s, b := byKey[[2]string{"service", m}], byKey[[2]string{"bare", m}]
		if s == nil || b == nil {
			continue
		}
		r.Ratios = append(r.Ratios, ratio(m, s, b))
	}
	return r, nil
}

func methodRank(m string) string {
	switch m {
	case "GetUser":
		return "1"
	case "CreateUser":
		return "2"
	case "ListUsers":
		return "3"
	default:
		return "4" + m
	}
}

// parseRunName splits "r2-service-GetUser.json".
func parseRunName(name string) (round int, server, method string, err error) {
	parts := strings.SplitN(strings.TrimSuffix(name, ".json"), "-", 3)
	if len(parts) != 3 || !strings.HasPrefix(parts[0], "r") {
		return 0, "", "", fmt.Errorf("report: unexpected run file %q", name)
	}
	round, err = strconv.Atoi(parts[0][1:])
	if err != nil {
		return 0, "", "", fmt.Errorf("report: unexpected run file %q", name)
	}
	return round, parts[1], parts[2], nil
}

func readRun(path string, round int) (Run, error) {
	b, err := os.ReadFile(path) //nolint:gosec // a path the benchmark script wrote
	if err != nil {
		return Run{}, fmt.Errorf("report: %w", err)
	}
	var g ghzResult
	if err := json.Unmarshal(b, &g); err != nil {
		return Run{}, fmt.Errorf("report: %s: %w", path, err)
	}
	run := Run{Round: round, QPS: g.RPS, OK: g.Status["OK"]}
	run.Errors = g.Count - run.OK
	for _, l := range g.Latency {
		switch l.Percentage {
		case 50:
			run.P50ms = float64(l.Latency) / 1e6
		case 99:
			run.P99ms = float64(l.Latency) / 1e6
		}
	}
	if run.OK == 0 {
		return Run{}, errors.New("report: " + path + ": no successful call")
	}
	// "<ticks> <ticks per second>" written by scripts/bench.sh, when present.
	if b, err := os.ReadFile(strings.TrimSuffix(path, ".json") + ".cpu"); err == nil { //nolint:gosec // the script's file
		var ticks, hz float64
		if _, err := fmt.Sscan(string(b), &ticks, &hz); err == nil && hz > 0 && g.Count > 0 {
			run.CPUusPerCall = ticks / hz * 1e6 / float64(g.Count)
		}
	}
	return run, nil
}

func stat(runs []Run, f func(Run) float64) Stat {
	v := make([]float64, 0, len(runs))
	for _, r := range runs {
		v = append(v, f(r))
	}
	return statOf(v)
}

func statOf(v []float64) Stat {
	if len(v) == 0 {
		return Stat{}
	}
	slices.Sort(v)
	return Stat{Median: median(v), Min: v[0], Max: v[len(v)-1]}
}

// median of sorted values.
func median(v []float64) float64 {
	n := len(v)
	if n%2 == 1 {
		return v[n/2]
	}
	return (v[n/2-1] + v[n/2]) / 2
}

func ratio(method string, s, b *Target) Ratio {
	r := Ratio{Method: method}
	if b.QPS.Median > 0 {
		r.QPSOfMedians = s.QPS.Median / b.QPS.Median
	}
	if b.P99ms.Median > 0 {
		r.P99OfMedians = s.P99ms.Median / b.P99ms.Median
	}
	if b.CPUus.Median > 0 {
		r.CPUPerCall = s.CPUus.Median / b.CPUus.Median
	}
	bare := map[int]Run{}
	for _, run := range b.Runs {
		bare[run.Round] = run
	}
	var q, p []float64
	for _, run := range s.Runs {
		br, ok := bare[run.Round]
		if !ok {
			continue
		}
		if br.QPS > 0 {
			q = append(q, run.QPS/br.QPS)
		}
		if br.P99ms > 0 {
			p = append(p, run.P99ms/br.P99ms)
		}
	}
	r.QPSPerRound, r.P99PerRound = statOf(q), statOf(p)
	return r
}

func printReport(w io.Writer, r Report) {
	fmt.Fprintln(w, "== medians over rounds (min-max) ==")
	for _, t := range r.Targets {
		fmt.Fprintf(w, "%-8s %-10s QPS %7.0f (%5.0f-%5.0f)   p50 %6.2f ms (%.2f-%.2f)   p99 %6.2f ms (%.2f-%.2f)",
			t.Server, t.Method, t.QPS.Median, t.QPS.Min, t.QPS.Max, t.P50ms.Median, t.P50ms.Min, t.P50ms.Max,
			t.P99ms.Median, t.P99ms.Min, t.P99ms.Max)
		if t.CPUus.Median > 0 {
			fmt.Fprintf(w, "   CPU %.0f µs/call", t.CPUus.Median)
		}
		if t.MsgsPS > 0 {
			fmt.Fprintf(w, "   %.0f msgs/s", t.MsgsPS)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w, "== service / bare ==")
	for _, x := range r.Ratios {
		fmt.Fprintf(w, "%-10s QPS %5.1f%% of medians, per round %5.1f%% (%.1f-%.1f%%)   p99 x%.2f of medians, per round x%.2f (x%.2f-x%.2f)   CPU/call x%.2f\n",
			x.Method, 100*x.QPSOfMedians, 100*x.QPSPerRound.Median, 100*x.QPSPerRound.Min, 100*x.QPSPerRound.Max,
			x.P99OfMedians, x.P99PerRound.Median, x.P99PerRound.Min, x.P99PerRound.Max, x.CPUPerCall)
	}
}

package main_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	userv1 "github.com/example/user-platform/services/user-service/api/proto/user/v1"
	"github.com/example/user-platform/services/user-service/internal/testutil"
)

// metricList is configs/metrics.json, the one list of exported metrics (the
// charts build the alerts and the dashboard from it).
type metricList struct {
	Metrics []struct {
		Otel       string   `json:"otel"`
		Prometheus string   `json:"prometheus"`
		Type       string   `json:"type"`
		Labels     []string `json:"labels"`
	} `json:"metrics"`
}

func loadMetricList(t *testing.T) metricList {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "configs", "metrics.json"))
	if err != nil {
		t.Fatal(err)
	}
	var l metricList
	if err := json.Unmarshal(b, &l); err != nil {
		t.Fatalf("metrics.json: %v", err)
	}
	return l
}

// scrape is a parsed Prometheus text exposition: the TYPE of each family and
// the samples, by series (name{labels}).
type scrape struct {
	types   map[string]string
	samples map[string]float64
}

var sampleLine = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)$`)

func parseScrape(t *testing.T, body string) scrape {
	t.Helper()
	s := scrape{types: map[string]string{}, samples: map[string]float64{}}
	sc := bufio.NewScanner(strings.NewReader(body))
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(line, "# TYPE "); ok {
			name, typ, _ := strings.Cut(rest, " ")
			s.types[name] = typ
			continue
		}
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		m := sampleLine.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("not a sample line: %q", line)
		}
		v, err := strconv.ParseFloat(m[3], 64)
		if err != nil {
			t.Fatalf("sample %q: %v", line, err)
		}
		s.samples[m[1]+m[2]] = v
	}
	return s
}

// find returns the value of the one series of name whose labels contain all
// of want (`key="value"` strings).
func (s scrape) find(t *testing.T, name string, want ...string) float64 {
	t.Helper()
	var found []string
	for series := range s.samples {
		n, labels, _ := strings.Cut(series, "{")
		if n != name {
			continue
		}
		ok := true
		for _, w := range want {
			if !strings.Contains(labels, w) {
				ok = false
			}
		}
		if ok {
			found = append(found, series)
		}
	}
	if len(found) != 1 {
		t.Fatalf("want one series %s%v, found %d: %v", name, want, len(found), found)
	}
	return s.samples[found[0]]
}

// getMetrics GETs /metrics of the metrics port and returns the body; with
// METRICS_SCRAPE_OUT set it also writes it there (the charts' check of the
// metric names in alerts and panels reads it in .ci/run).
func getMetrics(t *testing.T, addr string) string {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain; version=0.0.4") {
		t.Fatalf("GET /metrics: %s %q", resp.Status, resp.Header.Get("Content-Type"))
	}
	if out := os.Getenv("METRICS_SCRAPE_OUT"); out != "" {
		if err := os.WriteFile(out, body, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return string(body)
}

// TestMetricsEndpointCountsCalls is the acceptance test of the metrics
// endpoint: the real binary with real Postgres and Redis, 100 GetUser calls
// over gRPC, then GET /metrics on METRICS_PORT (not on the REST port) shows
// the gRPC server duration histogram with those 100 calls counted, the
// breaker states, the build info and every metric of configs/metrics.json
// with its type and labels.
func TestMetricsEndpointCountsCalls(t *testing.T) {
	dsn := testutil.NewDatabase(t, "TEST_DATABASE_URL")
	redisAddr := testutil.Env(t, "TEST_REDIS_ADDR")
	_, addrs := startServer(t,
		"DATABASE_URL="+dsn, "REDIS_ADDR="+redisAddr,
		"LOG_LEVEL=info", "DB_MIN_CONNS=1", "DB_MAX_CONNS=4", "SHUTDOWN_DRAIN_SECONDS=0",
	)

	conn, err := grpc.NewClient("passthrough:///"+addrs.GRPC,
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close() }()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	health := healthpb.NewHealthClient(conn)
	for {
		resp, err := health.Check(ctx, &healthpb.HealthCheckRequest{Service: "user.v1.UserService"})
		if err == nil && resp.GetStatus() == healthpb.HealthCheckResponse_SERVING {
			break
		}
		if ctx.Err() != nil {
			t.Fatal("server never became ready")
		}
		time.Sleep(20 * time.Millisecond)
	}
	users := userv1.NewUserServiceClient(conn)
	created, err := users.CreateUser(ctx, &userv1.CreateUserRequest{Name: "Metrics", Email: "metrics@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	const calls = 100
	for range calls {
		if _, err := users.GetUser(ctx, &userv1.GetUserRequest{Id: created.GetUser().GetId()}); err != nil {
			t.Fatal(err)
		}
	}
	// The public REST port does not serve the metrics.
	onREST, err := http.Get("http://" + addrs.HTTP + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	_ = onREST.Body.Close()
	if onREST.StatusCode == http.StatusOK {
		t.Errorf("GET /metrics on the REST port: %s, want no metrics there", onREST.Status)
	}

	s := parseScrape(t, getMetrics(t, addrs.Metrics))

	getUser := []string{`rpc_method="user.v1.UserService/GetUser"`, `rpc_response_status_code="OK"`}
	if got := s.find(t, "rpc_server_call_duration_seconds_count", getUser...); got != calls {
		t.Errorf("gRPC server duration count of GetUser = %v, want %d", got, calls)
	}
	if got := s.find(t, "rpc_server_call_duration_seconds_bucket", append(getUser, `le="+Inf"`)...); got != calls {
		t.Errorf("GetUser +Inf bucket = %v, want %d", got, calls)
	}
	if got := s.find(t, "user_service_breaker_state", `breaker="postgres"`, `state="closed"`); got != 1 {
		t.Errorf("postgres breaker closed = %v, want 1", got)
	}
	if got := s.find(t, "user_service_breaker_state", `breaker="postgres"`, `state="open"`); got != 0 {
		t.Errorf("postgres breaker open = %v, want 0", got)
	}
	if got := s.find(t, "user_service_breaker_state", `breaker="redis"`, `state="closed"`); got != 1 {
		t.Errorf("redis breaker closed = %v, want 1", got)
	}
	if got := s.find(t, "user_service_build_info", `version="dev"`); got != 1 {
		t.Errorf("build info = %v, want 1", got)
	}
	hits := s.find(t, "user_service_cache_lookups_total", `cache_result="hit"`)
	misses := s.find(t, "user_service_cache_lookups_total", `cache_result="miss"`)
	if hits+misses != calls || hits < calls-1 {
		t.Errorf("cache lookups: %v hits, %v misses, want %d in all, nearly all hits", hits, misses, calls)
	}
	if got := s.find(t, "db_client_connection_max"); got != 4 {
		t.Errorf("pool max = %v, want DB_MAX_CONNS 4", got)
	}
	// One REST call (through the gateway, so one more gRPC call), for the
	// HTTP server metric.
	rest, err := http.Get("http://" + addrs.HTTP + "/v1/users/" + created.GetUser().GetId())
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, rest.Body)
	_ = rest.Body.Close()
	s = parseScrape(t, getMetrics(t, addrs.Metrics))
	if got := s.find(t, "rpc_server_call_duration_seconds_count", getUser...); got != calls+1 {
		t.Errorf("gRPC server duration count of GetUser after a REST call = %v, want %d", got, calls+1)
	}
	if got := s.find(t, "http_server_request_duration_seconds_count",
		`http_route="/v1/users/{id}"`, `http_response_status_code="200"`); got != 1 {
		t.Errorf("REST GetUser count = %v, want 1", got)
	}

	// Every metric of configs/metrics.json, with its type and labels, and
	// nothing of the service's own that the list does not name.
	list := loadMetricList(t)
	var listed []string
	for _, m := range list.Metrics {
		listed = append(listed, m.Prometheus)
		typ, ok := s.types[m.Prometheus]
		if !ok {
			t.Errorf("%s (%s): not in the scrape", m.Prometheus, m.Otel)
			continue
		}
		if typ != m.Type {
			t.Errorf("%s: TYPE %s, metrics.json says %s", m.Prometheus, typ, m.Type)
		}
		series := m.Prometheus
		if m.Type == "histogram" {
			series += "_count"
		}
		for name := range s.samples {
			n, labels, _ := strings.Cut(name, "{")
			if n != series {
				continue
			}
			for _, l := range m.Labels {
				// http_route is only there when a route matched (not on a 404).
				optional := m.Prometheus == "http_server_request_duration_seconds" && l == "http_route"
				if !optional && !strings.Contains(labels, l+`="`) {
					t.Errorf("%s: series %s has no label %s", m.Prometheus, name, l)
				}
			}
		}
	}
	for name := range s.types {
		if !slices.Contains(listed, name) {
			t.Errorf("the scrape has %s, which configs/metrics.json does not list", name)
		}
	}
}

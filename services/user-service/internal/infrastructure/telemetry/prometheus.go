package telemetry

import (
	"bufio"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// PrometheusHandler serves what reader collects in the Prometheus text
// exposition format 0.0.4, named the way the OpenTelemetry Prometheus
// exporter names them (PrometheusName): histograms as _bucket/_sum/_count,
// monotonic sums as counters, everything else as gauges.
func PrometheusHandler(reader metric.Reader) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		var rm metricdata.ResourceMetrics
		if err := reader.Collect(r.Context(), &rm); err != nil {
			http.Error(w, "collect metrics: "+err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		bw := bufio.NewWriter(w)
		WritePrometheus(bw, rm)
		_ = bw.Flush()
	})
}

// PrometheusName is the exposition name of an instrument: dots (and any other
// character Prometheus does not allow) to underscores, the unit as a suffix
// (s -> _seconds, ms -> _milliseconds, By -> _bytes; annotations such as
// {connection} and "1" add nothing), and _total for counters.
func PrometheusName(name, unit string, counter bool) string {
	n := sanitize(name)
	if suffix := unitSuffix(unit); suffix != "" && !strings.HasSuffix(n, suffix) {
		n += suffix
	}
	if counter && !strings.HasSuffix(n, "_total") {
		n += "_total"
	}
	return n
}

func unitSuffix(unit string) string {
	switch unit {
	case "s":
		return "_seconds"
	case "ms":
		return "_milliseconds"
	case "By":
		return "_bytes"
	default:
		return ""
	}
}

func sanitize(s string) string {
	b := []byte(s)
	for i, c := range b {
		ok := c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' && i > 0
		if !ok {
			b[i] = '_'
		}
	}
	return string(b)
}

type family struct {
	name, help, typ string
	lines           []string
}

// WritePrometheus writes rm in the text format, families sorted by name.
func WritePrometheus(w *bufio.Writer, rm metricdata.ResourceMetrics) {
	families := map[string]*family{}
	add := func(name, help, typ string, lines ...string) {
		f := families[name]
		if f == nil {
			f = &family{name: name, help: help, typ: typ}
			families[name] = f
		}
		f.lines = append(f.lines, lines...)
	}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				name := PrometheusName(m.Name, m.Unit, d.IsMonotonic)
				add(name, m.Description, sumType(d.IsMonotonic), points(name, d.DataPoints)...)
			case metricdata.Sum[float64]:
				name := PrometheusName(m.Name, m.Unit, d.IsMonotonic)
				add(name, m.Description, sumType(d.IsMonotonic), points(name, d.DataPoints)...)
			case metricdata.Gauge[int64]:
				name := PrometheusName(m.Name, m.Unit, false)
				add(name, m.Description, "gauge", points(name, d.DataPoints)...)
			case metricdata.Gauge[float64]:
				name := PrometheusName(m.Name, m.Unit, false)
				add(name, m.Description, "gauge", points(name, d.DataPoints)...)
			case metricdata.Histogram[float64]:
				name := PrometheusName(m.Name, m.Unit, false)
				add(name, m.Description, "histogram", histogram(name, d.DataPoints)...)
			case metricdata.Histogram[int64]:
				name := PrometheusName(m.Name, m.Unit, false)
				add(name, m.Description, "histogram", histogram(name, d.DataPoints)...)
			}
		}
	}
	names := make([]string, 0, len(families))
	for n := range families {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		f := families[n]
		slices.Sort(f.lines) // series by series (a histogram's lines stay together, in order)
		if f.help != "" {
			fmt.Fprintf(w, "# HELP %s %s\n", n, escapeHelp(f.help))
		}
		fmt.Fprintf(w, "# TYPE %s %s\n", n, f.typ)
		for _, l := range f.lines {
			_, _ = w.WriteString(l)
		}
	}
}

func sumType(monotonic bool) string {
	if monotonic {
		return "counter"
	}
	return "gauge"
}

func points[N int64 | float64](name string, dps []metricdata.DataPoint[N]) []string {
	out := make([]string, 0, len(dps))
	for _, dp := range dps {
		out = append(out, sample(name, labels(dp.Attributes, ""), float64(dp.Value)))
	}
	return out
}

func histogram[N int64 | float64](name string, dps []metricdata.HistogramDataPoint[N]) []string {
	out := make([]string, 0, len(dps))
	for _, dp := range dps {
		// One chunk per series: its buckets in order, then _sum and _count.
		var b strings.Builder
		var cumulative uint64
		for i, bound := range dp.Bounds {
			if i < len(dp.BucketCounts) {
				cumulative += dp.BucketCounts[i]
			}
			b.WriteString(sample(name+"_bucket", labels(dp.Attributes, formatFloat(bound)), float64(cumulative)))
		}
		b.WriteString(sample(name+"_bucket", labels(dp.Attributes, "+Inf"), float64(dp.Count)))
		b.WriteString(sample(name+"_sum", labels(dp.Attributes, ""), float64(dp.Sum)))
		b.WriteString(sample(name+"_count", labels(dp.Attributes, ""), float64(dp.Count)))
		out = append(out, b.String())
	}
	return out
}

func labels(set attribute.Set, le string) string {
	var parts []string
	for _, kv := range set.ToSlice() {
		parts = append(parts, sanitize(string(kv.Key))+`="`+escapeValue(kv.Value.String())+`"`)
	}
	if le != "" {
		parts = append(parts, `le="`+le+`"`)
	}
	if len(parts) == 0 {
		return ""
	}
	return "{" + strings.Join(parts, ",") + "}"
}

func sample(name, labels string, v float64) string {
	return name + labels + " " + formatFloat(v) + "\n"
}

func formatFloat(v float64) string {
	switch {
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	case math.IsNaN(v):
		return "NaN"
	default:
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
}

var (
	valueEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	helpEscaper  = strings.NewReplacer(`\`, `\\`, "\n", `\n`)
)

func escapeValue(s string) string { return valueEscaper.Replace(s) }
func escapeHelp(s string) string  { return helpEscaper.Replace(s) }

package main

// Results: what each workload measured, printed as one line and written
// as JSON for the comparison report.

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"
)

// Metric is one measured number. Better is "higher" or "lower"; NA marks
// a measurement the server could not take part in (e.g. SORT without the
// SORT capability).
type Metric struct {
	Name   string  `json:"name"`
	Value  float64 `json:"value"`
	Unit   string  `json:"unit"`
	Better string  `json:"better"`
	NA     bool    `json:"na,omitempty"`
}

// Result is one workload run.
type Result struct {
	Workload string           `json:"workload"`
	Seconds  float64          `json:"seconds"`
	Metrics  []Metric         `json:"metrics"`
	Counts   map[string]int64 `json:"counts"`
	Notes    []string         `json:"notes,omitempty"`
	Error    string           `json:"error,omitempty"`
}

// Report is the whole JSON file.
type Report struct {
	Label   string    `json:"label"`
	Addr    string    `json:"addr"`
	Started time.Time `json:"started"`
	Results []*Result `json:"results"`
}

func newResult(workload string) *Result {
	return &Result{Workload: workload, Counts: map[string]int64{}}
}

func (r *Result) add(name string, value float64, unit, better string) {
	r.Metrics = append(r.Metrics, Metric{Name: name, Value: value, Unit: unit, Better: better})
}

func (r *Result) addNA(name, unit, better string) {
	r.Metrics = append(r.Metrics, Metric{Name: name, Unit: unit, Better: better, NA: true})
}

func (r *Result) addDuration(name string, d time.Duration) {
	r.add(name, float64(d.Microseconds())/1000, "ms", "lower")
}

func (r *Result) metric(name string) (Metric, bool) {
	for _, m := range r.Metrics {
		if m.Name == name {
			return m, true
		}
	}
	return Metric{}, false
}

// Line is the human summary: "workload: name=value unit, ...".
func (r *Result) Line() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-7s", r.Workload)
	if r.Error != "" {
		fmt.Fprintf(&b, " ERROR %s;", r.Error)
	}
	for _, m := range r.Metrics {
		if m.NA {
			fmt.Fprintf(&b, " %s=n/a", m.Name)
			continue
		}
		fmt.Fprintf(&b, " %s=%s%s", m.Name, formatValue(m.Value), m.Unit)
	}
	keys := make([]string, 0, len(r.Counts))
	for k := range r.Counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, " #%s=%d", k, r.Counts[k])
	}
	fmt.Fprintf(&b, " (%.1fs)", r.Seconds)
	return b.String()
}

func formatValue(v float64) string {
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.3g", v)
	}
}

// Latencies collects durations per command name from many goroutines.
type Latencies struct {
	mu  sync.Mutex
	per map[string][]time.Duration
}

func newLatencies() *Latencies { return &Latencies{per: map[string][]time.Duration{}} }

func (l *Latencies) Add(name string, d time.Duration) {
	l.mu.Lock()
	l.per[name] = append(l.per[name], d)
	l.mu.Unlock()
}

// Names returns the command names seen, sorted.
func (l *Latencies) Names() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	names := make([]string, 0, len(l.per))
	for n := range l.per {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Samples returns a sorted copy of the durations of name.
func (l *Latencies) Samples(name string) []time.Duration {
	l.mu.Lock()
	s := append([]time.Duration(nil), l.per[name]...)
	l.mu.Unlock()
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s
}

// percentile of sorted samples (nearest rank); 0 when empty.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted))*p/100+0.5) - 1
	i = max(0, min(i, len(sorted)-1))
	return sorted[i]
}

func perSecond(n float64, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return n / d.Seconds()
}

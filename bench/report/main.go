// Command report turns the JSON files written by cmd/imapload during
// bench/compare.sh (results/roost-N.json, results/dovecot-N.json and
// results/machine.txt) into BENCHMARKS.md, an SVG chart, and a ratio
// table on stdout. Medians are taken over the rounds.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// The JSON shapes written by cmd/imapload (only the fields used here).
type metric struct {
	Name   string  `json:"name"`
	Value  float64 `json:"value"`
	Unit   string  `json:"unit"`
	Better string  `json:"better"`
	NA     bool    `json:"na"`
}

type result struct {
	Workload string           `json:"workload"`
	Metrics  []metric         `json:"metrics"`
	Counts   map[string]int64 `json:"counts"`
	Notes    []string         `json:"notes"`
	Error    string           `json:"error"`
}

type report struct {
	Label   string    `json:"label"`
	Results []*result `json:"results"`
}

// row is one metric of one workload across both servers.
type row struct {
	Workload, Name, Unit, Better string
	Roost, Dovecot               []float64 // one value per round (NA left out)
	RoostNA, DovecotNA           bool
}

func (r *row) key() string { return r.Workload + "." + r.Name }

const (
	labelA = "roost"
	labelB = "dovecot"
)

func main() {
	dir := flag.String("results", "", "directory with roost-N.json, dovecot-N.json, machine.txt")
	md := flag.String("md", "BENCHMARKS.md", "Markdown file to write")
	svg := flag.String("svg", "bench/chart.svg", "SVG chart to write")
	analysis := flag.String("analysis", "", "Markdown appended as the analysis section (optional)")
	flag.Parse()
	if err := run(*dir, *md, *svg, *analysis, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
		os.Exit(1)
	}
}

func run(dir, mdPath, svgPath, analysisPath string, stdout io.Writer) error {
	rows, errs, notes, rounds, err := load(dir, "")
	if err != nil {
		return err
	}
	sets, err := loadSets(dir)
	if err != nil {
		return err
	}
	all := rows
	for _, s := range sets {
		all = append(all, s.Rows...)
		errs = append(errs, s.Errs...)
		notes = append(notes, s.Notes...)
	}
	machine, _ := os.ReadFile(filepath.Join(dir, "machine.txt"))
	var analysis []byte
	if analysisPath != "" {
		analysis, _ = os.ReadFile(analysisPath)
	}
	fmt.Fprint(stdout, ratioTable(all))
	if err := os.WriteFile(svgPath, []byte(chart(all)), 0o644); err != nil {
		return err
	}
	doc := markdown(rows, sets, errs, notes, rounds, string(machine), string(analysis), relPath(mdPath, svgPath))
	return os.WriteFile(mdPath, []byte(doc), 0o644)
}

func relPath(mdPath, svgPath string) string {
	rel, err := filepath.Rel(filepath.Dir(mdPath), svgPath)
	if err != nil {
		return svgPath
	}
	return filepath.ToSlash(rel)
}

// load reads every round of both servers: prefix+"roost-N.json" and
// prefix+"dovecot-N.json" (prefix "" for the main run, "SET-" for a
// separate set, sets.go).
func load(dir, prefix string) (rows []*row, errs, notes []string, rounds int, err error) {
	byKey := map[string]*row{}
	for _, label := range []string{labelA, labelB} {
		files, _ := filepath.Glob(filepath.Join(dir, prefix+label+"-*.json"))
		sort.Strings(files)
		rounds = max(rounds, len(files))
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				return nil, nil, nil, 0, err
			}
			var rep report
			if err := json.Unmarshal(b, &rep); err != nil {
				return nil, nil, nil, 0, fmt.Errorf("%s: %w", f, err)
			}
			for _, res := range rep.Results {
				if res.Error != "" {
					errs = append(errs, fmt.Sprintf("%s: %s: %s", filepath.Base(f), res.Workload, res.Error))
				}
				for _, n := range res.Notes {
					notes = append(notes, fmt.Sprintf("%s: %s: %s", filepath.Base(f), res.Workload, n))
				}
				for _, m := range res.Metrics {
					k := res.Workload + "." + m.Name
					r := byKey[k]
					if r == nil {
						r = &row{Workload: res.Workload, Name: m.Name, Unit: m.Unit, Better: m.Better}
						byKey[k] = r
						rows = append(rows, r)
					}
					switch {
					case m.NA && label == labelA:
						r.RoostNA = true
					case m.NA:
						r.DovecotNA = true
					case label == labelA:
						r.Roost = append(r.Roost, m.Value)
					default:
						r.Dovecot = append(r.Dovecot, m.Value)
					}
				}
			}
		}
	}
	if len(rows) == 0 {
		return nil, nil, nil, 0, fmt.Errorf("no results in %s", dir)
	}
	return rows, errs, notes, rounds, nil
}

func median(v []float64) (float64, bool) {
	if len(v) == 0 {
		return 0, false
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2], true
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2, true
}

// advantage is how many times better Roost is (>1) or worse (<1),
// whatever the direction of the metric.
func (r *row) advantage() (float64, bool) {
	a, okA := median(r.Roost)
	b, okB := median(r.Dovecot)
	if !okA || !okB || a <= 0 || b <= 0 {
		return 0, false
	}
	if r.Better == "lower" {
		return b / a, true
	}
	return a / b, true
}

func (r *row) ratio() (float64, bool) {
	a, okA := median(r.Roost)
	b, okB := median(r.Dovecot)
	if !okA || !okB || b == 0 {
		return 0, false
	}
	return a / b, true
}

func cell(v []float64, na bool) string {
	if na {
		return "n/a"
	}
	m, ok := median(v)
	if !ok {
		return "-"
	}
	return num(m)
}

func num(v float64) string {
	switch {
	case v >= 1000:
		return fmt.Sprintf("%.0f", v)
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	case v >= 1:
		return fmt.Sprintf("%.2f", v)
	default:
		return fmt.Sprintf("%.3g", v)
	}
}

func verdict(r *row) string {
	adv, ok := r.advantage()
	switch {
	case !ok:
		return ""
	case adv >= 1.1:
		return fmt.Sprintf("Roost %.1f× better", adv)
	case adv <= 1/1.1:
		return fmt.Sprintf("**Dovecot %.1f× better**", 1/adv)
	default:
		return "even (±10%)"
	}
}

// ratioTable is the plain-text summary printed by compare.sh.
func ratioTable(rows []*row) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-28s %-9s %12s %12s %8s  %s\n", "metric", "unit", "roost", "dovecot", "ratio", "verdict")
	for _, r := range rows {
		ratio := "-"
		if x, ok := r.ratio(); ok {
			ratio = fmt.Sprintf("%.2f", x)
		}
		fmt.Fprintf(&b, "%-28s %-9s %12s %12s %8s  %s\n", r.key(), r.Unit, cell(r.Roost, r.RoostNA),
			cell(r.Dovecot, r.DovecotNA), ratio, strings.Trim(verdict(r), "*"))
	}
	return b.String()
}

func markdown(rows []*row, sets []*resultSet, errs, notes []string, rounds int, machine, analysis, chartPath string) string {
	var b strings.Builder
	b.WriteString("# Benchmarks: Roost and Dovecot side by side\n\n")
	b.WriteString("Generated by `bench/compare.sh` (do not edit by hand; the analysis section comes from `bench/analysis.md`).\n")
	fmt.Fprintf(&b, "Both servers run on loopback on the same machine, driven by `cmd/imapload` in alternation (Roost, Dovecot, Roost, Dovecot, ...) for %d rounds; every number is the median over the rounds. ", rounds)
	b.WriteString("The ratio is Roost ÷ Dovecot; the verdict says who is better, whichever way the metric points (throughput: higher is better; times and memory: lower is better).\n\n")
	fmt.Fprintf(&b, "![Roost vs Dovecot](%s)\n\n", chartPath)
	b.WriteString("## Machine and versions\n\n")
	for _, l := range strings.Split(strings.TrimSpace(machine), "\n") {
		if l != "" {
			fmt.Fprintf(&b, "- %s\n", l)
		}
	}
	b.WriteString("\n## Results\n")
	workload := ""
	for _, r := range rows {
		if r.Workload != workload {
			workload = r.Workload
			fmt.Fprintf(&b, "\n### %s\n\n%s\n\n", workload, describe[workload])
			writeTableHeader(&b)
		}
		writeTableRow(&b, r)
	}
	writeSets(&b, sets)
	if len(errs) > 0 {
		b.WriteString("\n### Errors during the run\n\n")
		for _, e := range errs {
			fmt.Fprintf(&b, "- %s\n", e)
		}
	}
	if len(notes) > 0 {
		b.WriteString("\n### Notes from the load tool\n\n")
		for _, n := range dedupe(notes) {
			fmt.Fprintf(&b, "- %s\n", n)
		}
	}
	b.WriteString(method)
	if strings.TrimSpace(analysis) != "" {
		b.WriteString("\n")
		b.WriteString(strings.TrimSpace(analysis))
		b.WriteString("\n")
	}
	return b.String()
}

func writeTableHeader(b *strings.Builder) {
	b.WriteString("| metric | unit | Roost | Dovecot | ratio | verdict | Roost rounds | Dovecot rounds |\n")
	b.WriteString("| --- | --- | ---: | ---: | ---: | --- | --- | --- |\n")
}

func writeTableRow(b *strings.Builder, r *row) {
	ratio := ""
	if x, ok := r.ratio(); ok {
		ratio = fmt.Sprintf("%.2f", x)
	}
	fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s | %s | %s |\n", r.Name, r.Unit,
		cell(r.Roost, r.RoostNA), cell(r.Dovecot, r.DovecotNA), ratio, verdict(r), rounds2(r.Roost, r.RoostNA), rounds2(r.Dovecot, r.DovecotNA))
}

func rounds2(v []float64, na bool) string {
	if na {
		return "n/a"
	}
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = num(x)
	}
	return strings.Join(s, " / ")
}

func dedupe(s []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range s {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

var describe = map[string]string{
	"append":     "Concurrent clients APPEND the run's message set (\"Messages\" above: imapload's built-in generated set, or a directory of real messages) one message per round trip, each into its own mailbox.",
	"mixed":      "Concurrent clients each run mail-client sessions in a loop: connect, LOGIN, SELECT (200 messages), FETCH (FLAGS ENVELOPE) of the newest 50, STORE +FLAGS \\Seen on 10, APPEND, STORE \\Deleted + EXPUNGE the oldest, LOGOUT. Latencies are per command over all sessions. LOGIN verifies an argon2id hash (the same hash in both servers).",
	"bigbox":     "One mailbox of BIGBOX generated ~1 KB messages, filled once (MULTIAPPEND batches of 500) and reused by later rounds; then each command once on a fresh session. SORT is only run where the server advertises it.",
	"body":       "Concurrent clients download a mailbox holding the run's message set with `FETCH 1:* BODY.PEEK[]` repeatedly; MB/s of message bytes received.",
	"loginstorm": loginstormDescription,
	"idle":       "IDLE_N connections log in (IDLE_DIALERS at a time), SELECT one mailbox and IDLE. Memory per connection is the marginal cost: the server's growth from IDLE_N/2 to IDLE_N connections divided by IDLE_N/2 (both points come after the same burst of logins, so password-hashing heap is not counted as per-connection memory); for Dovecot summed over the master and all its children (one imap process per connection). rss_growth is the whole growth from before the first idler. Then another connection APPENDs IDLE_DELIVERIES times and the time until each idler reads the EXISTS is recorded.",
}

const loginstormDescription = "STORM_N accounts with default-strength argon2id hashes (the same strings in both servers) connect and LOGIN at the same moment on a freshly restarted server, as after a restart or a network blip: storm_all_in is the time until the last one is in (every login a first one: a full hash on both servers), storm_server_cpu_per_login_ms the server's CPU time per login of the storm (for Dovecot summed over all its processes). Then STORM_CLIENTS clients connect, LOGIN and LOGOUT in a loop on the same accounts, STORM_REPEATS times: the repeat-login rate, LOGIN latency, and the server's CPU time per reconnect (connect + LOGIN + LOGOUT; for Dovecot summed over all its processes). Roost remembers a verified password for 15 minutes (logins.cache_ttl); Dovecot runs with its default, no auth cache (auth_cache_size = 0)."

const method = `
## How it is measured

- ` + "`bench/compare.sh`" + ` builds Roost and the load tool from the working tree, creates USERS
  accounts in Roost, copies Roost's argon2id password hashes into Dovecot's passwd-file
  (Dovecot verifies the very same strings), starts a private Dovecot from ` + "`bench/dovecot.conf.in`" + `
  (maildir, Dovecot's default fsync behaviour, no auth cache, connection limits raised) and Roost
  (SQLite store, defaults), then runs every workload against each server in turn, ROUNDS times.
- Both servers and the load tool share the same 2 cores, so every number includes the load tool's
  own CPU use; the tool is the same for both servers.
- RSS counts shared pages in every process that maps them, which overstates a forking server; PSS
  splits them and is the fairer number for Dovecot.
- Reproduce with ` + "`bench/compare.sh`" + ` (full) or ` + "`QUICK=1 bench/compare.sh`" + `; sizes are environment
  variables listed at the top of the script.
`

// chart draws one horizontal bar per headline metric on a log scale:
// right of the centre line Roost is better, left Dovecot.
func chart(rows []*row) string {
	type bar struct {
		label string
		adv   float64
	}
	var bars []bar
	for _, r := range rows {
		if !headline(r) {
			continue
		}
		if adv, ok := r.advantage(); ok {
			bars = append(bars, bar{r.key(), adv})
		}
	}
	const (
		width, left, right = 900, 250, 40
		rowH, top          = 22, 50
		maxLog             = 6.0 // 64x at the edges
	)
	height := top + rowH*len(bars) + 40
	plot := float64(width - left - right)
	mid := float64(left) + plot/2
	x := func(adv float64) float64 {
		l := math.Max(-maxLog, math.Min(maxLog, math.Log2(adv)))
		return mid + l/maxLog*plot/2
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="12">`+"\n", width, height)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	fmt.Fprintf(&b, `<text x="%d" y="20" font-size="15" font-weight="bold">Roost vs Dovecot (median of rounds; log scale)</text>`+"\n", left)
	fmt.Fprintf(&b, `<text x="%.0f" y="38" text-anchor="end" fill="#b5542b">← Dovecot better</text>`+"\n", mid-8)
	fmt.Fprintf(&b, `<text x="%.0f" y="38" fill="#2b6cb5">Roost better →</text>`+"\n", mid+8)
	for _, t := range []float64{1.0 / 64, 1.0 / 16, 1.0 / 4, 1, 4, 16, 64} {
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#ddd"/>`+"\n", x(t), top-4, x(t), height-30)
		lbl := fmt.Sprintf("%g×", t)
		if t < 1 {
			lbl = fmt.Sprintf("%g×", 1/t)
		}
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle" fill="#666">%s</text>`+"\n", x(t), height-14, lbl)
	}
	for i, br := range bars {
		y := top + i*rowH
		x0, x1 := mid, x(br.adv)
		color := "#2b6cb5"
		if br.adv < 1 {
			x0, x1, color = x1, mid, "#b5542b"
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end">%s</text>`+"\n", left-8, y+15, br.label)
		fmt.Fprintf(&b, `<rect x="%.1f" y="%d" width="%.1f" height="%d" fill="%s"/>`+"\n", x0, y+3, math.Max(1, x1-x0), rowH-6, color)
		factor := br.adv
		if factor < 1 {
			factor = 1 / factor
		}
		tx, anchor := x1+4, "start"
		if br.adv < 1 {
			tx, anchor = x0-4, "end"
		}
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="%s" fill="#333">%.2g×</text>`+"\n", tx, y+15, anchor, factor)
	}
	fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#000"/>`+"\n", mid, top-4, mid, height-30)
	b.WriteString("</svg>\n")
	return b.String()
}

// headline leaves the detail rows (tail latencies, connect/logout,
// totals) out of the chart; they stay in the tables.
func headline(r *row) bool {
	n := r.Name
	switch {
	case strings.HasSuffix(n, "_p99") && !strings.HasPrefix(r.Workload, "idle"):
		return false
	case strings.HasPrefix(n, "CONNECT_"), strings.HasPrefix(n, "LOGOUT_"):
		return false
	case n == "rss_growth_MiB", n == "sessions_per_s", n == "setup_conns_per_s", strings.HasPrefix(n, "login_"):
		return false
	}
	return true
}

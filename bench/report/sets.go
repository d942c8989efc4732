package main

// Separate result sets: runs of some workloads at other sizes than the main
// run (bench/compare.sh with RESULTS_SET=NAME), stored next to the main
// run's files as NAME-roost-N.json, NAME-dovecot-N.json and
// NAME-machine.txt. Each gets its own table in BENCHMARKS.md, with its own
// date, sizes and rounds, and its rows are named after the set (e.g.
// idle10k.exists_p99_ms) in the ratio table and the chart.

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// resultSet is one separate run.
type resultSet struct {
	Name    string
	Rows    []*row
	Errs    []string
	Notes   []string
	Rounds  int
	Machine string
}

// describeSet explains the sets bench/compare.sh documents; others get a
// generic line.
var describeSet = map[string]string{
	"loginstorm":    "The loginstorm workload alone (`WORKLOADS=loginstorm RESULTS_SET=loginstorm bench/compare.sh`). " + loginstormDescription,
	"loginstorm200": "The loginstorm workload alone with 200 accounts (`WORKLOADS=loginstorm ROUNDS=1 STORM_N=200 STORM_TIME=120s RESULTS_SET=loginstorm200 bench/compare.sh`), measured as in the loginstorm table.",
	"idle10k":       "The idle workload alone at 10,000 connections (`WORKLOADS=idle IDLE_N=10000 RESULTS_SET=idle10k bench/compare.sh`), measured as in the idle table above. Every connection logs in as one account whose argon2id hash is deliberately cheap (the same string in both servers; see IDLE_HASH_PARAMS in `bench/compare.sh`), so the setup measures each server's connection and login handling rather than 10,000 default-strength hashes (25 minutes per server). login_p50/p99 is connect + greeting + LOGIN with IDLE_DIALERS connections being set up at once; setup_conns_per_s counts SELECT and IDLE too.",
}

// loadSets finds every NAME-roost-*.json / NAME-dovecot-*.json set in dir.
func loadSets(dir string) ([]*resultSet, error) {
	files, _ := filepath.Glob(filepath.Join(dir, "*-"+labelA+"-*.json"))
	more, _ := filepath.Glob(filepath.Join(dir, "*-"+labelB+"-*.json"))
	names := map[string]bool{}
	for _, f := range append(files, more...) {
		base := filepath.Base(f)
		for _, label := range []string{labelA, labelB} {
			if name, _, ok := strings.Cut(base, "-"+label+"-"); ok && name != "" {
				names[name] = true
				break
			}
		}
	}
	var sets []*resultSet
	for name := range names {
		rows, errs, notes, rounds, err := load(dir, name+"-")
		if err != nil {
			return nil, fmt.Errorf("set %s: %w", name, err)
		}
		workloads := map[string]bool{}
		for _, r := range rows {
			workloads[r.Workload] = true
		}
		for _, r := range rows {
			if len(workloads) == 1 {
				r.Workload = name
			} else {
				r.Workload = name + "." + r.Workload
			}
		}
		machine, _ := os.ReadFile(filepath.Join(dir, name+"-machine.txt"))
		sets = append(sets, &resultSet{Name: name, Rows: rows, Errs: errs, Notes: notes, Rounds: rounds, Machine: string(machine)})
	}
	sort.Slice(sets, func(i, j int) bool { return sets[i].Name < sets[j].Name })
	return sets, nil
}

// writeSets appends one section per set: what it is, how it was run, and
// its table (one table even if it ran several workloads).
func writeSets(b *strings.Builder, sets []*resultSet) {
	for _, s := range sets {
		desc := describeSet[s.Name]
		if desc == "" {
			desc = "A separate run of some workloads (`RESULTS_SET=" + s.Name + " bench/compare.sh`)."
		}
		fmt.Fprintf(b, "\n### %s\n\n%s\n\n", s.Name, desc)
		for _, l := range strings.Split(strings.TrimSpace(s.Machine), "\n") {
			// The machine is the main run's; what differs is when, what
			// and at which sizes.
			if strings.HasPrefix(l, "Date:") || strings.HasPrefix(l, "Roost:") || strings.HasPrefix(l, "Workloads:") ||
				strings.HasPrefix(l, "Sizes:") || strings.HasPrefix(l, "Run time:") {
				fmt.Fprintf(b, "- %s\n", l)
			}
		}
		fmt.Fprintf(b, "- Rounds: %d (median over them)\n\n", s.Rounds)
		writeTableHeader(b)
		for _, r := range s.Rows {
			writeTableRow(b, r)
		}
	}
}

package main

// Runs every workload briefly against an in-process Roost (real server,
// real SQLite store in t.TempDir(), real loopback sockets) and checks the
// exact counts the tool reports. Speed is not judged here.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"roost/internal/auth"
	"roost/internal/imap/server"
	"roost/internal/store/sqlite"
)

const (
	testUsers = 3
	testPass  = "load-secret"
)

func TestMain(m *testing.M) {
	restore := auth.UseParams(auth.TestParams)
	code := m.Run()
	restore()
	os.Exit(code)
}

// startRoost serves a fresh store with users load0..load{testUsers-1}.
func startRoost(t testing.TB) string {
	t.Helper()
	st, err := sqlite.Open(t.TempDir(), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < testUsers; i++ {
		hash, err := auth.Hash(testPass)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.CreateUser(context.Background(), fmt.Sprintf("load%d", i), hash); err != nil {
			t.Fatal(err)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := server.New(server.Config{Backend: st, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		<-done
		st.Close()
	})
	return ln.Addr().String()
}

func tinyConfig(t *testing.T, addr string) *Config {
	t.Helper()
	return &Config{
		Dial:        DialOptions{Addr: addr, TLS: "none", Timeout: 20 * time.Second},
		UserPattern: "load%d", Password: testPass, Users: testUsers,
		Messages: Generator{Seed: DefaultSeed}.Messages(40),

		AppendClients: 3, AppendCount: 20, AppendDuration: 30 * time.Second,
		MixedClients: 2, MixedSessions: 3, MixedBoxSize: 12, MixedDuration: 30 * time.Second,
		BigboxCount: 200, BigboxDuration: 30 * time.Second,
		BodyClients: 2, BodyRounds: 2, BodyDuration: 30 * time.Second,
		IdleConns: 5, IdleDeliveries: 2, IdleDialers: 2, IdleDuration: 30 * time.Second,
		IdleWaitPerSend: 20 * time.Second, ServerPID: os.Getpid(),
		StormAccounts: testUsers, StormClients: 2, StormRepeats: 20, StormDuration: 30 * time.Second,
	}
}

func TestWorkloadsAgainstRoost(t *testing.T) {
	cfg := tinyConfig(t, startRoost(t))
	ctx := context.Background()
	setBytes := totalSize(cfg.Messages)

	checks := []struct {
		run  func(context.Context, *Config) *Result
		want map[string]int64
	}{
		{runAppend, map[string]int64{"appended": 20, "stored": 20, "bytes": totalSize(cfg.Messages[:20])}},
		// 2 clients x 3 sessions x 8 commands (LOGIN SELECT FETCH STORE APPEND
		// STORE EXPUNGE LOGOUT); FETCH of the 12 messages each time.
		{runMixed, map[string]int64{"sessions": 6, "commands": 48, "fetch_responses": 72}},
		{runBigbox, map[string]int64{
			"exists": 200, "flags_responses": 200, "envelope_responses": 200,
			"subject_matches": 25, "body_matches": 40,
		}},
		{runBody, map[string]int64{"rounds": 4, "messages": 160, "bytes": 4 * setBytes}},
		{runIdle, map[string]int64{"connected": 5, "notified": 10, "procs_before": 1, "procs_after": 1}},
		{runLoginStorm, map[string]int64{"storm_logins": testUsers, "repeat_logins": 20}},
	}
	for _, c := range checks {
		res := c.run(ctx, cfg)
		if m, ok := res.metric("sort_date_ms"); ok && !m.NA {
			// The server advertises SORT: it must sort every message.
			c.want["sort_results"] = 200
		}
		t.Log(res.Line())
		if res.Error != "" {
			t.Fatalf("%s: %s", res.Workload, res.Error)
		}
		if len(res.Counts) != len(c.want) {
			t.Errorf("%s counts = %v, want exactly %v", res.Workload, res.Counts, c.want)
		}
		for k, v := range c.want {
			if res.Counts[k] != v {
				t.Errorf("%s: %s = %d, want %d", res.Workload, k, res.Counts[k], v)
			}
		}
	}
}

// A second bigbox run finds the mailbox full and does not refill it.
func TestBigboxReusesFilledMailbox(t *testing.T) {
	cfg := tinyConfig(t, startRoost(t))
	cfg.BigboxCount = 50
	first := runBigbox(context.Background(), cfg)
	second := runBigbox(context.Background(), cfg)
	for _, r := range []*Result{first, second} {
		if r.Error != "" || r.Counts["envelope_responses"] != 50 {
			t.Fatalf("bigbox: %s", r.Line())
		}
	}
	if _, ok := first.metric("fill_msgs_per_s"); !ok {
		t.Errorf("first run did not fill: %v", first.Notes)
	}
	if _, ok := second.metric("fill_msgs_per_s"); ok {
		t.Errorf("second run refilled: %v", second.Notes)
	}
	// SORT is timed only where advertised; otherwise the row is n/a.
	c, err := cfg.login(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Logout()
	if m, _ := first.metric("sort_date_ms"); m.NA == c.Has("SORT") {
		t.Errorf("sort_date_ms = %+v with SORT advertised = %v", m, c.Has("SORT"))
	}
}

// The command line runs the chosen workloads and writes the JSON report.
func TestCommandLineWritesJSON(t *testing.T) {
	addr := startRoost(t)
	out := filepath.Join(t.TempDir(), "r.json")
	var stdout, stderr strings.Builder
	code := realMain([]string{"-addr", addr, "-pass", testPass, "-users", "3",
		"-workloads", "append", "-append-clients", "2", "-append-count", "7", "-label", "roost", "-json", out},
		&stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d: %s%s", code, stdout.String(), stderr.String())
	}
	if !strings.HasPrefix(stdout.String(), "append ") || strings.Count(stdout.String(), "\n") != 1 {
		t.Errorf("stdout = %q, want one append line", stdout.String())
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var rep Report
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Label != "roost" || len(rep.Results) != 1 || rep.Results[0].Counts["appended"] != 7 {
		t.Errorf("report = %+v", rep)
	}
	// -json-append: the second part of a round adds its results.
	code = realMain([]string{"-addr", addr, "-pass", testPass, "-users", "3",
		"-workloads", "append", "-append-clients", "1", "-append-count", "3", "-label", "roost", "-json", out, "-json-append"},
		&stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d: %s%s", code, stdout.String(), stderr.String())
	}
	b, err = os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	rep = Report{}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Results) != 2 || rep.Results[0].Counts["appended"] != 7 || rep.Results[1].Counts["appended"] != 3 {
		t.Errorf("appended report = %+v", rep)
	}
}

func TestLiteralBytesAndSearchCount(t *testing.T) {
	line := []byte("* 1 FETCH (BODY[] {5}\r\nab}{c UID 4 BODY[1] {2}\r\nxy)")
	if got := literalBytes(line); got != 7 {
		t.Errorf("literalBytes = %d, want 7", got)
	}
	for in, want := range map[string]int{"* SEARCH 1 5 9": 3, "* SEARCH": 0, "* ESEARCH (TAG \"A\") UID COUNT 12": 12, "* SORT 3 1 2": 3} {
		if got, ok := searchCount([]byte(in)); !ok || got != want {
			t.Errorf("searchCount(%q) = %d, %v; want %d", in, got, ok, want)
		}
	}
}

package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// harness holds what TestMain prepares for every test: the roost binary.
type harness struct {
	bin string
}

// h is set once by TestMain before any test runs and never changed after.
var h harness

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "roost-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	h.bin = filepath.Join(dir, "roost")
	args := []string{"build", "-o", h.bin}
	if raceEnabled {
		args = append(args, "-race")
	}
	args = append(args, "roost/cmd/roost")
	build := exec.Command(goTool(), args...)
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: go %s: %v\n%s", strings.Join(args, " "), err, out)
		return 1
	}
	return m.Run()
}

// goTool finds the go command: `go test` puts its own GOROOT/bin first in
// the PATH of the tests it runs.
func goTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return filepath.Join(runtime.GOROOT(), "bin", "go")
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// result is what a finished roost command printed and its exit code.
type result struct {
	stdout, stderr string
	code           int
}

// roost runs the roost binary with args and stdin, bounded to a minute.
func roost(t testing.TB, stdin string, args ...string) result {
	t.Helper()
	return roostEnv(t, nil, stdin, args...)
}

// roostEnv is roost with extra environment variables ("NAME=value").
func roostEnv(t testing.TB, env []string, stdin string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, h.bin, args...)
	cmd.Stdin = strings.NewReader(stdin)
	cmd.Env = append(childEnv(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatalf("roost %s: %v", strings.Join(args, " "), err)
		}
		code = ee.ExitCode()
	}
	if strings.Contains(stderr.String(), "WARNING: DATA RACE") {
		t.Errorf("roost %s: data race:\n%s", strings.Join(args, " "), stderr.String())
	}
	return result{stdout: stdout.String(), stderr: stderr.String(), code: code}
}

// mustRoost runs roost and fails the test unless it exits 0.
func mustRoost(t testing.TB, stdin string, args ...string) result {
	t.Helper()
	r := roost(t, stdin, args...)
	if r.code != 0 {
		t.Fatalf("roost %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r
}

// childEnv is the environment of child processes: ours without anything
// that would point roost elsewhere. A -race binary sleeps a second at exit
// by default (GORACE atexit_sleep_ms) so that late races get reported; the
// tests run roost dozens of times, so that sleep is cut short.
func childEnv() []string {
	gorace := "atexit_sleep_ms=20"
	var env []string
	for _, kv := range os.Environ() {
		switch {
		case strings.HasPrefix(kv, "ROOST_"):
		case strings.HasPrefix(kv, "GORACE="):
			gorace = strings.TrimPrefix(kv, "GORACE=") + " " + gorace
		default:
			env = append(env, kv)
		}
	}
	return append(env, "GORACE="+gorace)
}

// addUser creates an account in dataDir through the CLI.
func addUser(t testing.TB, dataDir, name, password string) {
	t.Helper()
	mustRoost(t, password+"\n", "user", "add", name, "--data", dataDir, "--password-stdin")
}

// server is a running `roost serve` child process.
type server struct {
	t         testing.TB
	data      string
	cmd       *exec.Cmd
	logPath   string
	outPath   string
	imapAddr  string // "" if disabled
	imapsAddr string // "" if disabled
	done      chan struct{}
	waitErr   error
	stopOnce  sync.Once
}

var listeningRE = regexp.MustCompile(`msg=listening listener=(imaps?) addr=(\S+)`)

// startServer runs `roost serve --data dataDir` on fresh loopback ports plus
// extra flags, and waits until every listener is up. The process is killed
// at the end of the test if it is still running.
func startServer(t testing.TB, dataDir string, extra ...string) *server {
	t.Helper()
	logDir := t.TempDir()
	s := &server{
		t:       t,
		data:    dataDir,
		logPath: filepath.Join(logDir, "stderr.log"),
		outPath: filepath.Join(logDir, "stdout.log"),
		done:    make(chan struct{}),
	}
	args := append([]string{"serve", "--data", dataDir, "--imap", "127.0.0.1:0", "--imaps", "127.0.0.1:0", "--log-level", "debug"}, extra...)
	s.cmd = exec.Command(h.bin, args...)
	s.cmd.Env = childEnv()
	logFile, err := os.Create(s.logPath)
	if err != nil {
		t.Fatal(err)
	}
	outFile, err := os.Create(s.outPath)
	if err != nil {
		t.Fatal(err)
	}
	s.cmd.Stderr, s.cmd.Stdout = logFile, outFile
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("starting roost serve: %v", err)
	}
	logFile.Close()
	outFile.Close()
	go func() {
		s.waitErr = s.cmd.Wait()
		close(s.done)
	}()
	t.Cleanup(func() {
		s.kill()
		if log := s.log(); strings.Contains(log, "WARNING: DATA RACE") || strings.Contains(log, "panic") {
			t.Errorf("roost serve log shows a race or panic:\n%s", log)
		} else if t.Failed() {
			t.Logf("roost serve log (%s):\n%s", s.logPath, tail(log, 60))
		}
	})
	s.waitListening(args)
	return s
}

// waitListening polls the log for the "listening" lines, for at most 60 s
// (a -race binary generating its first certificate is slow on 2 cores).
func (s *server) waitListening(args []string) {
	s.t.Helper()
	want := 0
	for i, a := range args {
		if (a == "--imap" || a == "--imaps") && i+1 < len(args) && args[i+1] != "" {
			want++
		}
	}
	if want > 2 {
		want = 2 // a flag given twice: the last one wins
	}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		found := map[string]string{}
		for _, m := range listeningRE.FindAllStringSubmatch(s.log(), -1) {
			found[m[1]] = m[2]
		}
		if len(found) >= want && want > 0 {
			s.imapAddr, s.imapsAddr = found["imap"], found["imaps"]
			return
		}
		select {
		case <-s.done:
			s.t.Fatalf("roost serve exited early (%v):\n%s", s.waitErr, s.log())
		case <-time.After(20 * time.Millisecond):
		}
	}
	s.t.Fatalf("roost serve did not listen within 60s:\n%s", s.log())
}

func (s *server) log() string {
	b, _ := os.ReadFile(s.logPath)
	return string(b)
}

func (s *server) stdout() string {
	b, _ := os.ReadFile(s.outPath)
	return string(b)
}

// kill ends the process with SIGKILL (if it still runs) and reaps it.
func (s *server) kill() {
	s.stopOnce.Do(func() {
		select {
		case <-s.done:
			return
		default:
		}
		s.cmd.Process.Signal(syscall.SIGKILL)
		<-s.done
	})
}

// terminate sends SIGTERM and waits (at most 30 s) for the exit; it returns
// the exit code.
func (s *server) terminate() int {
	s.t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		s.t.Fatalf("SIGTERM: %v", err)
	}
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		s.kill()
		s.t.Fatalf("roost serve did not exit within 30s of SIGTERM:\n%s", s.log())
	}
	return s.cmd.ProcessState.ExitCode()
}

func tail(s string, lines int) string {
	parts := strings.Split(s, "\n")
	if len(parts) > lines {
		parts = parts[len(parts)-lines:]
	}
	return strings.Join(parts, "\n")
}

// portOf returns the port of a host:port address.
func portOf(addr string) string {
	return addr[strings.LastIndexByte(addr, ':')+1:]
}

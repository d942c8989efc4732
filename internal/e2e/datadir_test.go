package e2e

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestOneServerPerDataDir: a second `roost serve` on a data directory that
// a running server uses refuses to start, naming the first one, while the
// CLI commands keep working beside the running server; once the first
// stops, the directory can be served again.
func TestOneServerPerDataDir(t *testing.T) {
	data := t.TempDir()
	addUser(t, data, "alice", "alice-pw")
	s := startServer(t, data)

	r := roost(t, "", "serve", "--data", data, "--imap", "127.0.0.1:0", "--imaps", "127.0.0.1:0")
	lock := filepath.Join(data, "roost.lock")
	want := fmt.Sprintf("roost serve: another roost serve (pid %d) is already using the data directory %s (it holds %s); "+
		"stop it first or give this one another --data\n", s.cmd.Process.Pid, data, lock)
	if r.code != 1 || r.stderr != want || r.stdout != "" {
		t.Errorf("second serve: exit %d stdout %q stderr %q; want exit 1, stderr %q", r.code, r.stdout, r.stderr, want)
	}

	// The CLI works beside the server.
	mustRoost(t, "bob-pw\n", "user", "add", "bob", "--data", data, "--password-stdin")
	mustRoost(t, "alice-pw2\n", "user", "passwd", "alice", "--data", data, "--password-stdin")
	if r := mustRoost(t, "", "user", "list", "--data", data); r.stdout != "alice\nbob\n" {
		t.Errorf("user list beside the server: %q", r.stdout)
	}
	mustRoost(t, "", "check", "--data", data)
	mustRoost(t, "", "mailbox", "share", "create", "Team", "--data", data)
	if err := tryLogin(t, s, "bob", "bob-pw"); err != nil {
		t.Errorf("bob, added beside the server, cannot log in: %v", err)
	}

	if code := s.terminate(); code != 0 {
		t.Fatalf("exit code %d after SIGTERM", code)
	}
	s2 := startServer(t, data)
	if err := tryLogin(t, s2, "alice", "alice-pw2"); err != nil {
		t.Errorf("LOGIN on the second server after the first stopped: %v", err)
	}
}

// TestDataDirMustExist: commands that work on an existing store refuse a
// directory without one (instead of creating a store and reporting ok),
// and serve and user add create a missing data directory only inside an
// existing parent.
func TestDataDirMustExist(t *testing.T) {
	empty := t.TempDir()
	for _, args := range [][]string{
		{"check"}, {"user", "list"}, {"user", "delete", "alice", "--yes"}, {"user", "quota", "alice"},
		{"mailbox", "list-shared"}, {"metadata", "get", "/shared/admin"},
	} {
		name := args[0]
		r := roost(t, "", append(args, "--data", empty)...)
		want := "roost " + name + ": no Roost store in " + empty + " (it has no roost.db; roost user add or roost serve creates one there)\n"
		if r.code != 1 || r.stderr != want || r.stdout != "" {
			t.Errorf("roost %s on an empty directory: exit %d stdout %q stderr %q; want 1, %q", strings.Join(args, " "), r.code, r.stdout, r.stderr, want)
		}
	}
	if entries, _ := os.ReadDir(empty); len(entries) != 0 {
		t.Errorf("the commands left %d entries in the empty directory (want none)", len(entries))
	}

	deep := filepath.Join(t.TempDir(), "missing", "data")
	for _, args := range [][]string{
		{"serve", "--imap", "127.0.0.1:0", "--imaps", "127.0.0.1:0"},
		{"user", "add", "alice", "--password-stdin"},
	} {
		r := roost(t, "pw\n", append(args, "--data", deep)...)
		want := "roost " + args[0] + ": data directory " + deep + ": its parent " + filepath.Dir(deep) + " does not exist (create it first)\n"
		if r.code != 1 || r.stderr != want {
			t.Errorf("roost %s with a missing parent: exit %d stderr %q; want 1, %q", strings.Join(args, " "), r.code, r.stderr, want)
		}
	}
	if fileExists(filepath.Dir(deep)) {
		t.Error("a missing parent of the data directory was created")
	}
	// One level is created, as on a first `roost serve --demo`.
	fresh := filepath.Join(t.TempDir(), "fresh")
	addUser(t, fresh, "alice", "pw")
	if !fileExists(filepath.Join(fresh, "roost.db")) {
		t.Error("user add did not create the store in a new directory")
	}
}

// TestUserDeleteEndsSessions: `roost user delete NAME --yes`, another
// process than the server, ends the account's IDLE session with BYE
// within a few seconds.
func TestUserDeleteEndsSessions(t *testing.T) {
	data := t.TempDir()
	addUser(t, data, "bob", "bob-pw")
	s := startServer(t, data)
	conn, err := net.Dial("tcp", s.imapAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	r := bufio.NewReader(conn)
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	readUntil := func(prefix string) {
		t.Helper()
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				t.Fatalf("waiting for %q: %v", prefix, err)
			}
			if strings.HasPrefix(line, prefix) {
				return
			}
		}
	}
	readUntil("* OK")
	// Plain-text LOGIN is allowed from loopback.
	fmt.Fprintf(conn, "a LOGIN bob bob-pw\r\nb SELECT INBOX\r\nc IDLE\r\n")
	readUntil("a OK")
	readUntil("b OK")
	readUntil("+ idling")

	start := time.Now()
	if r := mustRoost(t, "", "user", "delete", "bob", "--yes", "--data", data); r.stderr != "deleted user bob\n" {
		t.Errorf("user delete: %q", r.stderr)
	}
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	line, err := r.ReadString('\n')
	if err != nil || line != "* BYE This account has been deleted.\r\n" {
		t.Fatalf("after user delete the IDLE session read %q, %v; want * BYE", line, err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("BYE %v after the deletion, want within a few seconds", d)
	}
	if line, err := r.ReadString('\n'); err == nil {
		t.Errorf("the connection stays open after BYE: %q", line)
	}
}

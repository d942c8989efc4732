package e2e

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	"roost/internal/testenv"
)

// TestPythonImaplib runs testdata/imaplib_test.py against the server over
// plain IMAP on loopback, STARTTLS and implicit TLS. python3 must be
// installed: without it the test skips, except under CI=true (.ci/run
// installs it), where it fails.
func TestPythonImaplib(t *testing.T) {
	python := testenv.Program(t, "python3", "python3")
	data := t.TempDir()
	addUser(t, data, "py", "snake-oil")
	s := startServer(t, data)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, python, "testdata/imaplib_test.py",
		"127.0.0.1", portOf(s.imapAddr), portOf(s.imapsAddr), "py", "snake-oil")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("imaplib_test.py: %v\n%s", err, out)
	}
	if got, want := strings.TrimSpace(string(out)), "imaplib: all checks passed"; got != want {
		t.Fatalf("imaplib_test.py printed %q, want %q", got, want)
	}
}

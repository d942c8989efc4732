package e2e

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestPythonImaplib runs testdata/imaplib_test.py against the server over
// plain IMAP on loopback, STARTTLS and implicit TLS. python3 must be
// installed (.ci/run installs it): a missing interpreter fails the test.
func TestPythonImaplib(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Fatalf("python3 not found (install it: apt-get install -y python3): %v", err)
	}
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

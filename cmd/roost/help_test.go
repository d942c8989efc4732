package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"roost/internal/auth"
)

// TestHelpUserListsEverySubcommand: `roost help user` names every
// subcommand runUser knows, and no source file.
func TestHelpUserListsEverySubcommand(t *testing.T) {
	code, stdout, stderr := runCLI(t, "", nil, "help", "user")
	if code != 0 || stderr != "" {
		t.Fatalf("help user: exit %d stderr %q", code, stderr)
	}
	for _, sub := range []string{"add", "passwd", "list", "delete", "quota", "admin"} {
		if !strings.Contains(stdout, "\n  roost user "+sub+" ") {
			t.Errorf("help user does not list %q:\n%s", sub, stdout)
		}
		// Each is a real subcommand with its own help.
		if code, out, _ := runCLI(t, "", nil, "user", sub, "--help"); code != 0 || !strings.HasPrefix(out, "Usage:\n  roost user "+sub) {
			t.Errorf("user %s --help: exit %d, %q", sub, code, out)
		}
	}
	if strings.Contains(stdout, ".go") {
		t.Errorf("help user names a source file:\n%s", stdout)
	}
	code, _, stderr = runCLI(t, "", nil, "user", "zap")
	want := "roost user: unknown subcommand \"zap\" (want add, passwd, list, delete, quota or admin)\n" +
		"Usage: roost user <add|passwd|list|delete|quota|admin> [flags] [NAME]\nRun 'roost user --help' for more.\n"
	if code != 2 || stderr != want {
		t.Errorf("user zap: exit %d stderr %q; want 2, %q", code, stderr, want)
	}
}

// TestServeHelpListsEveryFlag: serve --help shows each flag serve takes.
func TestServeHelpListsEveryFlag(t *testing.T) {
	code, stdout, _ := runCLI(t, "", nil, "serve", "--help")
	if code != 0 {
		t.Fatalf("serve --help: exit %d", code)
	}
	usage, _, _ := strings.Cut(stdout, "\n\n")
	for _, f := range []string{"data", "config", "imap", "imaps", "demo", "cert", "key", "log-level", "password-hash-params"} {
		if !strings.Contains(stdout, "\n  -"+f+" ") && !strings.Contains(stdout, "\n  -"+f+"\n") {
			t.Errorf("serve --help does not describe -%s:\n%s", f, stdout)
		}
		if !strings.Contains(usage, "--"+f) {
			t.Errorf("serve's synopsis does not show --%s: %q", f, usage)
		}
	}
}

// TestWrongFlagShortUsage: a mistake prints the error and a short usage
// on stderr, nothing on stdout, and exits 2; bad flag values too.
func TestWrongFlagShortUsage(t *testing.T) {
	t.Cleanup(auth.UseParams(auth.TestParams))
	data := t.TempDir()
	vars := map[string]string{"ROOST_DATA": data}
	if code, _, stderr := runCLI(t, "pw\n", vars, "user", "add", "alice", "--password-stdin"); code != 0 {
		t.Fatalf("user add: %d %q", code, stderr)
	}
	for _, tc := range []struct {
		args   []string
		stderr string
	}{
		{[]string{"user", "list", "--bogus"}, "roost user: flag provided but not defined: -bogus\n" +
			"Usage: roost user list [--data DIR] [--config FILE]\nRun 'roost user list --help' for more.\n"},
		{[]string{"check", "--sample", "many"}, "roost check: invalid value \"many\" for flag -sample: parse error\n" +
			"Usage: roost check [--data DIR] [--config FILE] [--full | --sample N]\nRun 'roost check --help' for more.\n"},
		{[]string{"check", "--sample", "-3"}, "roost check: --sample -3: want a number of files, 0 or more\n" +
			"Usage: roost check [--data DIR] [--config FILE] [--full | --sample N]\nRun 'roost check --help' for more.\n"},
		{[]string{"user", "quota", "alice", "--storage", "2X"}, "roost user: --storage: "},
		{[]string{"user", "admin", "alice", "maybe"}, "roost user: want on or off, not \"maybe\"\n"},
		{[]string{"user", "add", "bad/name"}, "roost user: user name \"bad/name\" contains '/'; use letters, digits and . - _ (and one @ before a domain)\n" +
			"Usage: roost user add NAME [--password-stdin | --password-hash HASH] [--data DIR] [--config FILE]\nRun 'roost user add --help' for more.\n"},
		{[]string{"mailbox", "share", "create", "bad//name"}, "roost mailbox: \"bad//name\" is not a mailbox name: no empty level (a / at the start or end, or //) and no control characters\n"},
	} {
		code, stdout, stderr := runCLI(t, "", vars, tc.args...)
		if code != 2 || stdout != "" || !strings.HasPrefix(stderr, tc.stderr) || !strings.Contains(stderr, "\nUsage: roost ") {
			t.Errorf("roost %q: exit %d stdout %q stderr %q; want exit 2, no stdout, stderr starting %q and a usage line",
				tc.args, code, stdout, stderr, tc.stderr)
		}
	}
	if code, stdout, _ := runCLI(t, "", vars, "user", "list"); code != 0 || stdout != "alice\n" {
		t.Errorf("user list after the refused bad/name: %d %q", code, stdout)
	}
}

// TestUserDeleteConfirmation: on a terminal delete asks and deletes only
// on "yes"; without a terminal it needs --yes.
func TestUserDeleteConfirmation(t *testing.T) {
	t.Cleanup(auth.UseParams(auth.TestParams))
	vars := map[string]string{"ROOST_DATA": t.TempDir()}
	for _, n := range []string{"amy", "bob"} {
		if code, _, stderr := runCLI(t, "pw\n", vars, "user", "add", n, "--password-stdin"); code != 0 {
			t.Fatalf("user add %s: %d %q", n, code, stderr)
		}
	}
	onTerminal := func(stdin string, args ...string) (int, string, string) {
		var out, errOut strings.Builder
		e := &env{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errOut,
			getenv: func(k string) string { return vars[k] }, stdinTerminal: func() bool { return true }}
		return run(args, e), out.String(), errOut.String()
	}
	question := "Delete the account amy with all its mail? There is no undo. Type yes to delete: "
	if code, _, stderr := onTerminal("no\n", "user", "delete", "amy"); code != 1 || stderr != question+"not deleted\n" {
		t.Errorf("answer no: exit %d stderr %q", code, stderr)
	}
	if code, _, stderr := onTerminal("", "user", "delete", "amy"); code != 1 || stderr != question+"not deleted\n" {
		t.Errorf("no answer: exit %d stderr %q", code, stderr)
	}
	if code, _, stderr := onTerminal("", "user", "delete", "nobody"); code != 1 || stderr != "roost user: no user \"nobody\"\n" {
		t.Errorf("unknown user on a terminal: exit %d stderr %q", code, stderr)
	}
	code, _, stderr := runCLI(t, "yes\n", vars, "user", "delete", "amy")
	want := "roost user: refusing to delete amy without --yes: standard input is not a terminal to ask on\n" +
		"Usage: roost user delete NAME [--yes] [--data DIR] [--config FILE]\nRun 'roost user delete --help' for more.\n"
	if code != 2 || stderr != want {
		t.Errorf("no terminal, no --yes: exit %d stderr %q; want 2, %q", code, stderr, want)
	}
	if _, stdout, _ := runCLI(t, "", vars, "user", "list"); stdout != "amy\nbob\n" {
		t.Fatalf("after the refusals: %q", stdout)
	}
	if code, _, stderr := onTerminal("yes\n", "user", "delete", "amy"); code != 0 || stderr != question+"deleted user amy\n" {
		t.Errorf("answer yes: exit %d stderr %q", code, stderr)
	}
	if code, _, stderr := runCLI(t, "", vars, "user", "delete", "bob", "--yes"); code != 0 || stderr != "deleted user bob\n" {
		t.Errorf("--yes: exit %d stderr %q", code, stderr)
	}
	if _, stdout, _ := runCLI(t, "", vars, "user", "list"); stdout != "" {
		t.Errorf("after deleting both: %q", stdout)
	}
}

// TestToolsNeedAStore: the commands that work on an existing store refuse
// a directory without one, and create nothing in it.
func TestToolsNeedAStore(t *testing.T) {
	empty := t.TempDir()
	for _, args := range [][]string{{"check"}, {"user", "list"}, {"user", "passwd", "alice", "--password-stdin"}, {"mailbox", "list-shared"}} {
		code, stdout, stderr := runCLI(t, "pw\n", map[string]string{"ROOST_DATA": empty}, args...)
		want := "roost " + args[0] + ": no Roost store in " + empty + " (it has no roost.db; roost user add or roost serve creates one there)\n"
		if code != 1 || stdout != "" || stderr != want {
			t.Errorf("roost %q: exit %d stdout %q stderr %q; want 1, %q", args, code, stdout, stderr, want)
		}
	}
	if entries, _ := os.ReadDir(empty); len(entries) != 0 {
		t.Errorf("%d entries appeared in the empty directory", len(entries))
	}
	notDir := filepath.Join(empty, "file")
	os.WriteFile(notDir, nil, 0o600)
	if code, _, stderr := runCLI(t, "", map[string]string{"ROOST_DATA": notDir}, "check"); code != 1 || stderr != "roost check: data directory "+notDir+" is not a directory\n" {
		t.Errorf("check on a file: %d %q", code, stderr)
	}
}

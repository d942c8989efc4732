package e2e

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestCLIUsers: the user commands, run while the server is running, take
// effect on it at once.
func TestCLIUsers(t *testing.T) {
	data := t.TempDir()
	addUser(t, data, "alice", "alice-pw")
	s := startServer(t, data)

	// user add while the server runs, with a generated password.
	r := mustRoost(t, "", "user", "add", "carol", "--data", data)
	if want := "created user carol\ngenerated password (shown only now):\n"; r.stderr != want {
		t.Errorf("user add stderr %q, want %q", r.stderr, want)
	}
	password := strings.TrimSuffix(r.stdout, "\n")
	if strings.ContainsAny(password, " \t\r\n") || len(password) < 16 || r.stdout != password+"\n" {
		t.Fatalf("user add printed %q; want one line holding a password of at least 16 characters", r.stdout)
	}
	c := dialStartTLS(t, s)
	login(t, c, "carol", password)
	c.Logout().Wait()

	// Flags may come before the name, too.
	mustRoost(t, "dave-pw\n", "user", "add", "--data", data, "--password-stdin", "dave")

	r = mustRoost(t, "", "user", "list", "--data", data)
	if want := "alice\ncarol\ndave\n"; r.stdout != want {
		t.Errorf("user list = %q, want %q", r.stdout, want)
	}

	// passwd: the new password works on the running server, the old does not.
	mustRoost(t, "new-alice-pw\r\n", "user", "passwd", "alice", "--data", data, "--password-stdin")
	if err := tryLogin(t, s, "alice", "alice-pw"); err == nil {
		t.Error("LOGIN with alice's old password succeeded after user passwd")
	}
	if err := tryLogin(t, s, "alice", "new-alice-pw"); err != nil {
		t.Errorf("LOGIN with alice's new password: %v", err)
	}

	r = mustRoost(t, "", "user", "delete", "carol", "--yes", "--data", data)
	if r.stderr != "deleted user carol\n" {
		t.Errorf("user delete stderr %q", r.stderr)
	}
	if err := tryLogin(t, s, "carol", password); err == nil {
		t.Error("LOGIN as a deleted user succeeded")
	}
	r = mustRoost(t, "", "user", "list", "--data", data)
	if want := "alice\ndave\n"; r.stdout != want {
		t.Errorf("user list after delete = %q, want %q", r.stdout, want)
	}

	// $ROOST_DATA stands in for --data; a config file sets it too.
	r = roostEnv(t, []string{"ROOST_DATA=" + data}, "", "user", "list")
	if r.code != 0 || r.stdout != "alice\ndave\n" {
		t.Errorf("ROOST_DATA user list: exit %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
	}
	conf := filepath.Join(t.TempDir(), "roost.toml")
	if err := os.WriteFile(conf, []byte("data = \""+data+"\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r = mustRoost(t, "", "user", "list", "--config", conf)
	if r.stdout != "alice\ndave\n" {
		t.Errorf("user list --config: %q", r.stdout)
	}

	// Failures: exit code 1 and one clear line on stderr.
	for _, tc := range []struct {
		stdin  string
		args   []string
		stderr string
	}{
		{"x\n", []string{"user", "add", "alice", "--password-stdin"}, "roost user: user \"alice\" already exists\n"},
		{"", []string{"user", "delete", "nobody", "--yes"}, "roost user: no user \"nobody\"\n"},
		{"", []string{"user", "passwd", "nobody", "--password-stdin"}, "roost user: no password on standard input\n"},
		{"pw\n", []string{"user", "passwd", "nobody", "--password-stdin"}, "roost user: no user \"nobody\"\n"},
	} {
		r := roost(t, tc.stdin, append(tc.args, "--data", data)...)
		if r.code != 1 || r.stderr != tc.stderr || r.stdout != "" {
			t.Errorf("roost %s: exit %d stdout %q stderr %q; want exit 1, stderr %q",
				strings.Join(tc.args, " "), r.code, r.stdout, r.stderr, tc.stderr)
		}
	}

	// check on a live store.
	r = mustRoost(t, "", "check", "--data", data)
	if want := "ok: no problems found in " + data + "\n"; r.stdout != want {
		t.Errorf("check = %q, want %q", r.stdout, want)
	}
}

func tryLogin(t testing.TB, s *server, user, password string) error {
	t.Helper()
	c := dialStartTLS(t, s)
	defer c.Close()
	return c.Login(user, password).Wait()
}

// TestCLIBasics: version, help, usage errors and exit codes.
func TestCLIBasics(t *testing.T) {
	r := mustRoost(t, "", "version")
	if !regexp.MustCompile(`^roost \d+\.\d+\.\d+\S* \(\S+, go1\.\S+ \w+/\w+\)\n$`).MatchString(r.stdout) {
		t.Errorf("version printed %q", r.stdout)
	}

	r = roost(t, "", "frobnicate")
	if want := "roost: unknown command \"frobnicate\"\nRun 'roost help' for the list of commands.\n"; r.code != 2 || r.stderr != want || r.stdout != "" {
		t.Errorf("unknown command: exit %d stdout %q stderr %q; want exit 2, stderr %q", r.code, r.stdout, r.stderr, want)
	}
	r = roost(t, "")
	if r.code != 2 || !strings.HasPrefix(r.stderr, "Roost is an IMAP4rev2/IMAP4rev1 mail server.\n") {
		t.Errorf("no arguments: exit %d stderr %q; want exit 2 and the usage", r.code, r.stderr)
	}

	r = mustRoost(t, "", "help")
	for _, cmd := range []string{"serve", "user", "check", "version", "help"} {
		if !strings.Contains(r.stdout, "\n  "+cmd+" ") {
			t.Errorf("help does not list %s:\n%s", cmd, r.stdout)
		}
	}
	// Every command answers --help with its usage on stdout and exit 0.
	for _, args := range [][]string{
		{"serve", "--help"}, {"user", "--help"}, {"user", "add", "--help"}, {"user", "passwd", "-h"},
		{"user", "list", "--help"}, {"user", "delete", "--help"}, {"check", "--help"}, {"version", "--help"},
		{"help", "serve"},
	} {
		r := roost(t, "", args...)
		if r.code != 0 || !strings.HasPrefix(r.stdout, "Usage:\n  roost ") || r.stderr != "" {
			t.Errorf("roost %s: exit %d stdout %q stderr %q; want exit 0 and usage on stdout", strings.Join(args, " "), r.code, r.stdout, r.stderr)
		}
	}

	for _, tc := range []struct {
		args   []string
		stderr string
	}{
		{[]string{"serve", "--bogus"}, "roost serve: flag provided but not defined: -bogus\nUsage: roost serve [--data DIR] [--config FILE] " +
			"[--imap ADDR] [--imaps ADDR] [--demo] [--cert FILE --key FILE] [--log-level LEVEL] [--password-hash-params PARAMS]\n" +
			"Run 'roost serve --help' for more.\n"},
		{[]string{"user", "add"}, "roost user: missing the user NAME\nUsage: roost user add NAME [--password-stdin | --password-hash HASH] " +
			"[--data DIR] [--config FILE]\nRun 'roost user add --help' for more.\n"},
		{[]string{"user", "zap"}, "roost user: unknown subcommand \"zap\" (want add, passwd, list, delete, quota or admin)\n" +
			"Usage: roost user <add|passwd|list|delete|quota|admin> [flags] [NAME]\nRun 'roost user --help' for more.\n"},
		{[]string{"user", "add", "a b"}, "roost user: user name \"a b\" contains ' '; use letters, digits and . - _ (and one @ before a domain)\n" +
			"Usage: roost user add NAME [--password-stdin | --password-hash HASH] [--data DIR] [--config FILE]\nRun 'roost user add --help' for more.\n"},
		{[]string{"user", "add", "bad/name"}, "roost user: user name \"bad/name\" contains '/'; use letters, digits and . - _ (and one @ before a domain)\n" +
			"Usage: roost user add NAME [--password-stdin | --password-hash HASH] [--data DIR] [--config FILE]\nRun 'roost user add --help' for more.\n"},
		{[]string{"version", "extra"}, "roost version: unexpected argument \"extra\"\nUsage: roost version\nRun 'roost version --help' for more.\n"},
	} {
		r := roost(t, "", tc.args...)
		if r.code != 2 || r.stderr != tc.stderr {
			t.Errorf("roost %s: exit %d stderr %q; want exit 2, stderr %q", strings.Join(tc.args, " "), r.code, r.stderr, tc.stderr)
		}
	}

	// A data directory that does not exist is an error, not a new store.
	missing := filepath.Join(t.TempDir(), "missing")
	r = roost(t, "", "user", "list", "--data", missing)
	want := "roost user: no data directory " + missing + " (set --data, $ROOST_DATA or the config file's data)\n"
	if r.code != 1 || r.stderr != want {
		t.Errorf("user list of a missing dir: exit %d stderr %q; want 1, %q", r.code, r.stderr, want)
	}
	if fileExists(missing) {
		t.Error("user list created the missing data directory")
	}
}

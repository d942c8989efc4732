package main

import (
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"roost/internal/auth"
)

// runCLI runs one command line in-process.
func runCLI(t *testing.T, stdin string, vars map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut strings.Builder
	e := &env{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errOut, getenv: func(k string) string { return vars[k] }}
	code = run(args, e)
	return code, out.String(), errOut.String()
}

func TestParseArgsInterspersed(t *testing.T) {
	for _, tc := range []struct {
		args []string
		pos  []string
		flag bool
		data string
	}{
		{[]string{"alice"}, []string{"alice"}, false, ""},
		{[]string{"alice", "--password-stdin"}, []string{"alice"}, true, ""},
		{[]string{"--data", "d", "alice", "--password-stdin"}, []string{"alice"}, true, "d"},
		{[]string{"alice", "--data=d", "bob"}, []string{"alice", "bob"}, false, "d"},
		{[]string{"--", "--password-stdin"}, []string{"--password-stdin"}, false, ""},
		{[]string{"a", "--", "-b"}, []string{"a", "-b"}, false, ""},
	} {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		b := fs.Bool("password-stdin", false, "")
		d := fs.String("data", "", "")
		pos, err := parseArgs(fs, tc.args)
		if err != nil {
			t.Errorf("parseArgs(%q): %v", tc.args, err)
			continue
		}
		if !cmp.Equal(pos, tc.pos) || *b != tc.flag || *d != tc.data {
			t.Errorf("parseArgs(%q) = %q, flag %v, data %q; want %q, %v, %q", tc.args, pos, *b, *d, tc.pos, tc.flag, tc.data)
		}
	}
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	_, err := parseArgs(fs, []string{"x", "--nope"})
	var ue *usageError
	if !errors.As(err, &ue) || ue.msg != "flag provided but not defined: -nope" {
		t.Errorf("unknown flag: %v", err)
	}
}

func TestReadPassword(t *testing.T) {
	for in, want := range map[string]string{
		"secret\n":          "secret",
		"secret\r\n":        "secret",
		"secret":            "secret",
		"two words\nmore\n": "two words",
		" padded \n":        " padded ",
	} {
		got, err := readPassword(strings.NewReader(in))
		if err != nil || got != want {
			t.Errorf("readPassword(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "\n", "\r\n", strings.Repeat("x", 5000)} {
		if got, err := readPassword(strings.NewReader(in)); err == nil {
			t.Errorf("readPassword(%q) = %q, nil; want an error", in, got)
		}
	}
}

func TestUserCommandsInProcess(t *testing.T) {
	t.Cleanup(auth.UseParams(auth.TestParams))
	data := t.TempDir()
	env := map[string]string{"ROOST_DATA": data}

	code, stdout, stderr := runCLI(t, "pw-one\n", env, "user", "add", "zed", "--password-stdin")
	if code != 0 || stdout != "" || stderr != "created user zed\n" {
		t.Fatalf("user add: %d %q %q", code, stdout, stderr)
	}
	code, stdout, stderr = runCLI(t, "", env, "user", "add", "amy")
	if code != 0 || len(strings.TrimSpace(stdout)) < 16 || stderr != "created user amy\ngenerated password (shown only now):\n" {
		t.Fatalf("user add (generated): %d %q %q", code, stdout, stderr)
	}
	code, stdout, _ = runCLI(t, "", env, "user", "list")
	if code != 0 || stdout != "amy\nzed\n" {
		t.Fatalf("user list: %d %q", code, stdout)
	}
	// --data beats $ROOST_DATA.
	other := t.TempDir()
	runCLI(t, "pw\n", nil, "user", "add", "other", "--password-stdin", "--data", other)
	code, stdout, _ = runCLI(t, "", env, "user", "list", "--data", other)
	if code != 0 || stdout != "other\n" {
		t.Fatalf("user list --data other: %d %q", code, stdout)
	}
	code, stdout, stderr = runCLI(t, "", env, "check")
	if code != 0 || stdout != "ok: no problems found in "+data+"\n" || stderr != "" {
		t.Fatalf("check: %d %q %q", code, stdout, stderr)
	}
}

func TestUserAddPasswordHash(t *testing.T) {
	t.Cleanup(auth.UseParams(auth.TestParams))
	env := map[string]string{"ROOST_DATA": t.TempDir()}
	hash, err := auth.HashWith("imported", auth.TestParams)
	if err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCLI(t, "", env, "user", "add", "zed", "--password-hash", hash)
	if code != 0 || stdout != "" || stderr != "created user zed with the given password hash\n" {
		t.Fatalf("user add --password-hash: %d %q %q", code, stdout, stderr)
	}
	code, _, stderr = runCLI(t, "", env, "user", "add", "amy", "--password-hash", "$argon2id$nonsense")
	if code != 1 || !strings.Contains(stderr, "not a usable argon2id hash") {
		t.Fatalf("bad hash: %d %q", code, stderr)
	}
	code, _, stderr = runCLI(t, "pw\n", env, "user", "add", "amy", "--password-stdin", "--password-hash", hash)
	if code != 2 || !strings.Contains(stderr, "--password-stdin and --password-hash exclude each other") {
		t.Fatalf("both flags: %d %q", code, stderr)
	}
	code, _, stderr = runCLI(t, "", env, "user", "passwd", "zed", "--password-hash", hash)
	if code != 0 || stderr != "changed the password hash of zed\n" {
		t.Fatalf("user passwd --password-hash: %d %q", code, stderr)
	}
	code, stdout, _ = runCLI(t, "", env, "user", "list")
	if code != 0 || stdout != "zed\n" {
		t.Fatalf("user list: %d %q", code, stdout)
	}
}

func TestServePasswordHashParamsRefused(t *testing.T) {
	code, _, stderr := runCLI(t, "", map[string]string{"ROOST_DATA": t.TempDir()}, "serve", "--password-hash-params", "m=1,t=1,p=1")
	if code != 2 || !strings.Contains(stderr, "out of range") {
		t.Fatalf("serve with bad params: %d %q", code, stderr)
	}
}

const serveUsage = "Usage: roost serve [--data DIR] [--config FILE] [--imap ADDR] [--imaps ADDR] [--demo] [--cert FILE --key FILE] " +
	"[--log-level LEVEL] [--password-hash-params PARAMS]\nRun 'roost serve --help' for more.\n"

// TestServeUsageErrors: wrong flag values are command line mistakes (exit
// 2, a short usage on stderr); settings from a config file that cannot
// work are failures (exit 1).
func TestServeUsageErrors(t *testing.T) {
	conf := filepath.Join(t.TempDir(), "roost.toml")
	if err := os.WriteFile(conf, []byte("log_level = \"loud\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args   []string
		code   int
		stderr string
	}{
		{[]string{"serve", "--imap", "", "--imaps", ""}, 2, "roost serve: every listener is disabled (listen.imap and listen.imaps are both empty)\n" + serveUsage},
		{[]string{"serve", "--cert", "c.pem"}, 2, "roost serve: tls.cert and tls.key must be given together\n" + serveUsage},
		{[]string{"serve", "--log-level", "loud"}, 2, "roost serve: --log-level: unknown level \"loud\" (want debug, info, warn or error)\n" + serveUsage},
		{[]string{"serve", "--imap", "nonsense"}, 2, "roost serve: --imap \"nonsense\": want HOST:PORT (or \"\" to disable it)\n" + serveUsage},
		{[]string{"serve", "--imaps", "1.2.3.4"}, 2, "roost serve: --imaps \"1.2.3.4\": want HOST:PORT (or \"\" to disable it)\n" + serveUsage},
		{[]string{"serve", "--login-cache-ttl", "-1s"}, 2, "roost serve: logins.cache_ttl and logins.cache_size must not be negative (0 switches the cache off)\n" + serveUsage},
		{[]string{"serve", "extra"}, 2, "roost serve: unexpected argument \"extra\"\n" + serveUsage},
		{[]string{"serve", "--bogus"}, 2, "roost serve: flag provided but not defined: -bogus\n" + serveUsage},
		{[]string{"serve", "--imap"}, 2, "roost serve: flag needs an argument: -imap\n" + serveUsage},
		{[]string{"serve", "--demo=maybe"}, 2, "roost serve: invalid boolean value \"maybe\" for -demo: parse error\n" + serveUsage},
		{[]string{"serve", "--config", "/nonexistent/roost.toml"}, 1, "roost serve: config: open /nonexistent/roost.toml: no such file or directory\n"},
		{[]string{"serve", "--config", conf}, 1, "roost serve: config: unknown log level \"loud\" (want debug, info, warn or error)\n"},
	} {
		code, stdout, stderr := runCLI(t, "", nil, tc.args...)
		if code != tc.code || stdout != "" || stderr != tc.stderr {
			t.Errorf("roost %q: exit %d stdout %q stderr %q; want %d, %q", tc.args, code, stdout, stderr, tc.code, tc.stderr)
		}
	}
}

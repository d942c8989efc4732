package main

import (
	"strings"
	"testing"

	"roost/internal/auth"
)

func TestMailboxShareCommands(t *testing.T) {
	t.Cleanup(auth.UseParams(auth.TestParams))
	env := map[string]string{"ROOST_DATA": t.TempDir()}
	for _, u := range []string{"bob", "carol"} {
		if code, _, stderr := runCLI(t, "pw\n", env, "user", "add", u, "--password-stdin"); code != 0 {
			t.Fatalf("user add %s: %d %q", u, code, stderr)
		}
	}
	steps := []struct {
		args           []string
		code           int
		stdout, stderr string
	}{
		{[]string{"mailbox", "list-shared"}, 0, "", ""},
		{[]string{"mailbox", "share", "grant", "support", "bob", "lr"}, 1, "", "roost mailbox: no team mailbox \"support\"\n"},
		{[]string{"mailbox", "share", "create", "support"}, 0, "", "created team mailbox Shared/support\n"},
		{[]string{"mailbox", "share", "create", "support"}, 1, "", "roost mailbox: team mailbox \"support\" already exists\n"},
		{[]string{"mailbox", "share", "grant", "support", "bob", "lrswited"}, 0, "", "bob now has lrswixte on Shared/support\n"},
		{[]string{"mailbox", "share", "grant", "support", "anyone", "lr"}, 0, "", "anyone now has lr on Shared/support\n"},
		{[]string{"mailbox", "share", "grant", "support", "carol", "lrQ"}, 2, "", ""},
		{[]string{"mailbox", "share", "grant", "support", "nobody", "lr"}, 1, "", "roost mailbox: no user \"nobody\"\n"},
		{[]string{"mailbox", "list-shared"}, 0, "support\tanyone=lr bob=lrswixte\n", ""},
		{[]string{"mailbox", "share", "revoke", "support", "anyone"}, 0, "", "removed anyone from Shared/support\n"},
		{[]string{"mailbox", "list-shared"}, 0, "support\tbob=lrswixte\n", ""},
		{[]string{"user", "list"}, 0, "bob\ncarol\n", ""},
		{[]string{"mailbox", "share", "delete", "support"}, 0, "", "deleted team mailbox Shared/support\n"},
		{[]string{"mailbox", "list-shared"}, 0, "", ""},
		{[]string{"mailbox", "share", "grant", "support"}, 2, "", ""},
		{[]string{"mailbox", "frobnicate"}, 2, "", ""},
	}
	for _, s := range steps {
		code, stdout, stderr := runCLI(t, "", env, s.args...)
		if code != s.code || stdout != s.stdout || (s.code != 2 && stderr != s.stderr) {
			t.Fatalf("%s: %d %q %q, want %d %q %q", strings.Join(s.args, " "), code, stdout, stderr, s.code, s.stdout, s.stderr)
		}
		if s.code == 2 && !strings.Contains(stderr, "--help") {
			t.Fatalf("%s: usage error without a hint: %q", strings.Join(s.args, " "), stderr)
		}
	}
	code, stdout, stderr := runCLI(t, "", env, "mailbox", "--help")
	if code != 0 || !strings.Contains(stdout+stderr, "roost mailbox share grant NAME USER RIGHTS") {
		t.Fatalf("mailbox --help: %d %q %q", code, stdout, stderr)
	}
}

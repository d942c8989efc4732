package main

import (
	"context"
	"testing"

	"roost/internal/app"
	"roost/internal/store"
)

func TestParseStorageKiB(t *testing.T) {
	for in, want := range map[string]int64{
		"2G": 2 << 20, "2GiB": 2 << 20, "2gb": 2 << 20, "500K": 500, "300M": 300 << 10, "1T": 1 << 30,
		"1": 1, "1024": 1, "1025": 2, "0": 0, "none": store.NoLimit, "NONE": store.NoLimit,
	} {
		if got, err := parseStorageKiB(in); err != nil || got != want {
			t.Errorf("parseStorageKiB(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "G", "-1G", "2X", "1.5G", "2048T", "x"} {
		if got, err := parseStorageKiB(in); err == nil {
			t.Errorf("parseStorageKiB(%q) = %d, want an error", in, got)
		}
	}
}

func TestUserQuotaAdminAndMetadataCommands(t *testing.T) {
	dir := t.TempDir()
	vars := map[string]string{"ROOST_DATA": dir}
	if code, _, errOut := runCLI(t, "pw-alice-123456\n", vars, "user", "add", "alice", "--password-stdin"); code != 0 {
		t.Fatalf("user add: %d %s", code, errOut)
	}
	steps := []struct {
		args []string
		code int
		out  string
	}{
		{[]string{"user", "quota", "alice"}, 0, "account alice\nstorage 0 KiB of unlimited\nmessages 0 of unlimited\n"},
		{[]string{"user", "quota", "alice", "--storage", "2G", "--messages", "100000"}, 0,
			"account alice\nstorage 0 KiB of 2.0 GiB (2097152 KiB)\nmessages 0 of 100000\n"},
		{[]string{"user", "quota", "alice", "--storage", "none"}, 0, "account alice\nstorage 0 KiB of unlimited\nmessages 0 of 100000\n"},
		{[]string{"user", "quota", "alice", "--messages", "lots"}, 2, ""},
		{[]string{"user", "quota", "nobody"}, 1, ""},
		{[]string{"user", "quota"}, 2, ""},
		{[]string{"user", "quota", "--shared"}, 1, ""}, // no team mailboxes yet
		{[]string{"user", "admin", "alice"}, 0, "alice: not an administrator\n"},
		{[]string{"user", "admin", "alice", "on"}, 0, "alice: administrator\n"},
		{[]string{"user", "admin", "alice", "maybe"}, 2, ""},
		{[]string{"metadata", "set", "/shared/admin", "mailto:postmaster@example.org"}, 0, ""},
		{[]string{"metadata", "set", "/private/x", "y"}, 2, ""},
		{[]string{"metadata", "get"}, 0, "/shared/admin \"mailto:postmaster@example.org\"\n"},
		{[]string{"metadata", "delete", "/shared/admin"}, 0, ""},
		{[]string{"metadata", "get", "/shared/admin"}, 0, ""},
	}
	for _, s := range steps {
		code, out, errOut := runCLI(t, "", vars, s.args...)
		if code != s.code || (s.code == 0 && out != s.out) {
			t.Errorf("roost %q = %d, %q (stderr %q); want %d, %q", s.args, code, out, errOut, s.code, s.out)
		}
	}
	b, err := app.OpenStore(dir, app.ForTool)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	u, err := b.User(context.Background(), "alice")
	if err != nil {
		t.Fatal(err)
	}
	q, err := b.Quota(context.Background(), u.ID)
	if err != nil || q.Limits != (store.QuotaLimits{StorageKiB: store.NoLimit, Messages: 100000}) {
		t.Fatalf("Quota = %+v, %v", q, err)
	}
}

package app

import (
	"context"
	"errors"
	"strings"
	"testing"

	"roost/internal/auth"
	"roost/internal/store"
)

func TestParseHashParams(t *testing.T) {
	p, err := ParseHashParams("m=64,t=1,p=1")
	if err != nil {
		t.Fatal(err)
	}
	want := auth.DefaultParams
	want.Memory, want.Time, want.Threads = 64, 1, 1
	if p != want {
		t.Fatalf("got %+v, want %+v", p, want)
	}
	if p, err = ParseHashParams(" m=65536,t=2,p=2 "); err != nil || p != auth.DefaultParams {
		t.Fatalf("defaults: %+v %v", p, err)
	}
	for _, bad := range []string{"", "m=64", "t=1,m=64,p=1", "m=64,t=0,p=1", "m=64,t=1,p=0", "m=15,t=1,p=2",
		"m=64,t=101,p=1", "m=4194305,t=1,p=1", "m=64,t=1,p=256", "m=-1,t=1,p=1"} {
		if _, err := ParseHashParams(bad); err == nil {
			t.Errorf("ParseHashParams(%q) accepted", bad)
		}
	}
}

func TestImportUserKeepsTheHash(t *testing.T) {
	fastHashes(t)
	ctx := context.Background()
	b, err := OpenStore(t.TempDir(), ForToolCreate)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()

	hash, err := auth.HashWith("imported-pw", auth.TestParams)
	if err != nil {
		t.Fatal(err)
	}
	// Surrounding space (a trailing newline from a file) is dropped.
	checked, err := CheckPasswordHash(hash + "\n")
	if err != nil || checked != CheckedHash(hash) {
		t.Fatalf("CheckPasswordHash = %q, %v; want %q", checked, err, hash)
	}
	if _, err := ImportUser(ctx, b, "amy", checked); err != nil {
		t.Fatal(err)
	}
	u, err := b.User(ctx, "amy")
	if err != nil {
		t.Fatal(err)
	}
	if u.PasswordHash != hash || u.SCRAMSHA256 != "" {
		t.Fatalf("stored %q / SCRAM %q, want the imported hash and no verifier", u.PasswordHash, u.SCRAMSHA256)
	}
	boxes, err := b.Mailboxes(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(boxes) != len(store.DefaultMailboxes) {
		t.Fatalf("%d mailboxes, want the %d defaults", len(boxes), len(store.DefaultMailboxes))
	}
	// The imported hash logs in; with parameters equal to the server's it
	// is kept, and the first login derives the SCRAM verifier.
	if _, err := auth.Login(ctx, b, "amy", "imported-pw"); err != nil {
		t.Fatal(err)
	}
	if u, _ = b.User(ctx, "amy"); u.PasswordHash != hash || !strings.HasPrefix(u.SCRAMSHA256, "SCRAM-SHA-256$") {
		t.Fatalf("after login: hash %q, SCRAM %q", u.PasswordHash, u.SCRAMSHA256)
	}
	if _, err := auth.Login(ctx, b, "amy", "wrong"); !errors.Is(err, auth.ErrBadCredentials) {
		t.Fatalf("wrong password: %v", err)
	}

	if _, err := ImportUser(ctx, b, "amy", checked); err == nil || err.Error() != `user "amy" already exists` {
		t.Fatalf("duplicate: %v", err)
	}
	for _, bad := range []string{"", "secret", "$argon2id$v=19$m=64,t=1,p=1$x$y", "$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=19$m=64,t=1000,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5"} {
		if _, err := CheckPasswordHash(bad); err == nil {
			t.Errorf("CheckPasswordHash accepted %q", bad)
		}
	}
	if _, err := b.User(ctx, "bob"); !errors.Is(err, store.ErrNoUser) {
		t.Fatalf("a refused import created the account: %v", err)
	}

	// SetPasswordHash replaces the hash and drops the verifier.
	other, _ := auth.HashWith("second-pw", auth.TestParams)
	checkedOther, err := CheckPasswordHash(other)
	if err != nil {
		t.Fatal(err)
	}
	if err := SetPasswordHash(ctx, b, "amy", checkedOther); err != nil {
		t.Fatal(err)
	}
	if u, _ = b.User(ctx, "amy"); u.PasswordHash != other || u.SCRAMSHA256 != "" {
		t.Fatalf("after SetPasswordHash: hash %q, SCRAM %q", u.PasswordHash, u.SCRAMSHA256)
	}
	if err := SetPasswordHash(ctx, b, "nobody", checkedOther); err == nil || err.Error() != `no user "nobody"` {
		t.Fatalf("unknown user: %v", err)
	}
}

// A hash weaker than the server's parameters is replaced at the first
// login (an imported account is upgraded without the user doing anything).
func TestImportedWeakHashIsUpgradedAtLogin(t *testing.T) {
	stronger := auth.TestParams
	stronger.Memory = 128
	t.Cleanup(auth.UseParams(stronger))
	ctx := context.Background()
	b, err := OpenStore(t.TempDir(), ForToolCreate)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	weak, _ := auth.HashWith("pw", auth.TestParams)
	checked, err := CheckPasswordHash(weak)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ImportUser(ctx, b, "amy", checked); err != nil {
		t.Fatal(err)
	}
	if _, err := auth.Login(ctx, b, "amy", "pw"); err != nil {
		t.Fatal(err)
	}
	u, _ := b.User(ctx, "amy")
	if !strings.HasPrefix(u.PasswordHash, "$argon2id$v=19$m=128,t=1,p=1$") {
		t.Fatalf("hash after login %q, want one made with m=128", u.PasswordHash)
	}
}

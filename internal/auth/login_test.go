package auth

import (
	"context"
	"errors"
	"strings"
	"testing"

	"roost/internal/store/sqlite"
)

func openStore(t *testing.T) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(t.TempDir(), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestLogin(t *testing.T) {
	defer UseParams(TestParams)()
	ctx := context.Background()
	s := openStore(t)
	h, err := Hash("s3cret")
	if err != nil {
		t.Fatal(err)
	}
	created, err := s.CreateUser(ctx, "alice", h)
	if err != nil {
		t.Fatal(err)
	}
	u, err := Login(ctx, s, "alice", "s3cret")
	if err != nil || u.ID != created.ID || u.Name != "alice" {
		t.Fatalf("Login(right password) = %+v, %v", u, err)
	}
	for _, c := range []struct{ user, pw string }{{"alice", "wrong"}, {"alice", ""}, {"nobody", "s3cret"}, {"ALICE", "s3cret"}} {
		u, err := Login(ctx, s, c.user, c.pw)
		if u != nil || !errors.Is(err, ErrBadCredentials) || err.Error() != ErrBadCredentials.Error() {
			t.Errorf("Login(%q, %q) = %v, %v; want nil, exactly ErrBadCredentials", c.user, c.pw, u, err)
		}
	}
}

func TestLoginRehashes(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	weak, _ := HashWith("pw", TestParams)
	if _, err := s.CreateUser(ctx, "alice", weak); err != nil {
		t.Fatal(err)
	}
	stronger := TestParams
	stronger.Memory, stronger.Time = 256, 2
	defer UseParams(stronger)()

	if _, err := Login(ctx, s, "alice", "wrong"); !errors.Is(err, ErrBadCredentials) {
		t.Fatalf("wrong password: %v", err)
	}
	u, _ := s.User(ctx, "alice")
	if u.PasswordHash != weak {
		t.Fatal("a failed login rewrote the hash")
	}
	if _, err := Login(ctx, s, "alice", "pw"); err != nil {
		t.Fatal(err)
	}
	u, _ = s.User(ctx, "alice")
	if !strings.HasPrefix(u.PasswordHash, "$argon2id$v=19$m=256,t=2,p=1$") {
		t.Fatalf("hash after login = %q, want it rehashed with m=256,t=2,p=1", u.PasswordHash)
	}
	ok, rehash, err := Verify(u.PasswordHash, "pw")
	if !ok || rehash || err != nil {
		t.Fatalf("Verify(new hash) = %v, %v, %v; want true, false, nil", ok, rehash, err)
	}
}

func TestLoginWithCorruptHash(t *testing.T) {
	defer UseParams(TestParams)()
	ctx := context.Background()
	s := openStore(t)
	if _, err := s.CreateUser(ctx, "alice", "not a hash"); err != nil {
		t.Fatal(err)
	}
	if _, err := Login(ctx, s, "alice", "pw"); !errors.Is(err, ErrBadCredentials) {
		t.Fatalf("Login with corrupt stored hash: %v, want ErrBadCredentials", err)
	}
}

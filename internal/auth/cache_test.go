package auth

import (
	"context"
	"errors"
	"testing"
	"time"

	"roost/internal/store/sqlite"
)

// cacheFixture is a store with alice/s3cret and a cache on a fake clock.
type cacheFixture struct {
	ctx   context.Context
	s     *sqlite.Store
	c     *CredentialCache
	clock time.Time
}

func newCacheFixture(t *testing.T, ttl time.Duration, size int) *cacheFixture {
	t.Helper()
	f := &cacheFixture{ctx: context.Background(), s: openStore(t), clock: time.Unix(1_800_000_000, 0)}
	f.c = NewCredentialCache(ttl, size)
	f.c.now = func() time.Time { return f.clock }
	if _, err := CreateUser(f.ctx, f.s, "alice", "s3cret"); err != nil {
		t.Fatal(err)
	}
	return f
}

// login logs in and reports how many argon2id hashes it cost.
func (f *cacheFixture) login(t *testing.T, user, pw string) (hashes uint64, err error) {
	t.Helper()
	before := KeyDerivations()
	_, err = f.c.Login(f.ctx, f.s, user, pw, nil)
	return KeyDerivations() - before, err
}

func (f *cacheFixture) want(t *testing.T, user, pw string, wantHashes uint64, wantErr error) {
	t.Helper()
	n, err := f.login(t, user, pw)
	if !errors.Is(err, wantErr) || (wantErr == nil && err != nil) {
		t.Fatalf("Login(%q, %q) = %v, want %v", user, pw, err, wantErr)
	}
	if n != wantHashes {
		t.Fatalf("Login(%q, %q) computed %d argon2id hashes, want %d", user, pw, n, wantHashes)
	}
}

func TestCredentialCacheHitSkipsHashing(t *testing.T) {
	defer UseParams(TestParams)()
	f := newCacheFixture(t, 15*time.Minute, 100)
	f.want(t, "alice", "s3cret", 1, nil) // verified in full
	f.want(t, "alice", "s3cret", 0, nil) // from the cache
	f.want(t, "alice", "s3cret", 0, nil)
	// A wrong password after a cached success is verified in full and fails,
	// and does not evict the right one.
	f.want(t, "alice", "wrong", 1, ErrBadCredentials)
	f.want(t, "alice", "s3cret\x00", 1, ErrBadCredentials)
	f.want(t, "alice", "", 1, ErrBadCredentials)
	f.want(t, "alice", "s3cret", 0, nil)
	if f.c.Len() != 1 {
		t.Fatalf("Len = %d, want 1 (failures never enter)", f.c.Len())
	}
}

func TestCredentialCacheFailuresNeverEnter(t *testing.T) {
	defer UseParams(TestParams)()
	f := newCacheFixture(t, 15*time.Minute, 100)
	f.want(t, "alice", "wrong", 1, ErrBadCredentials)
	f.want(t, "alice", "wrong", 1, ErrBadCredentials)
	f.want(t, "nobody", "s3cret", 1, ErrBadCredentials) // unknown: the same work
	f.want(t, "nobody", "s3cret", 1, ErrBadCredentials)
	if f.c.Len() != 0 {
		t.Fatalf("Len = %d after failures only, want 0", f.c.Len())
	}
}

func TestCredentialCachePasswordChange(t *testing.T) {
	defer UseParams(TestParams)()
	f := newCacheFixture(t, 15*time.Minute, 100)
	f.want(t, "alice", "s3cret", 1, nil)
	// As `roost user passwd` does, through the store (another process).
	if err := SetPassword(f.ctx, f.s, "alice", "n3w"); err != nil {
		t.Fatal(err)
	}
	f.want(t, "alice", "s3cret", 1, ErrBadCredentials)
	f.want(t, "alice", "n3w", 1, nil)
	f.want(t, "alice", "n3w", 0, nil)
	// Even setting the same password again gives a new salt, so a new hash
	// string: the entry no longer matches.
	if err := SetPassword(f.ctx, f.s, "alice", "n3w"); err != nil {
		t.Fatal(err)
	}
	f.want(t, "alice", "n3w", 1, nil)
}

func TestCredentialCacheDeletedUser(t *testing.T) {
	defer UseParams(TestParams)()
	f := newCacheFixture(t, 15*time.Minute, 100)
	f.want(t, "alice", "s3cret", 1, nil)
	if err := f.s.DeleteUser(f.ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	f.want(t, "alice", "s3cret", 1, ErrBadCredentials)
	// A new account of the same name with the same password is a new row
	// and a new hash: verified in full.
	if _, err := CreateUser(f.ctx, f.s, "alice", "s3cret"); err != nil {
		t.Fatal(err)
	}
	f.want(t, "alice", "s3cret", 1, nil)
}

func TestCredentialCacheExpiry(t *testing.T) {
	defer UseParams(TestParams)()
	f := newCacheFixture(t, 10*time.Minute, 100)
	f.want(t, "alice", "s3cret", 1, nil)
	f.clock = f.clock.Add(10*time.Minute - time.Nanosecond)
	f.want(t, "alice", "s3cret", 0, nil)
	f.clock = f.clock.Add(time.Nanosecond) // exactly ttl after the verification
	f.want(t, "alice", "s3cret", 1, nil)
	f.want(t, "alice", "s3cret", 0, nil) // the new verification starts a new period
}

func TestCredentialCacheBounded(t *testing.T) {
	defer UseParams(TestParams)()
	f := newCacheFixture(t, 10*time.Minute, 2)
	for _, name := range []string{"bob", "carol", "dave"} {
		if _, err := CreateUser(f.ctx, f.s, name, "pw-"+name); err != nil {
			t.Fatal(err)
		}
	}
	f.want(t, "alice", "s3cret", 1, nil)
	f.clock = f.clock.Add(time.Second)
	f.want(t, "bob", "pw-bob", 1, nil)
	f.clock = f.clock.Add(time.Second)
	f.want(t, "carol", "pw-carol", 1, nil) // full: the oldest, alice, goes
	if f.c.Len() != 2 {
		t.Fatalf("Len = %d, want the bound 2", f.c.Len())
	}
	f.want(t, "bob", "pw-bob", 0, nil)
	f.want(t, "carol", "pw-carol", 0, nil)
	f.want(t, "alice", "s3cret", 1, nil) // evicted: verified again; bob goes
	f.want(t, "carol", "pw-carol", 0, nil)
	f.want(t, "bob", "pw-bob", 1, nil)
	// When room is needed, expired entries go first, all of them.
	f.clock = f.clock.Add(time.Hour)
	f.want(t, "dave", "pw-dave", 1, nil)
	if f.c.Len() != 1 {
		t.Fatalf("Len = %d after a sweep of expired entries, want 1", f.c.Len())
	}
}

func TestCredentialCacheDisabled(t *testing.T) {
	defer UseParams(TestParams)()
	for _, c := range []*CredentialCache{NewCredentialCache(0, 100), NewCredentialCache(time.Minute, 0)} {
		if c != nil {
			t.Fatalf("NewCredentialCache with a zero bound = %v, want nil", c)
		}
	}
	f := newCacheFixture(t, time.Minute, 1)
	f.c = nil
	f.want(t, "alice", "s3cret", 1, nil)
	f.want(t, "alice", "s3cret", 1, nil)
}

func TestCredentialCacheGate(t *testing.T) {
	defer UseParams(TestParams)()
	f := newCacheFixture(t, time.Minute, 10)
	taken := 0
	gate := Gate(func(context.Context) (func(), error) { taken++; return func() {}, nil })
	for range 3 {
		if _, err := f.c.Login(f.ctx, f.s, "alice", "s3cret", gate); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.c.Login(f.ctx, f.s, "nobody", "x", gate); !errors.Is(err, ErrBadCredentials) {
		t.Fatal(err)
	}
	if taken != 2 {
		t.Fatalf("gate taken %d times, want 2 (first login, unknown user; not the cached ones)", taken)
	}
	busy := errors.New("busy")
	_, err := f.c.Login(f.ctx, f.s, "alice", "other", func(context.Context) (func(), error) { return nil, busy })
	if !errors.Is(err, busy) {
		t.Fatalf("Login with a closed gate = %v, want its error", err)
	}
}

// BenchmarkRepeatLogin is a login the cache answers, at the default argon2id
// cost (which it never computes): the account row read plus one HMAC.
func BenchmarkRepeatLogin(b *testing.B) {
	ctx := context.Background()
	s, err := sqlite.Open(b.TempDir(), sqlite.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if _, err := CreateUser(ctx, s, "alice", "s3cret"); err != nil {
		b.Fatal(err)
	}
	c := NewCredentialCache(15*time.Minute, 100)
	if _, err := c.Login(ctx, s, "alice", "s3cret", nil); err != nil {
		b.Fatal(err)
	}
	before := KeyDerivations()
	b.ResetTimer()
	for b.Loop() {
		if _, err := c.Login(ctx, s, "alice", "s3cret", nil); err != nil {
			b.Fatal(err)
		}
	}
	if n := KeyDerivations() - before; n != 0 {
		b.Fatalf("%d argon2id hashes during repeat logins", n)
	}
}

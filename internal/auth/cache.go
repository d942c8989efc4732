package auth

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"sync"
	"time"

	"roost/internal/store"
)

// CredentialCache remembers, for a bounded time, that a password was
// verified for an account, so that a client which logs in again and again
// (phones that reconnect often, every client at once after a restart or a
// network blip) costs one argon2id hash per account and expiry period
// instead of one per login: at the default cost the server verifies about
// ten passwords a second on two cores, and a cached repeat login takes
// microseconds (BenchmarkRepeatLogin).
//
// What it holds is no password and no hash of one that can be attacked
// offline: per account name, HMAC-SHA-256 under a key drawn at random when
// the cache is made (so it dies with the process) of the user ID, the name,
// the password and the stored argon2id hash string, and when the entry
// expires. The hash string carries a random salt and changes with every
// password change (`roost user passwd` in another process included), and
// every login reads the account row again, so:
//   - a changed password no longer matches the entry (the old one fails, the
//     new one is verified in full and replaces it);
//   - a deleted account is unknown before the cache is consulted;
//   - a wrong password never matches, is verified in full and fails, and
//     leaves the entry of the right one alone.
//
// Only successful verifications enter it. The brute-force limiter is the
// caller's and runs before Login (imap/server/login_guard.go).
//
// A nil *CredentialCache caches nothing.
type CredentialCache struct {
	key        []byte
	ttl        time.Duration
	maxEntries int
	now        func() time.Time

	mu      sync.Mutex
	entries map[string]cacheEntry // by account name
}

type cacheEntry struct {
	digest  [sha256.Size]byte
	expires time.Time
}

// NewCredentialCache makes a cache whose entries live ttl after the
// verification that made them, with at most maxEntries accounts. A ttl or
// maxEntries of 0 or less means no cache (nil).
func NewCredentialCache(ttl time.Duration, maxEntries int) *CredentialCache {
	if ttl <= 0 || maxEntries <= 0 {
		return nil
	}
	key := make([]byte, 32)
	// crypto/rand.Read does not fail on supported platforms (Go 1.24+).
	_, _ = rand.Read(key)
	return &CredentialCache{key: key, ttl: ttl, maxEntries: maxEntries, now: time.Now,
		entries: make(map[string]cacheEntry)}
}

// Gate is taken around the expensive part of a login (an argon2id hash)
// and not for a login answered from the cache: the server bounds hashes in
// progress with it. A nil Gate takes nothing.
type Gate func(ctx context.Context) (release func(), err error)

func (g Gate) take(ctx context.Context) (func(), error) {
	if g == nil {
		return func() {}, nil
	}
	return g(ctx)
}

// Login is the package's Login, answered from the cache when this account's
// current stored hash was verified with this password within the TTL; a
// full verification runs under gate.
func (c *CredentialCache) Login(ctx context.Context, b store.Backend, username, password string, gate Gate) (*store.User, error) {
	u, err := lookupUser(ctx, b, username)
	if err != nil {
		if err == ErrBadCredentials {
			// Unknown user: the same work as a wrong password.
			release, gerr := gate.take(ctx)
			if gerr != nil {
				return nil, gerr
			}
			burn(password, currentParams())
			release()
		}
		return nil, err
	}
	if c.hit(u, password) {
		return u, nil
	}
	release, err := gate.take(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	if err := verifyUser(ctx, b, u, password); err != nil {
		return nil, err
	}
	// After verifyUser, which may have stored a stronger hash.
	c.remember(u, password)
	return u, nil
}

// Len is the number of accounts in the cache, expired entries included
// until they are swept.
func (c *CredentialCache) Len() int {
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}

// digest is the keyed digest of what a cached login must match. Each field
// is length-prefixed so that no two different tuples give the same input.
func (c *CredentialCache) digest(u *store.User, password string) [sha256.Size]byte {
	m := hmac.New(sha256.New, c.key)
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(u.ID))
	m.Write(n[:])
	for _, f := range []string{u.Name, u.PasswordHash, password} {
		binary.BigEndian.PutUint64(n[:], uint64(len(f)))
		m.Write(n[:])
		m.Write([]byte(f))
	}
	var d [sha256.Size]byte
	m.Sum(d[:0])
	return d
}

func (c *CredentialCache) hit(u *store.User, password string) bool {
	if c == nil {
		return false
	}
	d := c.digest(u, password)
	c.mu.Lock()
	e, ok := c.entries[u.Name]
	c.mu.Unlock()
	// hmac.Equal compares in constant time.
	return ok && c.now().Before(e.expires) && hmac.Equal(d[:], e.digest[:])
}

func (c *CredentialCache) remember(u *store.User, password string) {
	if c == nil {
		return
	}
	e := cacheEntry{digest: c.digest(u, password), expires: c.now().Add(c.ttl)}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.entries[u.Name]; !ok && len(c.entries) >= c.maxEntries {
		c.makeRoom()
	}
	c.entries[u.Name] = e
}

// makeRoom drops the expired entries, or, if none has expired, the oldest
// one: a full cache costs that account one more hash, never a wrong
// answer. One pass over the map, only when it is full. Called with c.mu
// held.
func (c *CredentialCache) makeRoom() {
	now := c.now()
	oldest, oldestName := time.Time{}, ""
	for name, e := range c.entries {
		switch {
		case !now.Before(e.expires):
			delete(c.entries, name)
		case oldestName == "" || e.expires.Before(oldest):
			oldest, oldestName = e.expires, name
		}
	}
	if len(c.entries) >= c.maxEntries {
		delete(c.entries, oldestName)
	}
}

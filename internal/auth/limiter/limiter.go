// Package limiter throttles password guessing. Failed logins are counted
// per client address (IPv6 by /64, the block one subscriber usually gets)
// and per account name, within a sliding window:
//
//   - after DelayAfter failures of the address or of the account, every
//     further attempt is answered only after a delay that doubles with each
//     failure, from BaseDelay up to MaxDelay;
//   - after BlockAfter failures of the address, the address is refused
//     outright for BlockFor, even with the right password.
//
// Accounts are slowed but never locked: locking them would let anyone lock
// a user out. Unknown account names are counted like real ones, so the
// delays tell nothing about which accounts exist.
package limiter

import (
	"net/netip"
	"strings"
	"sync"
	"time"
)

// Config tunes a Limiter; zero fields take the defaults.
type Config struct {
	DelayAfter int           // failures before delays start; default 3
	BaseDelay  time.Duration // first delay; default 1 s
	MaxDelay   time.Duration // delay cap; default 16 s
	BlockAfter int           // address failures before a block; default 10
	Window     time.Duration // how long a failure counts; default 15 min
	BlockFor   time.Duration // how long a block lasts; default 15 min
	// MaxEntries bounds the memory the counters take (addresses plus
	// accounts); default 100000. When full, expired entries are dropped
	// first, then the entries with the fewest failures.
	MaxEntries int
	// Now is the clock; nil means time.Now. Tests inject a fake one.
	Now func() time.Time
}

// Defaults.
const (
	DefaultDelayAfter = 3
	DefaultBaseDelay  = time.Second
	DefaultMaxDelay   = 16 * time.Second
	DefaultBlockAfter = 10
	DefaultWindow     = 15 * time.Minute
	DefaultBlockFor   = 15 * time.Minute
	DefaultMaxEntries = 100000
)

func (c *Config) fill() {
	if c.DelayAfter <= 0 {
		c.DelayAfter = DefaultDelayAfter
	}
	if c.BaseDelay <= 0 {
		c.BaseDelay = DefaultBaseDelay
	}
	if c.MaxDelay <= 0 {
		c.MaxDelay = DefaultMaxDelay
	}
	c.MaxDelay = max(c.MaxDelay, c.BaseDelay)
	if c.BlockAfter <= 0 {
		c.BlockAfter = DefaultBlockAfter
	}
	if c.Window <= 0 {
		c.Window = DefaultWindow
	}
	if c.BlockFor <= 0 {
		c.BlockFor = DefaultBlockFor
	}
	if c.MaxEntries <= 0 {
		c.MaxEntries = DefaultMaxEntries
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// Limiter counts failed logins. It is safe for concurrent use.
type Limiter struct {
	cfg Config

	mu       sync.Mutex
	entries  map[string]*entry // "ip:<prefix>" and "user:<name>"
	nextTrim time.Time
}

// entry is the recent failures of one address or account.
type entry struct {
	failures     []time.Time // within the window, oldest first (at most BlockAfter kept)
	blockedUntil time.Time
}

// New returns a Limiter for cfg.
func New(cfg Config) *Limiter {
	cfg.fill()
	return &Limiter{cfg: cfg, entries: make(map[string]*entry)}
}

// Config returns the settings in force (defaults filled in).
func (l *Limiter) Config() Config { return l.cfg }

// Verdict is what to do with a login attempt.
type Verdict struct {
	// Blocked: refuse the attempt without checking the password.
	Blocked bool
	// Delay: answer the attempt only after this long, whatever its outcome
	// (so the delay does not reveal the outcome either).
	Delay time.Duration
	// Until is the end of the block, when Blocked.
	Until time.Time
}

// Check returns the verdict for an attempt from addr on account (account
// may be "" when it is not known yet).
func (l *Limiter) Check(addr netip.Addr, account string) Verdict {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.cfg.Now()
	ipe := l.entries[addrKey(addr)]
	if ipe != nil && now.Before(ipe.blockedUntil) {
		return Verdict{Blocked: true, Until: ipe.blockedUntil}
	}
	n := l.recent(ipe, now)
	if account != "" {
		n = max(n, l.recent(l.entries[accountKey(account)], now))
	}
	return Verdict{Delay: l.delayFor(n)}
}

// delayFor is the delay after n recent failures.
func (l *Limiter) delayFor(n int) time.Duration {
	if n < l.cfg.DelayAfter {
		return 0
	}
	d := l.cfg.BaseDelay
	for i := l.cfg.DelayAfter; i < n && d < l.cfg.MaxDelay; i++ {
		d *= 2
	}
	return min(d, l.cfg.MaxDelay)
}

// Failure records a failed attempt from addr on account; blocked reports
// whether the address is now blocked.
func (l *Limiter) Failure(addr netip.Addr, account string) (blocked bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.cfg.Now()
	l.trim(now)
	ipe := l.record(addrKey(addr), now)
	if account != "" {
		l.record(accountKey(account), now)
	}
	if len(ipe.failures) >= l.cfg.BlockAfter {
		ipe.blockedUntil = now.Add(l.cfg.BlockFor)
		ipe.failures = ipe.failures[:0]
		return true
	}
	return false
}

// Success records a successful login on account: its failures are
// forgotten (the address's are not, or one valid account would let an
// attacker reset their address's count between guesses at others).
func (l *Limiter) Success(addr netip.Addr, account string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.entries, accountKey(account))
}

// record adds a failure at now to the entry of key.
func (l *Limiter) record(key string, now time.Time) *entry {
	e := l.entries[key]
	if e == nil {
		e = &entry{}
		l.entries[key] = e
	}
	l.recent(e, now)
	if len(e.failures) >= l.cfg.BlockAfter {
		e.failures = e.failures[1:]
	}
	e.failures = append(e.failures, now)
	return e
}

// recent drops failures older than the window and returns how many remain.
func (l *Limiter) recent(e *entry, now time.Time) int {
	if e == nil {
		return 0
	}
	cut := now.Add(-l.cfg.Window)
	i := 0
	for i < len(e.failures) && !e.failures[i].After(cut) {
		i++
	}
	if i > 0 {
		e.failures = append(e.failures[:0], e.failures[i:]...)
	}
	return len(e.failures)
}

// trim keeps the table within MaxEntries: expired entries go at most once
// a minute or when the table is full; if it is still full, the entries with
// the fewest failures go (a flood of new names cannot push out a block).
func (l *Limiter) trim(now time.Time) {
	if len(l.entries) < l.cfg.MaxEntries && now.Before(l.nextTrim) {
		return
	}
	l.nextTrim = now.Add(time.Minute)
	for k, e := range l.entries {
		if l.recent(e, now) == 0 && !now.Before(e.blockedUntil) {
			delete(l.entries, k)
		}
	}
	for fewest := 1; len(l.entries) >= l.cfg.MaxEntries && fewest <= l.cfg.BlockAfter; fewest++ {
		for k, e := range l.entries {
			if len(e.failures) <= fewest && !now.Before(e.blockedUntil) {
				delete(l.entries, k)
				if len(l.entries) < l.cfg.MaxEntries*9/10 {
					return
				}
			}
		}
	}
}

// addrKey is the counter key of addr: the address itself for IPv4, its
// /64 for IPv6 (an IPv4-mapped IPv6 address counts as IPv4).
func addrKey(addr netip.Addr) string {
	return "ip:" + AddrPrefix(addr).String()
}

// AddrPrefix is the block of addresses counted together with addr: addr
// itself for IPv4, its /64 for IPv6.
func AddrPrefix(addr netip.Addr) netip.Prefix {
	addr = addr.Unmap()
	if addr.Is4() {
		return netip.PrefixFrom(addr, 32)
	}
	p, err := addr.Prefix(64)
	if err != nil { // zero Addr
		return netip.Prefix{}
	}
	return p
}

// accountKey folds case so that "Alice" and "alice" share a counter,
// whatever the store makes of the difference.
func accountKey(name string) string { return "user:" + strings.ToLower(name) }

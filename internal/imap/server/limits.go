package server

import (
	"context"
	"net"
	"net/netip"
	"sync"
	"time"

	"roost/internal/auth/limiter"
	"roost/internal/imap/proto"
)

// Defaults of the hardening limits in Config.
const (
	defaultMaxConcurrentLogins = 4
	defaultMaxLoginWait        = 100 * time.Second // login_guard.go
	defaultMaxConnsPerIP       = 100
	defaultMaxConnsPerUser     = 50
	defaultIORate              = 100 // commands per second and account
	defaultIOBurst             = 500
	defaultIOMaxWait           = 2 * time.Second
	// defaultLoginCacheTTL: long enough to cover the reconnects that make
	// login cost the limit (every client at once after a restart or a
	// network blip, phones that reconnect whenever they wake, clients that
	// poll every 5 to 15 minutes), short enough that a remembered digest
	// does not outlive a working day's session by much. A password change
	// ends an entry at once whatever the TTL (auth.CredentialCache).
	defaultLoginCacheTTL  = 15 * time.Minute
	defaultLoginCacheSize = 10000 // about 100 bytes each
)

// fillLimitDefaults replaces zero limits by their defaults; negative ones
// stay negative (no limit).
func fillLimitDefaults(cfg *Config) {
	if cfg.MaxConcurrentLogins <= 0 {
		cfg.MaxConcurrentLogins = defaultMaxConcurrentLogins
	}
	if cfg.MaxLoginWait <= 0 {
		cfg.MaxLoginWait = defaultMaxLoginWait
	}
	if cfg.MaxConnsPerIP == 0 {
		cfg.MaxConnsPerIP = defaultMaxConnsPerIP
	}
	if cfg.MaxConnsPerUser == 0 {
		cfg.MaxConnsPerUser = defaultMaxConnsPerUser
	}
	if cfg.IORate == 0 {
		cfg.IORate = defaultIORate
	}
	if cfg.IOBurst <= 0 {
		cfg.IOBurst = defaultIOBurst
	}
	if cfg.IOMaxWait == 0 {
		cfg.IOMaxWait = defaultIOMaxWait
	}
	cfg.IOMaxWait = max(cfg.IOMaxWait, 0)
	if cfg.LoginCacheTTL == 0 {
		cfg.LoginCacheTTL = defaultLoginCacheTTL
	}
	if cfg.LoginCacheSize == 0 {
		cfg.LoginCacheSize = defaultLoginCacheSize
	}
}

// sessionLimits is what a session holds of the shared limits.
type sessionLimits struct {
	addr     netip.Addr   // the client's address (zero if not IP)
	prefix   netip.Prefix // its counting block (IPv6: /64)
	hasSlot  bool         // counted in connLimits.perIP
	userSlot int64        // user ID counted in connLimits.perUser, 0 if none
}

// connLimits counts connections per address block and sessions per account.
type connLimits struct {
	maxPerIP, maxPerUser int

	mu      sync.Mutex
	perIP   map[netip.Prefix]int
	perUser map[int64]int
}

func newConnLimits(maxPerIP, maxPerUser int) *connLimits {
	return &connLimits{maxPerIP: maxPerIP, maxPerUser: maxPerUser,
		perIP: make(map[netip.Prefix]int), perUser: make(map[int64]int)}
}

func (c *connLimits) acquire(m map[netip.Prefix]int, k netip.Prefix, limit int) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if limit >= 0 && m[k] >= limit {
		return false
	}
	m[k]++
	return true
}

// remoteAddr is the IP address of a connection's peer; the zero Addr for
// other kinds of peers (Unix sockets, tests' pipes).
func remoteAddr(a net.Addr) netip.Addr {
	if ta, ok := a.(*net.TCPAddr); ok {
		ip, _ := netip.AddrFromSlice(ta.IP)
		return ip.Unmap()
	}
	ap, err := netip.ParseAddrPort(a.String())
	if err != nil {
		return netip.Addr{}
	}
	return ap.Addr().Unmap()
}

// admitConnection counts the session against its address's connection
// limit; over it the session is refused with a BYE greeting (RFC 9051
// §7.1.5) and false is returned.
func (s *session) admitConnection() bool {
	s.lim.addr = remoteAddr(s.conn.RemoteAddr())
	if !s.lim.addr.IsValid() {
		return true
	}
	s.lim.prefix = limiter.AddrPrefix(s.lim.addr)
	if !s.srv.conns.acquire(s.srv.conns.perIP, s.lim.prefix, s.srv.cfg.MaxConnsPerIP) {
		s.log.Warn("connection refused: too many connections from this address", "ip", s.lim.addr.String(), "limit", s.srv.cfg.MaxConnsPerIP)
		s.bye("Too many connections from your address")
		return false
	}
	s.lim.hasSlot = true
	return true
}

// claimUserSlot counts a session that is logging in against the account's
// session limit; false when the account has too many.
func (s *session) claimUserSlot(userID int64) bool {
	c := s.srv.conns
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.maxPerUser >= 0 && c.perUser[userID] >= c.maxPerUser {
		return false
	}
	c.perUser[userID]++
	s.lim.userSlot = userID
	return true
}

// releaseUserSlot gives back the account's slot (logout, UNAUTHENTICATE).
func (s *session) releaseUserSlot() {
	if s.lim.userSlot == 0 {
		return
	}
	c := s.srv.conns
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.perUser[s.lim.userSlot]--; c.perUser[s.lim.userSlot] <= 0 {
		delete(c.perUser, s.lim.userSlot)
	}
	s.lim.userSlot = 0
}

// releaseLimits gives back everything the session counted against.
func (s *session) releaseLimits() {
	s.releaseUserSlot()
	if !s.lim.hasSlot {
		return
	}
	c := s.srv.conns
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.perIP[s.lim.prefix]--; c.perIP[s.lim.prefix] <= 0 {
		delete(c.perIP, s.lim.prefix)
	}
	s.lim.hasSlot = false
}

// ioLimits is a token bucket per account for the commands that cost disk
// writes. The map holds one small bucket per account that ever ran such a
// command, so its size is bounded by the number of accounts.
type ioLimits struct {
	rate    float64 // tokens per second; <0: unlimited
	burst   float64
	maxWait time.Duration

	mu      sync.Mutex
	buckets map[int64]*ioBucket
}

type ioBucket struct {
	tokens float64
	last   time.Time
}

func newIOLimits(cfg Config) *ioLimits {
	return &ioLimits{rate: cfg.IORate, burst: float64(cfg.IOBurst), maxWait: cfg.IOMaxWait, buckets: make(map[int64]*ioBucket)}
}

// reserve takes a token for userID at now; it returns how long the caller
// must wait before running, or ok=false (and takes nothing) if that would
// be longer than maxWait.
func (l *ioLimits) reserve(userID int64, now time.Time) (wait time.Duration, ok bool) {
	if l.rate < 0 {
		return 0, true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[userID]
	if b == nil {
		b = &ioBucket{tokens: l.burst, last: now}
		l.buckets[userID] = b
	}
	if elapsed := now.Sub(b.last).Seconds(); elapsed > 0 {
		b.tokens = min(l.burst, b.tokens+elapsed*l.rate)
		b.last = now
	}
	if b.tokens >= 1 {
		b.tokens--
		return 0, true
	}
	wait = time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
	if wait > l.maxWait {
		return 0, false
	}
	b.tokens-- // the token is ours; later callers queue behind us
	return wait, true
}

// costsDiskIO reports whether cmd writes to the store.
func costsDiskIO(cmd *proto.Command) bool {
	switch cmd.Name {
	case "APPEND", "COPY", "MOVE", "STORE", "EXPUNGE":
		return true
	}
	return false
}

// throttleIO holds back a disk-writing command until the account's rate
// allows it, or refuses it with NO [LIMIT] (RFC 5530 §3) when the wait
// would be too long. Refusing an APPEND before its message is read is
// fine: the parser drops the rest of the command.
func (s *session) throttleIO(cmd *proto.Command) error {
	if s.user == nil || !costsDiskIO(cmd) {
		return nil
	}
	wait, ok := s.srv.io.reserve(s.user.ID, time.Now())
	if !ok {
		s.log.Info("command refused: disk I/O rate limit", "name", cmd.Name)
		return errNo("LIMIT", "Too many changes too quickly; slow down.")
	}
	return sleepCtx(s.ctx, wait)
}

// sleepCtx waits d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

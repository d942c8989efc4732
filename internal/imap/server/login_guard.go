package server

import (
	"context"
	"errors"
	"runtime"
	"time"

	"roost/internal/auth"
	"roost/internal/auth/limiter"
	"roost/internal/store"
)

// loginGuard is what every login attempt goes through: the brute-force
// limiter, a semaphore that bounds argon2id verifications in progress
// (each holds 64 MiB, so a flood of logins must not exhaust memory), and
// the cache of verified credentials that lets a repeat login skip the hash
// (auth.CredentialCache; nil when switched off).
type loginGuard struct {
	limiter *limiter.Limiter
	verify  chan struct{}
	maxWait time.Duration
	cache   *auth.CredentialCache
}

// Config.MaxLoginWait (default 100 s) bounds how long a login waits for a
// verification slot. The logins waiting hold no hash memory (only the
// slots do), and the brute-force limiter has answered each of them
// already, so the wait only has to end before the client stops waiting
// itself: Thunderbird gives a server 100 s to answer. Waiters get their
// slot in arrival order (a channel's blocked senders are served first in,
// first out), so the last of a storm of N first logins waits about N
// verification times divided by the slots: 200 at the 0.44 s per
// verification measured on the shared 2-core machine in the worst round
// of the storm benchmark is 88 s. The 30 s bound before refused the end
// of any storm larger than about 70 logins there.
func newLoginGuard(cfg Config) *loginGuard {
	return &loginGuard{limiter: limiter.New(cfg.Logins), verify: make(chan struct{}, verifySlots(cfg.MaxConcurrentLogins)),
		maxWait: cfg.MaxLoginWait, cache: auth.NewCredentialCache(cfg.LoginCacheTTL, cfg.LoginCacheSize)}
}

// verifySlots is how many verifications may run at once: the configured
// bound, and no more than the cores can run without taking every one of
// them. argon2id is pure CPU (auth.DefaultParams hashes with 2 lanes, one
// goroutine each): one verification per two cores already runs hashing at
// full speed, and more at once only make them all slower while every other
// session's next command waits behind them in the run queue (the mixed
// benchmark's p99 of every command was 3-13x Dovecot's with 4 at once on
// 2 cores). It also bounds the 64 MiB buffers in use, and so the heap.
//
// Nor does a storm of first logins go faster with more: on the 2-core
// machine, shared with other jobs, BenchmarkStormVerify (internal/auth)
// took 191, 202, 209 and 230 ms per verification at 1, 2, 3 and 4 slots,
// and `roost serve` with 2 slots instead of 1 let 50 first logins in after
// 4.9 to 10.1 s against 5.3 to 7.8 s, at 112 to 122 ms of CPU per login
// against 96 to 107 ms and twice the peak RSS (470 against 210 MiB).
// The hash is the whole cost (96% of the CPU profile in x/crypto's
// argon2 block functions, 3% clearing the 64 MiB); one GC per
// verification costs nothing visible (the block array holds no
// pointers), and GOGC=400 was no faster while the heap grew to 400 MiB.
func verifySlots(configured int) int {
	return max(1, min(configured, runtime.GOMAXPROCS(0)/2))
}

var (
	errAuthFailed  = errNo("AUTHENTICATIONFAILED", "Authentication failed.")
	errAuthBlocked = errNo("UNAVAILABLE", "Too many failed logins from your address; try again later.")
	errAuthBusy    = errNo("UNAVAILABLE", "Temporary authentication failure.")
)

// attempt is one login attempt in progress: its verdict and when it began.
type attempt struct {
	mech    string
	start   time.Time
	verdict limiter.Verdict
}

// beginAttempt consults the limiter; a blocked address gets its answer at
// once (and the attempt is not counted: the block already stands).
func (s *session) beginAttempt(mech, username string) (*attempt, error) {
	a := &attempt{mech: mech, start: time.Now(), verdict: s.srv.guard.limiter.Check(s.lim.addr, username)}
	if a.verdict.Blocked {
		s.log.Warn("login refused: address blocked", "ip", s.lim.addr.String(), "user", username, "mech", mech,
			"until", a.verdict.Until.Format(time.RFC3339))
		return nil, errAuthBlocked
	}
	return a, nil
}

// recheck updates the verdict once the user name is known (SCRAM learns
// it from the first client message).
func (s *session) recheck(a *attempt, username string) error {
	v := s.srv.guard.limiter.Check(s.lim.addr, username)
	if v.Blocked {
		s.log.Warn("login refused: address blocked", "ip", s.lim.addr.String(), "user", username, "mech", a.mech)
		return errAuthBlocked
	}
	a.verdict.Delay = max(a.verdict.Delay, v.Delay)
	return nil
}

// settle waits out the attempt's delay, counted from its start, so that a
// throttled client gets every answer (right or wrong password, known or
// unknown user) after the same time.
func (s *session) settle(a *attempt) error {
	return sleepCtx(s.ctx, time.Until(a.start.Add(a.verdict.Delay)))
}

// failAttempt records and logs a failed attempt and returns its answer.
// The password never reaches the log.
func (s *session) failAttempt(a *attempt, username string, cause error) error {
	if err := s.settle(a); err != nil {
		return err
	}
	blocked := s.srv.guard.limiter.Failure(s.lim.addr, username)
	s.authFailures++
	s.log.Info("login failed", "ip", s.lim.addr.String(), "user", username, "mech", a.mech,
		"failures", s.authFailures, "reason", cause.Error())
	if blocked {
		s.log.Warn("address blocked after repeated login failures", "ip", s.lim.addr.String(),
			"for", s.srv.guard.limiter.Config().BlockFor.String())
	}
	if s.authFailures >= maxAuthFailures {
		return errBye("Too many authentication failures")
	}
	return errAuthFailed
}

// checkPassword verifies a user name and password (LOGIN, AUTHENTICATE
// PLAIN and LOGIN) under the limiter and the verification semaphore, and
// logs the outcome.
func (s *session) checkPassword(mech, username, password string) (*store.User, error) {
	a, err := s.beginAttempt(mech, username)
	if err != nil {
		return nil, err
	}
	user, err := s.verifyPassword(username, password)
	switch {
	case errors.Is(err, auth.ErrBadCredentials):
		return nil, s.failAttempt(a, username, err)
	case err != nil:
		s.log.Error("login failed", "ip", s.lim.addr.String(), "user", username, "mech", mech, "err", err)
		return nil, errAuthBusy
	}
	if err := s.settle(a); err != nil {
		return nil, err
	}
	return user, nil
}

// verifyPassword checks the password through the credential cache; a
// full verification (argon2id) holds a verification slot, a cached one
// none. The limiter has been consulted already (checkPassword).
func (s *session) verifyPassword(username, password string) (*store.User, error) {
	return s.srv.guard.cache.Login(s.ctx, s.srv.backend, username, password, s.srv.guard.takeSlot)
}

// takeSlot waits up to g.maxWait for a verification slot.
func (g *loginGuard) takeSlot(ctx context.Context) (release func(), err error) {
	ctx, cancel := context.WithTimeout(ctx, g.maxWait)
	defer cancel()
	select {
	case g.verify <- struct{}{}:
		return func() { <-g.verify }, nil
	case <-ctx.Done():
		return nil, errors.New("no password verification slot free")
	}
}

// enterAuthenticated makes user the session's user after a successful
// login, unless the account has too many sessions already; the OK carries
// the new capabilities (RFC 9051 §6.2.3).
func (s *session) enterAuthenticated(user *store.User, mech string) error {
	if !s.claimUserSlot(user.ID) {
		s.log.Warn("login refused: too many sessions for the account", "ip", s.lim.addr.String(), "user", user.Name,
			"limit", s.srv.cfg.MaxConnsPerUser)
		return errNo("LIMIT", "Too many connections for this account.")
	}
	s.srv.guard.limiter.Success(s.lim.addr, user.Name)
	s.srv.watchAccounts() // account_gone.go
	s.user = user
	// Store calls show flags as this user sees them (per-user \Seen in
	// mailboxes of others, store/acl.go).
	s.ctx = store.WithViewer(s.ctx, user.ID)
	s.log = s.log.With("user", user.Name)
	s.log.Info("logged in", "ip", s.lim.addr.String(), "mech", mech)
	s.okCode = s.capabilityCode()
	s.okText = "Logged in"
	return nil
}

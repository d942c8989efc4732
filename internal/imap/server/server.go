// Package server is the IMAP4rev2/IMAP4rev1 protocol engine: it accepts
// connections, reads commands with imap/proto, runs them against a
// store.Backend and writes the responses with imap/wire.
package server

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"roost/internal/auth"
	"roost/internal/auth/limiter"
	"roost/internal/imap/wire"
	"roost/internal/store"
)

// Config configures a Server.
type Config struct {
	Backend   store.Backend
	TLSConfig *tls.Config  // for STARTTLS; nil disables STARTTLS
	Logger    *slog.Logger // nil: slog.Default()
	// MaxLiteral is the largest literal accepted, and the APPENDLIMIT;
	// 0 means 64 MiB.
	MaxLiteral int64
	// MaxLine bounds command text outside literals; 0 means 64 KiB.
	MaxLine int
	// IdleTimeout is the autologout timer of authenticated sessions; 0
	// means 30 minutes, the minimum RFC 9051 §5.4 allows.
	IdleTimeout time.Duration
	// PreAuthTimeout is the autologout timer before authentication; 0
	// means 60 seconds.
	PreAuthTimeout time.Duration

	// Hardening limits (limits.go, login_guard.go); zero values take the
	// defaults named there, negative ones switch a limit off.
	//
	// Logins throttles password guessing per address and per account
	// (internal/auth/limiter). Loopback clients are not exempt.
	Logins limiter.Config
	// MaxConcurrentLogins bounds password verifications in progress:
	// each argon2id verification holds 64 MiB. 0 means 4.
	MaxConcurrentLogins int
	// MaxLoginWait is how long a login waits in line for a verification
	// (in arrival order) before it is answered NO [UNAVAILABLE]; 0 means
	// 100 seconds (login_guard.go explains why).
	MaxLoginWait time.Duration
	// LoginCacheTTL is how long a verified password is remembered, so
	// that the account's next LOGIN or AUTHENTICATE PLAIN/LOGIN with it
	// skips argon2id (auth.CredentialCache); LoginCacheSize bounds the
	// accounts remembered. 0 means the defaults (15 minutes, 10000
	// accounts); a negative value switches the cache off.
	LoginCacheTTL  time.Duration
	LoginCacheSize int
	// MaxConnsPerIP bounds the connections from one address (IPv6: one
	// /64); over it a new connection gets "* BYE" as its greeting.
	MaxConnsPerIP int
	// MaxConnsPerUser bounds the sessions logged in to one account; over
	// it LOGIN/AUTHENTICATE answer NO [LIMIT].
	MaxConnsPerUser int
	// IORate is the number of commands that write to disk (APPEND, COPY,
	// MOVE, STORE, EXPUNGE) one account may run per second on average,
	// IOBurst how many it may run at once; a command over the rate waits
	// up to IOMaxWait for its turn, else it gets NO [LIMIT].
	IORate    float64
	IOBurst   int
	IOMaxWait time.Duration

	// MessageLimit is the MESSAGELIMIT (RFC 9738, messagelimit.go): the
	// most messages one FETCH, SEARCH, STORE, COPY, MOVE or UID EXPUNGE
	// works on. 0 (or negative) means no limit, and the capability is
	// not advertised.
	MessageLimit int
	// BackgroundLoadThreshold is the number of commands in progress
	// server-wide from which sessions that iOS Mail marks as background
	// traffic are answered NO [UNAVAILABLE] (background.go, Apple
	// TN3189). 0 means 8 per CPU; negative never refuses them.
	BackgroundLoadThreshold int

	// progressInterval is how often INPROGRESS updates go out during a
	// long command (inprogress.go): 0 means every second; negative means
	// after every message, for tests.
	progressInterval time.Duration
}

const (
	defaultMaxLiteral     = 64 << 20
	defaultMaxLine        = 64 << 10
	defaultIdleTimeout    = 30 * time.Minute
	defaultPreAuthTimeout = 60 * time.Second
	// tlsHandshakeTimeout bounds STARTTLS and implicit TLS handshakes.
	tlsHandshakeTimeout = 30 * time.Second
	// maxAuthFailures ends a session after that many failed logins.
	maxAuthFailures = 3
)

// Version is reported by the ID command.
const Version = "0.1"

// Server serves IMAP on any number of listeners.
type Server struct {
	cfg     Config
	backend store.Backend
	log     *slog.Logger
	// isTrusted decides whether a plain-text connection may log in without
	// TLS. It is loopbackAddr by default; tests replace it to see how the
	// server treats a remote client.
	isTrusted func(remote net.Addr) bool

	nextID atomic.Uint64

	// closing is set by Shutdown; sessions read it without taking mu.
	closing atomic.Bool

	// guard throttles and logs logins; conns counts connections per
	// address and account; io is the disk I/O rate of each account.
	guard *loginGuard
	conns *connLimits
	io    *ioLimits
	scram *auth.SCRAM
	// load counts the commands in progress (background.go).
	load *loadMeter
	// bufs lends I/O buffers to sessions between commands (idlebuf.go).
	bufs *wire.BufferPool

	// accountWatch starts the look-out for deleted accounts at the
	// first login (account_gone.go).
	accountWatch sync.Once

	mu        sync.Mutex
	listeners map[net.Listener]struct{}
	// servedCerts: fingerprint → leaf of each certificate handshakes
	// presented, for resumed sessions (tlscert.go).
	servedCerts sync.Map
	sessions    map[*session]struct{}
	wg          sync.WaitGroup
}

// New returns a Server for cfg, filling in defaults.
func New(cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.MaxLiteral <= 0 {
		cfg.MaxLiteral = defaultMaxLiteral
	}
	if cfg.MaxLine <= 0 {
		cfg.MaxLine = defaultMaxLine
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = defaultIdleTimeout
	}
	if cfg.PreAuthTimeout <= 0 {
		cfg.PreAuthTimeout = defaultPreAuthTimeout
	}
	if cfg.TLSConfig != nil {
		c := cfg.TLSConfig.Clone()
		if c.MinVersion < tls.VersionTLS12 {
			c.MinVersion = tls.VersionTLS12
		}
		cfg.TLSConfig = c
	}
	fillLimitDefaults(&cfg)
	return &Server{
		cfg:       cfg,
		backend:   cfg.Backend,
		log:       cfg.Logger,
		guard:     newLoginGuard(cfg),
		conns:     newConnLimits(cfg.MaxConnsPerIP, cfg.MaxConnsPerUser),
		io:        newIOLimits(cfg),
		scram:     auth.NewSCRAM(cfg.Backend),
		load:      newLoadMeter(cfg.BackgroundLoadThreshold),
		bufs:      wire.NewBufferPool(),
		isTrusted: loopbackAddr,
		listeners: make(map[net.Listener]struct{}),
		sessions:  make(map[*session]struct{}),
	}
}

// loopbackAddr reports whether addr is a loopback IP address.
func loopbackAddr(addr net.Addr) bool {
	switch a := addr.(type) {
	case *net.TCPAddr:
		return a.IP.IsLoopback()
	case *net.UnixAddr:
		return true
	}
	host, _, err := net.SplitHostPort(addr.String())
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Serve accepts connections on ln until Shutdown, serving each in its own
// goroutine, and then returns nil. Connections that are *tls.Conn (from a
// tls.Listener) are implicit TLS, but their handshake's certificate is
// unknown to the server, so SCRAM -PLUS with tls-server-end-point fails on
// them: use ServeTLS. Other accept errors are returned.
func (srv *Server) Serve(ln net.Listener) error { return srv.serve(ln, false) }

// ServeTLS is Serve for implicit TLS (RFC 8314): the server runs each
// connection's handshake with Config.TLSConfig from the first byte.
func (srv *Server) ServeTLS(ln net.Listener) error {
	if srv.cfg.TLSConfig == nil {
		ln.Close()
		return errors.New("server: ServeTLS without a TLSConfig")
	}
	return srv.serve(ln, true)
}

func (srv *Server) serve(ln net.Listener, implicitTLS bool) error {
	srv.mu.Lock()
	if srv.closing.Load() {
		srv.mu.Unlock()
		ln.Close()
		return nil
	}
	srv.listeners[ln] = struct{}{}
	srv.mu.Unlock()
	defer func() {
		srv.mu.Lock()
		delete(srv.listeners, ln)
		srv.mu.Unlock()
	}()

	var backoff time.Duration
	for {
		conn, err := ln.Accept()
		if err != nil {
			if srv.closing.Load() {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				// Temporary trouble (e.g. out of file descriptors):
				// wait a little, at most one second, and retry.
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				srv.log.Warn("accept failed; retrying", "err", err, "delay", backoff)
				time.Sleep(backoff)
				continue
			}
			return err
		}
		backoff = 0
		if !srv.startSession(conn, implicitTLS) {
			conn.Close()
			return nil
		}
	}
}

// startSession registers and starts the session of conn; false if the
// server is shutting down.
func (srv *Server) startSession(conn net.Conn, implicitTLS bool) bool {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if srv.closing.Load() {
		return false
	}
	s := newSession(srv, conn, implicitTLS)
	srv.sessions[s] = struct{}{}
	srv.wg.Add(1)
	go func() {
		defer srv.wg.Done()
		s.serve()
		srv.mu.Lock()
		delete(srv.sessions, s)
		srv.mu.Unlock()
	}()
	return true
}

// Shutdown stops accepting connections, lets every session finish the
// command it is running, sends it "* BYE Server shutting down" and closes
// it. If ctx ends first, the remaining connections are closed abruptly
// and ctx's error is returned.
func (srv *Server) Shutdown(ctx context.Context) error {
	srv.closing.Store(true)
	srv.mu.Lock()
	for ln := range srv.listeners {
		ln.Close()
	}
	for s := range srv.sessions {
		// Wake a session blocked reading its next command; one busy
		// with a command notices closing when it is done.
		s.interruptRead()
	}
	srv.mu.Unlock()

	done := make(chan struct{})
	go func() {
		srv.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		srv.mu.Lock()
		for s := range srv.sessions {
			s.abort()
		}
		srv.mu.Unlock()
		<-done
		return ctx.Err()
	}
}

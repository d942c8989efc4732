// Package app wires Roost together and runs it: it opens the store, sets up
// TLS and the listeners, starts the IMAP server, and shuts everything down in
// order when its context ends.
//
// Shutdown order: stop accepting and say BYE to every session (the server
// lets in-flight commands finish their writes), wait for the accept loops to
// return, and only then close the store, so no command ever runs against a
// closed store.
package app

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"time"

	"roost/internal/auth"
	"roost/internal/auth/limiter"
	"roost/internal/config"
	"roost/internal/imap/server"
)

// Options are what Run needs besides the context.
type Options struct {
	Config config.Config
	// Demo creates the account demo/demo with a welcome message. It is
	// refused unless every listener is on a loopback address.
	Demo bool
	// Logger receives the log; nil means slog.Default().
	Logger *slog.Logger
	// Out receives the mail client settings once the listeners are up;
	// nil means they are not printed.
	Out io.Writer
	// Reload, when it receives, reloads the TLS certificate and key
	// (roost serve sends on SIGHUP); nil means never.
	Reload <-chan struct{}
	// HashParams, when set, are the argon2id parameters of the hashes the
	// server makes (a login whose stored hash is weaker than these is
	// rehashed with them) instead of auth.DefaultParams, for as long as
	// Run runs (`roost serve --password-hash-params`, ParseHashParams).
	HashParams *auth.Params
	// CPUs, when positive, is the number of cores the server may use
	// (roost serve raises GOMAXPROCS above it, cmd/roost/serve.go);
	// password checks at once are kept to one per two of them, as
	// argon2id's two lanes keep two cores busy.
	CPUs int
}

// listener is one bound socket and what it serves.
type listener struct {
	name     string // "imap" or "imaps"
	security string // what a mail client calls it: "STARTTLS" or "SSL/TLS"
	ln       net.Listener
	// implicitTLS: the server runs the TLS handshake from the first byte
	// (it records the certificate each handshake presents, for SCRAM's
	// tls-server-end-point binding).
	implicitTLS bool
}

// Run serves IMAP until ctx ends, then shuts down gracefully and returns nil;
// it returns an error if startup fails or a listener dies.
func Run(ctx context.Context, opts Options) error {
	cfg := opts.Config
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	if opts.Demo {
		if err := CheckDemoListeners(cfg.Listen); err != nil {
			return err
		}
	}

	if opts.HashParams != nil {
		p := *opts.HashParams
		// internal/auth's process-wide parameters are the only way to set
		// the cost of the hashes Login makes; the server is the process.
		defer auth.UseParams(p)()
		if weakerThanDefault(p) {
			log.Warn("password hashes weaker than the default: new and upgraded hashes are cheaper to crack",
				"params", fmt.Sprintf("m=%d,t=%d,p=%d", p.Memory, p.Time, p.Threads),
				"default", fmt.Sprintf("m=%d,t=%d,p=%d", auth.DefaultParams.Memory, auth.DefaultParams.Time, auth.DefaultParams.Threads))
		}
	}

	if err := ensureDataDir(cfg.Data); err != nil {
		return err
	}
	// One server per data directory; taken before anything in it is
	// touched (the certificate, the store's garbage collection).
	unlock, err := lockDataDir(cfg.Data)
	if err != nil {
		return err
	}
	defer unlock()
	certs, err := NewCertReloader(cfg.Data, cfg.TLS, log)
	if err != nil {
		return err
	}
	cert := certs.Current()
	// GetCertificate, not Certificates: Options.Reload swaps the pair.
	tlsConfig := &tls.Config{
		MinVersion:     tls.VersionTLS12,
		GetCertificate: certs.GetCertificate,
	}

	backend, err := OpenStore(cfg.Data, ForServer)
	if err != nil {
		return err
	}
	// From here on the store is closed on every path, after the server.
	defer func() {
		if err := backend.Close(); err != nil {
			log.Error("closing the store", "err", err)
		}
	}()
	// Messages stored by an older parser are parsed again while the
	// server runs (they answer as before until then); Close stops it.
	backend.StartReparse(log)

	if opts.Demo {
		if err := EnsureDemo(ctx, backend); err != nil {
			return fmt.Errorf("demo account: %w", err)
		}
	}

	if err := CheckDemoAccount(ctx, backend, cfg.Data, cfg.Listen); err != nil {
		return err
	}

	listeners, err := listen(cfg.Listen)
	if err != nil {
		return err
	}

	srv := server.New(server.Config{
		Backend:        backend,
		TLSConfig:      tlsConfig,
		Logger:         log,
		MaxLiteral:     cfg.Limits.MaxLiteral,
		MaxLine:        cfg.Limits.MaxLine,
		IdleTimeout:    cfg.Timeouts.Idle,
		PreAuthTimeout: cfg.Timeouts.PreAuth,
		// Hardening (docs/CONFIG.md "Limits and login protection").
		MaxConnsPerIP:       config.NoLimit(cfg.Limits.MaxConnsPerIP),
		MaxConnsPerUser:     config.NoLimit(cfg.Limits.MaxConnsPerUser),
		MaxConcurrentLogins: maxVerifications(cfg.Limits.MaxConcurrentLogins, opts.CPUs),
		LoginCacheTTL:       loginCacheTTL(cfg.Logins),
		LoginCacheSize:      cfg.Logins.CacheSize,
		IORate:              ioRate(cfg.Limits.IORate),
		IOBurst:             cfg.Limits.IOBurst,
		// iOS Mail's low-cost mode (docs/CONFIG.md).
		MessageLimit:            cfg.Limits.MessageLimit,
		BackgroundLoadThreshold: cfg.Limits.BackgroundLoad,
		Logins: limiter.Config{
			DelayAfter: cfg.Logins.DelayAfter,
			BaseDelay:  cfg.Logins.BaseDelay,
			MaxDelay:   cfg.Logins.MaxDelay,
			BlockAfter: cfg.Logins.BlockAfter,
			Window:     cfg.Logins.Window,
			BlockFor:   cfg.Logins.BlockFor,
		},
	})
	return serve(ctx, srv, listeners, cfg, opts, cert, certs, log)
}

// maxVerifications bounds the configured concurrent password checks to
// one per two cores when the core count is known: the server's own bound
// counts GOMAXPROCS, which roost serve sets one above the cores.
func maxVerifications(configured, cpus int) int {
	if cpus <= 0 {
		return configured
	}
	return min(configured, max(1, cpus/2))
}

// loginCacheTTL maps the configured cache (a TTL or size of 0: no cache)
// to server.Config's TTL (negative: no cache).
func loginCacheTTL(l config.Logins) time.Duration {
	if l.CacheTTL == 0 || l.CacheSize == 0 {
		return -1
	}
	return l.CacheTTL
}

// ioRate maps the configured rate (0: no limit) to server.Config's
// (negative: no limit).
func ioRate(r float64) float64 {
	if r == 0 {
		return -1
	}
	return r
}

// serve runs the accept loops until ctx ends or one of them fails, then
// shuts the server down and waits for the loops to return.
func serve(ctx context.Context, srv *server.Server, listeners []listener, cfg config.Config, opts Options, cert *Certificate, certs *CertReloader, log *slog.Logger) error {
	serveErr := make(chan error, len(listeners))
	var wg sync.WaitGroup
	for _, l := range listeners {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if l.implicitTLS {
				serveErr <- srv.ServeTLS(l.ln)
				return
			}
			serveErr <- srv.Serve(l.ln)
		}()
		log.Info("listening", "listener", l.name, "addr", l.ln.Addr().String(), "security", l.security)
	}
	if opts.Out != nil {
		PrintSettings(opts.Out, settingsFor(listeners, cfg, opts.Demo, cert))
	}

	var failure error
wait:
	for {
		select {
		case <-ctx.Done():
			log.Info("shutting down")
			break wait
		case <-opts.Reload:
			certs.Reload() // logs the outcome; a failure keeps the old pair
		case err := <-serveErr:
			// An accept loop returned before shutdown: the listener died.
			failure = fmt.Errorf("serve: %w", err)
			if err == nil {
				failure = errors.New("serve: accept loop stopped unexpectedly")
			}
			log.Error("listener failed; shutting down", "err", failure)
			break wait
		}
	}

	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.Timeouts.Shutdown)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		log.Warn("graceful shutdown incomplete", "err", err)
	}
	for _, l := range listeners {
		// Serve may already have closed it; a second Close is harmless.
		l.ln.Close()
	}
	wg.Wait()
	log.Info("stopped")
	return failure
}

// listen binds every configured listener; on failure it closes those it
// already bound.
func listen(addrs config.Listen) ([]listener, error) {
	var out []listener
	fail := func(err error) ([]listener, error) {
		for _, l := range out {
			l.ln.Close()
		}
		return nil, err
	}
	if addrs.IMAP != "" {
		ln, err := net.Listen("tcp", addrs.IMAP)
		if err != nil {
			return fail(fmt.Errorf("imap listener: %w", err))
		}
		out = append(out, listener{name: "imap", security: "STARTTLS", ln: ln})
	}
	if addrs.IMAPS != "" {
		ln, err := net.Listen("tcp", addrs.IMAPS)
		if err != nil {
			return fail(fmt.Errorf("imaps listener: %w", err))
		}
		out = append(out, listener{name: "imaps", security: "SSL/TLS", ln: ln, implicitTLS: true})
	}
	return out, nil
}

// CheckDemoListeners refuses the demo account unless every enabled listener
// is on a loopback address: a well-known password must never be reachable
// from the network.
func CheckDemoListeners(addrs config.Listen) error {
	for _, l := range []struct{ name, addr string }{{"imap", addrs.IMAP}, {"imaps", addrs.IMAPS}} {
		if l.addr == "" {
			continue
		}
		if !IsLoopback(l.addr) {
			return fmt.Errorf("--demo refused: the %s listener %q is not on a loopback address; "+
				"the demo account's password is public, so --demo only runs on 127.0.0.1, ::1 or localhost", l.name, l.addr)
		}
	}
	return nil
}

// IsLoopback reports whether addr (host:port) binds only a loopback address.
// An empty host means every interface, which is not loopback.
func IsLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

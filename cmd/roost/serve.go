package main

import (
	"context"
	"flag"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"

	"roost/internal/app"
	"roost/internal/auth"
	"roost/internal/config"
)

const serveDescription = `
Runs the IMAP server until SIGINT (Ctrl-C) or SIGTERM, then shuts down
gracefully: it stops accepting connections, lets commands in progress finish,
says "* BYE" to every client and closes the store.

Two listeners by default, both on this machine only:
  --imap  ` + config.DefaultIMAPAddr + `   IMAP; clients upgrade with STARTTLS
  --imaps ` + config.DefaultIMAPSAddr + `   IMAP over implicit TLS ("SSL/TLS")
An empty address (--imap "") disables that listener.

Without --cert/--key, a self-signed certificate for localhost is generated
on first start and kept in DATA/tls/.

--demo creates the account demo with password demo and a welcome message,
and prints the settings for a mail client. It is refused unless every
listener is on a loopback address; and while the account demo still has
the password demo, its data directory is not served on any other address
(delete it with roost user delete demo, or change it with roost user
passwd demo).

One server per data directory: a second roost serve on a directory that a
running server uses stops with an error (DATA/roost.lock). The data
directory is created if missing, inside an existing parent only.

SIGHUP reloads the TLS certificate and key: new connections get the new
pair, established sessions continue. A pair that does not load (or whose key
does not match the certificate) is refused with an error in the log, and
the previous one stays in use.

--password-hash-params sets the argon2id cost of the password hashes the
server makes, written as in a hash: m=KiB,t=passes,p=lanes (default
m=65536,t=2,p=2, about 0.1 s and 64 MiB per login). A login whose stored
hash is weaker is rehashed with these; stronger ones are kept as they are.
Lowering them makes stolen hashes cheaper to crack: meant for very small
machines and for benchmarks (bench/compare.sh).

--login-cache-ttl is how long a verified password is remembered (as a keyed
digest, lost on restart) so that the account's next LOGIN or AUTHENTICATE
PLAIN/LOGIN with it skips the hash; a password change or deletion ends it at
once (docs/CONFIG.md "Repeat logins").

Flags override the config file; the log goes to stderr.`

func runServe(e *env, args []string) error {
	fs := newFlagSet(e, "serve", "serve [--data DIR] [--config FILE] [--imap ADDR] [--imaps ADDR] [--demo] [--cert FILE --key FILE] "+
		"[--log-level LEVEL] [--password-hash-params PARAMS]", serveDescription)
	sf := addStoreFlags(fs)
	imapAddr := fs.String("imap", config.DefaultIMAPAddr, "IMAP (STARTTLS) listen `ADDR`; \"\" disables it")
	imapsAddr := fs.String("imaps", config.DefaultIMAPSAddr, "IMAPS (implicit TLS) listen `ADDR`; \"\" disables it")
	demo := fs.Bool("demo", false, "create the demo/demo account and print mail client settings (loopback only)")
	certFile := fs.String("cert", "", "TLS certificate chain `FILE` (PEM); default: self-signed in DATA/tls")
	keyFile := fs.String("key", "", "TLS private key `FILE` (PEM)")
	logLevel := fs.String("log-level", "", "log `LEVEL`: debug, info, warn or error (default info)")
	cacheTTL := fs.Duration("login-cache-ttl", config.DefaultLoginCacheTTL, "how long a verified password spares the account's next logins the argon2id hash (`DURATION`, 0 = never); config logins.cache_ttl")
	hashParams := fs.String("password-hash-params", "", "argon2id cost of new and upgraded password hashes, `m=KiB,t=passes,p=lanes` (default m=65536,t=2,p=2)")
	positional, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(positional) > 0 {
		return usagef("unexpected argument %q", positional[0])
	}

	if err := checkServeFlags(fs); err != nil {
		return err
	}
	cfg, err := sf.load(e)
	if err != nil {
		return err
	}
	// Only flags given on the command line override the file.
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "imap":
			cfg.Listen.IMAP = *imapAddr
		case "imaps":
			cfg.Listen.IMAPS = *imapsAddr
		case "cert":
			cfg.TLS.Cert = *certFile
		case "key":
			cfg.TLS.Key = *keyFile
		case "log-level":
			cfg.LogLevel = *logLevel
		case "login-cache-ttl":
			cfg.Logins.CacheTTL = *cacheTTL
		}
	})
	if err := cfg.Validate(); err != nil {
		if sf.config == "" {
			// Without a file every setting came from a flag (or a
			// default): a wrong command line, exit 2.
			return usagef("%s", strings.TrimPrefix(err.Error(), "config: "))
		}
		return err
	}
	var params *auth.Params
	if *hashParams != "" {
		p, err := app.ParseHashParams(*hashParams)
		if err != nil {
			return usagef("%v", err)
		}
		params = &p
	}
	if *demo {
		// Refuse before touching the data directory.
		if err := app.CheckDemoListeners(cfg.Listen); err != nil {
			return err
		}
	}
	level, err := config.ParseLogLevel(cfg.LogLevel)
	if err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: level}))

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		// After the first signal, restore the default action so that a
		// second Ctrl-C ends a shutdown that hangs.
		<-ctx.Done()
		stop()
	}()
	defer stop()

	// SIGHUP reloads the TLS certificate and key (a renewed certificate
	// takes effect without dropping sessions).
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	reload := make(chan struct{}, 1)
	go func() {
		for {
			select {
			case <-hup:
				select {
				case reload <- struct{}{}:
				default: // a reload is already pending
				}
			case <-ctx.Done():
				return
			}
		}
	}()

	return app.Run(ctx, app.Options{Config: cfg, Demo: *demo, Logger: logger, Out: e.stdout, Reload: reload,
		HashParams: params, CPUs: oneMoreProcThanCores(e)})
}

// checkServeFlags refuses flag values that are wrong whatever the config
// file says, as command line mistakes (exit 2).
func checkServeFlags(fs *flag.FlagSet) error {
	var err error
	fs.Visit(func(f *flag.Flag) {
		v := f.Value.String()
		switch {
		case err != nil:
		case f.Name == "log-level":
			if _, perr := config.ParseLogLevel(v); perr != nil {
				err = usagef("--log-level: unknown level %q (want debug, info, warn or error)", v)
			}
		case f.Name == "imap" || f.Name == "imaps":
			if _, _, perr := net.SplitHostPort(v); v != "" && perr != nil {
				err = usagef("--%s %q: want HOST:PORT (or \"\" to disable it)", f.Name, v)
			}
		}
	})
	return err
}

// oneMoreProcThanCores lets the Go scheduler run one more goroutine at once
// than there are cores (unless $GOMAXPROCS says otherwise) and returns the
// core count it started from.
//
// Why: a password check is argon2id with 2 lanes, two goroutines that keep
// two Ps busy for ~0.1 s, and the server runs at most one per two cores
// (server/login_guard.go). With GOMAXPROCS equal to the cores, on 2 cores
// every other session's next command then waits for a P until the Go
// scheduler preempts a hashing goroutine, which it does only after 10 ms:
// the mixed benchmark's LOGOUT p99 was 7.4 ms against Dovecot's 4.4 ms
// (BENCHMARKS.md). With a spare P that command runs at once on a third OS
// thread and the kernel shares the cores between it and the hashing
// threads in much finer slices. Measured with the mixed workload (8
// clients, 15 sessions each, `roost serve` on 2 cores shared with other
// CPU-heavy jobs, so every number is higher and noisier than in
// BENCHMARKS.md), alternating runs: GOMAXPROCS 2 vs 3, LOGOUT p99
// 59/48/27 vs 11/15/14 ms, CONNECT p99 89/54/100 vs 68/20/18 ms; this
// code vs before, LOGOUT p99 30/32/7.6 vs 92/13/22 ms; the other
// commands' p99, LOGIN and throughput unchanged within the noise.
// GOMAXPROCS 4 was worse for every command: it doubles the verification
// slots (before maxVerifications in internal/app), so hashing takes every
// P again.
func oneMoreProcThanCores(e *env) int {
	cores := runtime.GOMAXPROCS(0) // the runtime's default: CPUs, or the cgroup's CPU limit
	if e.getenv("GOMAXPROCS") == "" {
		runtime.GOMAXPROCS(cores + 1)
	}
	return cores
}

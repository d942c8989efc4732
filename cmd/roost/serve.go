package main

import (
	"context"
	"flag"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"roost/internal/app"
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
listener is on a loopback address.

SIGHUP reloads the TLS certificate and key: new connections get the new
pair, established sessions continue. A pair that does not load (or whose key
does not match the certificate) is refused with an error in the log, and
the previous one stays in use.

Flags override the config file; the log goes to stderr.`

func runServe(e *env, args []string) error {
	fs := newFlagSet(e, "serve", "serve [--data DIR] [--config FILE] [--imap ADDR] [--imaps ADDR] [--demo] [--cert FILE --key FILE]", serveDescription)
	sf := addStoreFlags(fs)
	imapAddr := fs.String("imap", config.DefaultIMAPAddr, "IMAP (STARTTLS) listen `ADDR`; \"\" disables it")
	imapsAddr := fs.String("imaps", config.DefaultIMAPSAddr, "IMAPS (implicit TLS) listen `ADDR`; \"\" disables it")
	demo := fs.Bool("demo", false, "create the demo/demo account and print mail client settings (loopback only)")
	certFile := fs.String("cert", "", "TLS certificate chain `FILE` (PEM); default: self-signed in DATA/tls")
	keyFile := fs.String("key", "", "TLS private key `FILE` (PEM)")
	logLevel := fs.String("log-level", "", "log `LEVEL`: debug, info, warn or error (default info)")
	positional, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(positional) > 0 {
		return usagef("unexpected argument %q", positional[0])
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
		}
	})
	if err := cfg.Validate(); err != nil {
		return err
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

	return app.Run(ctx, app.Options{Config: cfg, Demo: *demo, Logger: logger, Out: e.stdout, Reload: reload})
}

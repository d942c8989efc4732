// Package config holds Roost's settings: their defaults, the TOML config
// file, and validation. Command-line flags override the file; the file
// overrides the defaults. Unknown keys in the file are an error, so a typo
// never silently falls back to a default.
//
// The file format (every key optional; the values shown are the defaults):
//
//	data = "./roost-data"         # data directory; $ROOST_DATA overrides the file
//	log_level = "info"            # debug, info, warn or error
//
//	[listen]
//	imap  = "127.0.0.1:1143"      # IMAP with STARTTLS; "" disables it
//	imaps = "127.0.0.1:1993"      # IMAP over implicit TLS; "" disables it
//
//	[tls]
//	cert = ""                     # PEM certificate chain; both empty: self-signed,
//	key  = ""                     # generated once in DATA/tls/
//
//	[limits]
//	max_literal = 67108864        # bytes; largest APPEND (APPENDLIMIT)
//	max_line    = 65536           # bytes of command text outside literals
//
//	[timeouts]
//	idle     = "30m"              # authenticated connection without a command
//	pre_auth = "60s"              # connection that has not logged in
//	shutdown = "10s"              # how long a graceful shutdown may take
//
// Relative paths in the file (data, tls.cert, tls.key) are relative to the
// directory of the file; relative paths given as flags are relative to the
// working directory.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// Defaults.
const (
	DefaultDataDir    = "./roost-data"
	DefaultIMAPAddr   = "127.0.0.1:1143"
	DefaultIMAPSAddr  = "127.0.0.1:1993"
	DefaultMaxLiteral = 64 << 20
	DefaultMaxLine    = 64 << 10
	DefaultIdle       = 30 * time.Minute // RFC 9051 §5.4: at least 30 minutes
	DefaultPreAuth    = 60 * time.Second
	DefaultShutdown   = 10 * time.Second
	DefaultLogLevel   = "info"

	// DataEnv names the environment variable that sets the data directory.
	DataEnv = "ROOST_DATA"
)

// Config is every setting of a Roost process.
type Config struct {
	Data     string   `toml:"data"`
	LogLevel string   `toml:"log_level"`
	Listen   Listen   `toml:"listen"`
	TLS      TLS      `toml:"tls"`
	Limits   Limits   `toml:"limits"`
	Timeouts Timeouts `toml:"timeouts"`
}

// Listen holds the listener addresses; an empty address disables one.
type Listen struct {
	IMAP  string `toml:"imap"`
	IMAPS string `toml:"imaps"`
}

// TLS names a certificate and key; both empty means self-signed.
type TLS struct {
	Cert string `toml:"cert"`
	Key  string `toml:"key"`
}

// Limits bound what one client may send.
type Limits struct {
	MaxLiteral int64 `toml:"max_literal"`
	MaxLine    int   `toml:"max_line"`
}

// Timeouts bound how long things may take.
type Timeouts struct {
	Idle     time.Duration `toml:"idle"`
	PreAuth  time.Duration `toml:"pre_auth"`
	Shutdown time.Duration `toml:"shutdown"`
}

// Default returns the built-in settings.
func Default() Config {
	return Config{
		Data:     DefaultDataDir,
		LogLevel: DefaultLogLevel,
		Listen:   Listen{IMAP: DefaultIMAPAddr, IMAPS: DefaultIMAPSAddr},
		Limits:   Limits{MaxLiteral: DefaultMaxLiteral, MaxLine: DefaultMaxLine},
		Timeouts: Timeouts{Idle: DefaultIdle, PreAuth: DefaultPreAuth, Shutdown: DefaultShutdown},
	}
}

// LoadFile reads the TOML file at path on top of cfg. Keys the file does not
// set keep their value in cfg; unknown keys are an error.
func LoadFile(cfg *Config, path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	return parse(cfg, string(b), path)
}

// parse decodes text (named name in errors) on top of cfg.
func parse(cfg *Config, text, name string) error {
	// Decode into a copy so a bad file leaves cfg untouched.
	next := *cfg
	md, err := toml.Decode(text, &next)
	if err != nil {
		return fmt.Errorf("config %s: %w", name, err)
	}
	if undecoded := md.Undecoded(); len(undecoded) > 0 {
		keys := make([]string, len(undecoded))
		for i, k := range undecoded {
			keys[i] = k.String()
		}
		return fmt.Errorf("config %s: unknown key(s): %s", name, strings.Join(keys, ", "))
	}
	// Paths in the file are relative to the file, not to whoever runs roost.
	base := filepath.Dir(name)
	for _, p := range []struct {
		key string
		val *string
	}{{"data", &next.Data}, {"tls.cert", &next.TLS.Cert}, {"tls.key", &next.TLS.Key}} {
		if md.IsDefined(strings.Split(p.key, ".")...) && *p.val != "" && !filepath.IsAbs(*p.val) {
			*p.val = filepath.Join(base, *p.val)
		}
	}
	*cfg = next
	return nil
}

// Validate reports the first setting that cannot work.
func (c *Config) Validate() error {
	if c.Data == "" {
		return errors.New("config: data directory is empty")
	}
	if _, err := ParseLogLevel(c.LogLevel); err != nil {
		return err
	}
	if c.Listen.IMAP == "" && c.Listen.IMAPS == "" {
		return errors.New("config: every listener is disabled (listen.imap and listen.imaps are both empty)")
	}
	for _, l := range []struct{ name, addr string }{{"imap", c.Listen.IMAP}, {"imaps", c.Listen.IMAPS}} {
		if l.addr == "" {
			continue
		}
		if _, _, err := net.SplitHostPort(l.addr); err != nil {
			return fmt.Errorf("config: listen.%s %q: %w", l.name, l.addr, err)
		}
	}
	// Port 0 picks a free port for each listener, so only fixed ports clash.
	if c.Listen.IMAP != "" && c.Listen.IMAP == c.Listen.IMAPS && !strings.HasSuffix(c.Listen.IMAP, ":0") {
		return fmt.Errorf("config: listen.imap and listen.imaps are the same address %q", c.Listen.IMAP)
	}
	if (c.TLS.Cert == "") != (c.TLS.Key == "") {
		return errors.New("config: tls.cert and tls.key must be given together")
	}
	if c.Limits.MaxLiteral <= 0 {
		return fmt.Errorf("config: limits.max_literal must be positive, not %d", c.Limits.MaxLiteral)
	}
	// A line must at least hold a command with a few arguments.
	if c.Limits.MaxLine < 1024 {
		return fmt.Errorf("config: limits.max_line must be at least 1024, not %d", c.Limits.MaxLine)
	}
	if c.Timeouts.Idle < DefaultIdle {
		// RFC 9051 §5.4: an autologout timer must be at least 30 minutes.
		return fmt.Errorf("config: timeouts.idle must be at least %v (RFC 9051 §5.4), not %v", DefaultIdle, c.Timeouts.Idle)
	}
	if c.Timeouts.PreAuth <= 0 {
		return fmt.Errorf("config: timeouts.pre_auth must be positive, not %v", c.Timeouts.PreAuth)
	}
	if c.Timeouts.Shutdown <= 0 {
		return fmt.Errorf("config: timeouts.shutdown must be positive, not %v", c.Timeouts.Shutdown)
	}
	return nil
}

// ParseLogLevel maps a log level name to its slog level.
func ParseLogLevel(name string) (slog.Level, error) {
	switch strings.ToLower(name) {
	case "debug":
		return slog.LevelDebug, nil
	case "info", "":
		return slog.LevelInfo, nil
	case "warn", "warning":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	}
	return 0, fmt.Errorf("config: unknown log level %q (want debug, info, warn or error)", name)
}

// Load returns the defaults, overlaid by the file at path (if path is not
// empty), overlaid by the environment (getenv, usually os.Getenv): $ROOST_DATA
// sets the data directory. Command-line flags go on top of the result; call
// Validate after applying them.
func Load(path string, getenv func(string) string) (Config, error) {
	cfg := Default()
	if path != "" {
		if err := LoadFile(&cfg, path); err != nil {
			return Config{}, err
		}
	}
	if getenv != nil {
		if dir := getenv(DataEnv); dir != "" {
			cfg.Data = dir
		}
	}
	return cfg, nil
}

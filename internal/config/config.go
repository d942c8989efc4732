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
//	max_connections_per_ip   = 100  # per address (IPv6: per /64); 0 = no limit
//	max_connections_per_user = 50   # logged-in sessions per account; 0 = no limit
//	max_concurrent_logins    = 4    # password checks at once (64 MiB each)
//	io_rate  = 100.0              # disk-writing commands per second and account; 0 = no limit
//	io_burst = 500                # ... of which this many may come at once
//	message_limit   = 100000      # MESSAGELIMIT: messages per FETCH/SEARCH/STORE/COPY/MOVE; 0 = no limit
//	background_load = 0           # commands in progress from which iOS Mail background
//	                              # sessions get NO [UNAVAILABLE]; 0 = 8 per CPU, -1 = never
//
//	[logins]                      # brute-force protection, per address and account
//	delay_after = 3               # failures before answers are delayed
//	base_delay  = "1s"            # first delay, doubled per further failure
//	max_delay   = "16s"           # delay cap
//	block_after = 10              # failures of an address before it is blocked
//	window      = "15m"           # how long a failure counts
//	block_for   = "15m"           # how long a block lasts
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

	DefaultMaxConnsPerIP       = 100
	DefaultMaxConnsPerUser     = 50
	DefaultMaxConcurrentLogins = 4
	DefaultIORate              = 100.0
	DefaultIOBurst             = 500
	// DefaultLoginCacheTTL covers the reconnect storms that make login cost
	// the limit (every client at once after a restart or a network blip,
	// phones reconnecting on wake-up, clients polling every 5-15 minutes)
	// while keeping a remembered credential's life short; a password change
	// or account deletion ends it at once whatever the TTL.
	DefaultLoginCacheTTL  = 15 * time.Minute
	DefaultLoginCacheSize = 10000
	// DefaultMessageLimit is the MESSAGELIMIT (RFC 9738): large enough
	// that clients unaware of it do not meet it in practice.
	DefaultMessageLimit = 100000

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
	Logins   Logins   `toml:"logins"`
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
	// Connection and load limits (0 means no limit, except for
	// MaxConcurrentLogins, which must be positive).
	MaxConnsPerIP       int     `toml:"max_connections_per_ip"`
	MaxConnsPerUser     int     `toml:"max_connections_per_user"`
	MaxConcurrentLogins int     `toml:"max_concurrent_logins"`
	IORate              float64 `toml:"io_rate"`
	IOBurst             int     `toml:"io_burst"`
	// MessageLimit is the MESSAGELIMIT (RFC 9738); 0 means no limit.
	MessageLimit int `toml:"message_limit"`
	// BackgroundLoad is the number of commands in progress from which
	// sessions iOS Mail marks as background traffic are refused (Apple
	// TN3189): 0 means 8 per CPU, negative never.
	BackgroundLoad int `toml:"background_load"`
}

// Logins tunes the brute-force protection (internal/auth/limiter).
type Logins struct {
	DelayAfter int           `toml:"delay_after"`
	BaseDelay  time.Duration `toml:"base_delay"`
	MaxDelay   time.Duration `toml:"max_delay"`
	BlockAfter int           `toml:"block_after"`
	Window     time.Duration `toml:"window"`
	BlockFor   time.Duration `toml:"block_for"`
	// CacheTTL is how long a verified password is remembered so that the
	// account's next password login skips argon2id (auth.CredentialCache);
	// CacheSize bounds the accounts remembered. 0 switches the cache off.
	CacheTTL  time.Duration `toml:"cache_ttl"`
	CacheSize int           `toml:"cache_size"`
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
		Limits: Limits{MaxLiteral: DefaultMaxLiteral, MaxLine: DefaultMaxLine,
			MaxConnsPerIP: DefaultMaxConnsPerIP, MaxConnsPerUser: DefaultMaxConnsPerUser,
			MaxConcurrentLogins: DefaultMaxConcurrentLogins, IORate: DefaultIORate, IOBurst: DefaultIOBurst,
			MessageLimit: DefaultMessageLimit},
		Logins: Logins{DelayAfter: 3, BaseDelay: time.Second, MaxDelay: 16 * time.Second,
			BlockAfter: 10, Window: 15 * time.Minute, BlockFor: 15 * time.Minute,
			CacheTTL: DefaultLoginCacheTTL, CacheSize: DefaultLoginCacheSize},
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
	if err := c.validateHardening(); err != nil {
		return err
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

package config

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestDefaultIsValid(t *testing.T) {
	cfg := Default()
	if err := cfg.Validate(); err != nil {
		t.Fatalf("Default().Validate() = %v, want nil", err)
	}
}

func TestParseFullFile(t *testing.T) {
	const text = `
data = "/var/lib/roost"
log_level = "debug"

[listen]
imap = "[::1]:143"
imaps = ""

[tls]
cert = "/etc/roost/cert.pem"
key = "/etc/roost/key.pem"

[limits]
max_literal = 1048576
max_line = 8192

[timeouts]
idle = "45m"
pre_auth = "20s"
shutdown = 3000000000
`
	cfg := Default()
	if err := parse(&cfg, text, "/etc/roost/roost.toml"); err != nil {
		t.Fatalf("parse: %v", err)
	}
	want := Config{
		Data:     "/var/lib/roost",
		LogLevel: "debug",
		Listen:   Listen{IMAP: "[::1]:143", IMAPS: ""},
		TLS:      TLS{Cert: "/etc/roost/cert.pem", Key: "/etc/roost/key.pem"},
		Limits: Limits{MaxLiteral: 1 << 20, MaxLine: 8192, MaxConnsPerIP: DefaultMaxConnsPerIP, MaxConnsPerUser: DefaultMaxConnsPerUser,
			MaxConcurrentLogins: DefaultMaxConcurrentLogins, IORate: DefaultIORate, IOBurst: DefaultIOBurst,
			MessageLimit: DefaultMessageLimit},
		Logins:   Default().Logins, // the file has no [logins]: defaults stay
		Timeouts: Timeouts{Idle: 45 * time.Minute, PreAuth: 20 * time.Second, Shutdown: 3 * time.Second},
	}
	if diff := cmp.Diff(want, cfg); diff != "" {
		t.Fatalf("parsed config mismatch (-want +got):\n%s", diff)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("Validate() = %v, want nil", err)
	}
}

func TestParsePartialKeepsDefaults(t *testing.T) {
	cfg := Default()
	if err := parse(&cfg, "[listen]\nimaps = \"127.0.0.1:9993\"\n", "roost.toml"); err != nil {
		t.Fatalf("parse: %v", err)
	}
	want := Default()
	want.Listen.IMAPS = "127.0.0.1:9993"
	if diff := cmp.Diff(want, cfg); diff != "" {
		t.Fatalf("config mismatch (-want +got):\n%s", diff)
	}
}

func TestRelativePathsAreRelativeToFile(t *testing.T) {
	cfg := Default()
	text := "data = \"mail\"\n[tls]\ncert = \"c.pem\"\nkey = \"/abs/k.pem\"\n"
	if err := parse(&cfg, text, filepath.Join("/etc", "roost", "roost.toml")); err != nil {
		t.Fatalf("parse: %v", err)
	}
	got := []string{cfg.Data, cfg.TLS.Cert, cfg.TLS.Key}
	want := []string{"/etc/roost/mail", "/etc/roost/c.pem", "/abs/k.pem"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("paths mismatch (-want +got):\n%s", diff)
	}
}

func TestUnknownKeysRejected(t *testing.T) {
	for _, tc := range []struct{ text, key string }{
		{"dat = \"x\"\n", "dat"},
		{"[listen]\nimap4 = \"127.0.0.1:1\"\n", "listen.imap4"},
		{"[limit]\nmax_line = 5000\n", "limit"},
	} {
		cfg := Default()
		err := parse(&cfg, tc.text, "roost.toml")
		if err == nil {
			t.Fatalf("parse(%q) = nil, want unknown key error", tc.text)
		}
		want := "config roost.toml: unknown key(s): "
		if !strings.HasPrefix(err.Error(), want) || !strings.Contains(err.Error(), tc.key) {
			t.Fatalf("parse(%q) = %q, want prefix %q naming %q", tc.text, err, want, tc.key)
		}
		if diff := cmp.Diff(Default(), cfg); diff != "" {
			t.Fatalf("failed parse changed the config (-want +got):\n%s", diff)
		}
	}
}

func TestSyntaxAndTypeErrors(t *testing.T) {
	for _, text := range []string{
		"data = \n",
		"[timeouts]\nidle = \"forever\"\n",
		"[limits]\nmax_line = \"big\"\n",
	} {
		cfg := Default()
		if err := parse(&cfg, text, "roost.toml"); err == nil {
			t.Fatalf("parse(%q) = nil, want an error", text)
		}
	}
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*Config)
		want   string
	}{
		{"no data", func(c *Config) { c.Data = "" }, "config: data directory is empty"},
		{"bad level", func(c *Config) { c.LogLevel = "loud" }, `config: unknown log level "loud" (want debug, info, warn or error)`},
		{"no listeners", func(c *Config) { c.Listen = Listen{} }, "config: every listener is disabled (listen.imap and listen.imaps are both empty)"},
		{"bad addr", func(c *Config) { c.Listen.IMAP = "localhost" }, `config: listen.imap "localhost": address localhost: missing port in address`},
		{"same addr", func(c *Config) { c.Listen.IMAPS = c.Listen.IMAP }, `config: listen.imap and listen.imaps are the same address "127.0.0.1:1143"`},
		{"cert only", func(c *Config) { c.TLS.Cert = "c.pem" }, "config: tls.cert and tls.key must be given together"},
		{"literal", func(c *Config) { c.Limits.MaxLiteral = 0 }, "config: limits.max_literal must be positive, not 0"},
		{"line", func(c *Config) { c.Limits.MaxLine = 100 }, "config: limits.max_line must be at least 1024, not 100"},
		{"idle", func(c *Config) { c.Timeouts.Idle = time.Minute }, "config: timeouts.idle must be at least 30m0s (RFC 9051 §5.4), not 1m0s"},
		{"preauth", func(c *Config) { c.Timeouts.PreAuth = 0 }, "config: timeouts.pre_auth must be positive, not 0s"},
		{"shutdown", func(c *Config) { c.Timeouts.Shutdown = -1 }, "config: timeouts.shutdown must be positive, not -1ns"},
	} {
		cfg := Default()
		tc.change(&cfg)
		err := cfg.Validate()
		if err == nil || err.Error() != tc.want {
			t.Errorf("%s: Validate() = %v, want %q", tc.name, err, tc.want)
		}
	}
}

func TestParseLogLevel(t *testing.T) {
	for name, want := range map[string]slog.Level{
		"debug": slog.LevelDebug, "INFO": slog.LevelInfo, "": slog.LevelInfo,
		"warn": slog.LevelWarn, "warning": slog.LevelWarn, "error": slog.LevelError,
	} {
		got, err := ParseLogLevel(name)
		if err != nil || got != want {
			t.Errorf("ParseLogLevel(%q) = %v, %v; want %v, nil", name, got, err, want)
		}
	}
}

func TestLoadPrecedence(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "roost.toml")
	if err := os.WriteFile(path, []byte("data = \"/from/file\"\nlog_level = \"warn\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{}
	getenv := func(k string) string { return env[k] }

	cfg, err := Load(path, getenv)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if cfg.Data != "/from/file" || cfg.LogLevel != "warn" {
		t.Fatalf("Load without env: data %q level %q, want /from/file warn", cfg.Data, cfg.LogLevel)
	}

	env[DataEnv] = "/from/env"
	cfg, err = Load(path, getenv)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if cfg.Data != "/from/env" {
		t.Fatalf("Load with $%s: data %q, want /from/env", DataEnv, cfg.Data)
	}

	cfg, err = Load("", getenv)
	if err != nil {
		t.Fatalf("Load(\"\"): %v", err)
	}
	want := Default()
	want.Data = "/from/env"
	if diff := cmp.Diff(want, cfg); diff != "" {
		t.Fatalf("Load without file (-want +got):\n%s", diff)
	}

	if _, err := Load(filepath.Join(dir, "missing.toml"), getenv); err == nil {
		t.Fatal("Load of a missing file = nil error, want an error")
	}
}

// TestDocumentedDefaults keeps docs/CONFIG.md honest: its example file,
// which shows every key with its default, must parse to Default().
func TestDocumentedDefaults(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "CONFIG.md"))
	if err != nil {
		t.Fatalf("reading docs/CONFIG.md: %v", err)
	}
	_, rest, ok := strings.Cut(string(doc), "```toml\n")
	if !ok {
		t.Fatal("docs/CONFIG.md has no ```toml block")
	}
	block, _, ok := strings.Cut(rest, "```")
	if !ok {
		t.Fatal("docs/CONFIG.md: unterminated ```toml block")
	}
	var cfg Config // zero: every value must come from the document
	if err := parse(&cfg, block, "CONFIG.md"); err != nil {
		t.Fatalf("the documented config does not parse: %v", err)
	}
	// parse made the data path relative to the file's directory, ".".
	if want := filepath.Join(".", DefaultDataDir); cfg.Data != want {
		t.Errorf("documented data %q, want %q", cfg.Data, want)
	}
	cfg.Data = DefaultDataDir
	if diff := cmp.Diff(Default(), cfg); diff != "" {
		t.Fatalf("docs/CONFIG.md differs from Default() (-default +doc):\n%s", diff)
	}
}

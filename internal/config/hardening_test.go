package config

import (
	"testing"
	"time"
)

func TestValidateHardening(t *testing.T) {
	for _, c := range []struct {
		edit func(*Config)
		want string
	}{
		{func(c *Config) { c.Limits.MaxConnsPerIP = -1 }, "config: limits.max_connections_per_ip must not be negative, not -1"},
		{func(c *Config) { c.Limits.IORate = -2 }, "config: limits.io_rate must not be negative, not -2"},
		{func(c *Config) { c.Limits.IOBurst = 0 }, "config: limits.io_burst must be at least 1 when limits.io_rate is set"},
		{func(c *Config) { c.Limits.MaxConcurrentLogins = 0 }, "config: limits.max_concurrent_logins must be at least 1, not 0"},
		{func(c *Config) { c.Logins.BlockAfter = 0 }, "config: logins.delay_after and logins.block_after must be at least 1"},
		{func(c *Config) { c.Logins.MaxDelay = time.Millisecond }, "config: logins.base_delay must be positive and logins.max_delay at least as long"},
		{func(c *Config) { c.Logins.Window = 0 }, "config: logins.window and logins.block_for must be positive"},
		{func(c *Config) { c.Logins.CacheTTL = -time.Second }, "config: logins.cache_ttl and logins.cache_size must not be negative (0 switches the cache off)"},
		{func(c *Config) { c.Logins.CacheSize = -1 }, "config: logins.cache_ttl and logins.cache_size must not be negative (0 switches the cache off)"},
	} {
		cfg := Default()
		c.edit(&cfg)
		if err := cfg.Validate(); err == nil || err.Error() != c.want {
			t.Errorf("Validate() = %v, want %q", err, c.want)
		}
	}
	cfg := Default()
	cfg.Limits.MaxConnsPerIP, cfg.Limits.MaxConnsPerUser, cfg.Limits.IORate = 0, 0, 0
	cfg.Logins.CacheTTL, cfg.Logins.CacheSize = 0, 0
	if err := cfg.Validate(); err != nil {
		t.Fatalf("0 (no limit) refused: %v", err)
	}
	if NoLimit(0) != -1 || NoLimit(7) != 7 {
		t.Fatal("NoLimit")
	}
}

func TestParseHardening(t *testing.T) {
	cfg := Default()
	text := "[limits]\nmax_connections_per_ip = 7\nio_rate = 2.5\n[logins]\nblock_for = \"1h\"\ndelay_after = 5\ncache_ttl = \"2m\"\n"
	if err := parse(&cfg, text, "x.toml"); err != nil {
		t.Fatal(err)
	}
	if cfg.Limits.MaxConnsPerIP != 7 || cfg.Limits.IORate != 2.5 || cfg.Logins.BlockFor != time.Hour ||
		cfg.Logins.DelayAfter != 5 || cfg.Logins.BlockAfter != 10 || cfg.Limits.MaxConnsPerUser != DefaultMaxConnsPerUser ||
		cfg.Logins.CacheTTL != 2*time.Minute || cfg.Logins.CacheSize != DefaultLoginCacheSize {
		t.Fatalf("parsed %+v %+v", cfg.Limits, cfg.Logins)
	}
}

package config

import "fmt"

// validateHardening checks the connection, load and login limits.
func (c *Config) validateHardening() error {
	l := c.Limits
	for _, v := range []struct {
		key string
		n   int
	}{
		{"limits.max_connections_per_ip", l.MaxConnsPerIP},
		{"limits.max_connections_per_user", l.MaxConnsPerUser},
		{"limits.io_burst", l.IOBurst},
		{"limits.message_limit", l.MessageLimit},
	} {
		if v.n < 0 {
			return fmt.Errorf("config: %s must not be negative, not %d", v.key, v.n)
		}
	}
	if l.IORate < 0 {
		return fmt.Errorf("config: limits.io_rate must not be negative, not %v", l.IORate)
	}
	if l.IORate > 0 && l.IOBurst < 1 {
		return fmt.Errorf("config: limits.io_burst must be at least 1 when limits.io_rate is set")
	}
	if l.MaxConcurrentLogins < 1 {
		return fmt.Errorf("config: limits.max_concurrent_logins must be at least 1, not %d", l.MaxConcurrentLogins)
	}
	g := c.Logins
	if g.DelayAfter < 1 || g.BlockAfter < 1 {
		return fmt.Errorf("config: logins.delay_after and logins.block_after must be at least 1")
	}
	if g.BaseDelay <= 0 || g.MaxDelay < g.BaseDelay {
		return fmt.Errorf("config: logins.base_delay must be positive and logins.max_delay at least as long")
	}
	if g.Window <= 0 || g.BlockFor <= 0 {
		return fmt.Errorf("config: logins.window and logins.block_for must be positive")
	}
	if g.CacheTTL < 0 || g.CacheSize < 0 {
		return fmt.Errorf("config: logins.cache_ttl and logins.cache_size must not be negative (0 switches the cache off)")
	}
	return nil
}

// NoLimit maps a configured limit, where 0 means "no limit", to the
// server's convention, where 0 means "default" and a negative value "no
// limit".
func NoLimit(n int) int {
	if n == 0 {
		return -1
	}
	return n
}

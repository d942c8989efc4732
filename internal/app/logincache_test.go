package app

import (
	"testing"
	"time"

	"roost/internal/config"
)

// The config's 0 (off) becomes the server's negative (off); the server's 0
// would mean its default.
func TestLoginCacheTTL(t *testing.T) {
	for _, c := range []struct {
		in   config.Logins
		want time.Duration
	}{
		{config.Logins{CacheTTL: 15 * time.Minute, CacheSize: 10000}, 15 * time.Minute},
		{config.Logins{CacheTTL: 0, CacheSize: 10000}, -1},
		{config.Logins{CacheTTL: time.Minute, CacheSize: 0}, -1},
	} {
		if got := loginCacheTTL(c.in); got != c.want {
			t.Errorf("loginCacheTTL(%+v) = %v, want %v", c.in, got, c.want)
		}
	}
	d := config.Default().Logins
	if got := loginCacheTTL(d); got != config.DefaultLoginCacheTTL {
		t.Errorf("default config: %v, want %v", got, config.DefaultLoginCacheTTL)
	}
}

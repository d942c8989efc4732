package app

import (
	"testing"

	"roost/internal/config"
)

// One password verification per two cores (a default argon2id hash runs
// two lanes in parallel; server/login_guard.go has the measurements), never
// more than configured, at least one.
func TestMaxVerifications(t *testing.T) {
	for _, c := range []struct{ configured, cpus, want int }{
		{config.DefaultMaxConcurrentLogins, 1, 1},
		{config.DefaultMaxConcurrentLogins, 2, 1},
		{config.DefaultMaxConcurrentLogins, 3, 1},
		{config.DefaultMaxConcurrentLogins, 4, 2},
		{config.DefaultMaxConcurrentLogins, 8, 4},
		{config.DefaultMaxConcurrentLogins, 64, 4},
		{1, 64, 1},
		{16, 64, 16},
		{3, 0, 3}, // core count unknown: the server's own bound applies
	} {
		if got := maxVerifications(c.configured, c.cpus); got != c.want {
			t.Errorf("maxVerifications(%d, %d cpus) = %d, want %d", c.configured, c.cpus, got, c.want)
		}
	}
}

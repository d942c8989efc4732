package server

// relaxLimits switches off the hardening limits that would otherwise shape
// the hostile-traffic tests (isolation, malformed input, fuzzing): those
// tests send thousands of commands, some failing logins and many
// connections from one address on purpose, and check answers, not
// throttling, which the limits tests cover.
func relaxLimits(c *Config) {
	c.MaxConnsPerIP = -1
	c.MaxConnsPerUser = -1
	c.IORate = -1
	c.Logins.DelayAfter = 1 << 30
	c.Logins.BlockAfter = 1 << 30
}

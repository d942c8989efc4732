//go:build !unix

package app

// lockDataDir does nothing where flock(2) does not exist.
func lockDataDir(string) (release func(), err error) { return func() {}, nil }

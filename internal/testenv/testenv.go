// Package testenv decides what a test does when something outside the
// repository is missing: the shared corpus beside the checkout, a real
// client program (python3, curl, mbsync), or root for a small tmpfs.
//
// A fresh clone on a machine with only Go must pass `go test ./...`, so
// outside CI such a test skips and says what it needs and how to get it.
// Under CI=true the same absence fails the test: CI always provides these,
// so a skip there would hide a guarantee that is no longer checked.
package testenv

import (
	"os"
	"os/exec"
	"testing"
)

// InCI reports whether the tests run under CI (CI=true), where nothing a
// test needs may be missing.
func InCI() bool { return os.Getenv("CI") == "true" }

// Missing stops the test because something it needs is absent: a skip
// outside CI, a failure under CI. what says what is missing and how to
// provide it; err is the error that showed it.
func Missing(tb testing.TB, what string, err error) {
	tb.Helper()
	if InCI() {
		tb.Fatalf("%s (CI=true, so this fails instead of skipping): %v", what, err)
	}
	tb.Skipf("skipped: %s: %v", what, err)
}

// Program returns the path of an executable the test runs, stopping the
// test as Missing does when it is not on PATH. pkg is the Debian package
// that provides it.
func Program(tb testing.TB, name, pkg string) string {
	tb.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		Missing(tb, name+" is not installed (apt-get install -y "+pkg+"; .ci/run installs it)", err)
	}
	return path
}

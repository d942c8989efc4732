package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// version is Roost's release version.
const version = "0.1.0-dev"

func runVersion(e *env, args []string) error {
	fs := newFlagSet(e, "version", "version", "Prints the version, the source revision when known, and the Go version.")
	positional, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(positional) > 0 {
		return usagef("unexpected argument %q", positional[0])
	}
	_, err = fmt.Fprintln(e.stdout, versionString())
	return err
}

// versionString is "roost VERSION (REVISION, GOVERSION OS/ARCH)"; the
// revision comes from the build's VCS stamp when there is one.
func versionString() string {
	rev := "devel" // built without VCS stamping (-buildvcs=false)
	if info, ok := debug.ReadBuildInfo(); ok {
		var commit, modified string
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				commit = s.Value
			case "vcs.modified":
				modified = s.Value
			}
		}
		if len(commit) > 12 {
			commit = commit[:12]
		}
		if commit != "" {
			rev = commit
			if modified == "true" {
				rev += "+modified"
			}
		}
	}
	return fmt.Sprintf("roost %s (%s, %s %s/%s)", version, rev, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

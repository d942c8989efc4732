//go:build unix

package app

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// lockDataDir takes the server's exclusive lock on dir, held until release
// (or the process's end: the kernel drops a flock with its last
// descriptor, so a crashed server leaves no stale lock). Two servers on
// one directory would never see each other's changes, and the start-up
// garbage collection of one could remove files the other is writing. The
// CLI commands do not take it: they work beside the server.
func lockDataDir(dir string) (release func(), err error) {
	path := filepath.Join(dir, lockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("data directory lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		holder := ""
		if b, rerr := os.ReadFile(path); rerr == nil {
			if pid, perr := strconv.Atoi(strings.TrimSpace(string(b))); perr == nil && pid > 0 {
				holder = fmt.Sprintf(" (pid %d)", pid)
			}
		}
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("another roost serve%s is already using the data directory %s (it holds %s); "+
				"stop it first or give this one another --data", holder, dir, path)
		}
		return nil, fmt.Errorf("data directory lock %s: %w", path, err)
	}
	// The holder's PID, for the message above and for people.
	if err := f.Truncate(0); err == nil {
		f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return func() { f.Close() }, nil
}

package app

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// ErrNoDataDir means a command that only uses an existing store found none.
var ErrNoDataDir = errors.New("no data directory")

// ErrNoStore means the data directory exists but holds no store: a mistyped
// --data that happens to name some other directory.
var ErrNoStore = errors.New("no Roost store")

// storeFile is the database whose presence makes a directory a store.
const storeFile = "roost.db"

// lockFile is what a running server holds an exclusive lock on, so that a
// second server on the same data directory refuses to start (lock_unix.go).
const lockFile = "roost.lock"

// requireStore checks that dir is a data directory holding a store, for
// the commands that only work on an existing one.
func requireStore(dir string) error {
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%w %s (set --data, $ROOST_DATA or the config file's data)", ErrNoDataDir, dir)
	case err != nil:
		return fmt.Errorf("data directory: %w", err)
	case !st.IsDir():
		return fmt.Errorf("data directory %s is not a directory", dir)
	}
	if _, err := os.Stat(filepath.Join(dir, storeFile)); errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%w in %s (it has no %s; roost user add or roost serve creates one there)", ErrNoStore, dir, storeFile)
	} else if err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	return nil
}

// ensureDataDir creates dir if it does not exist, but only inside an
// existing directory: `--data /var/lib/rost` (a typo) fails instead of
// creating a tree nobody meant.
func ensureDataDir(dir string) error {
	st, err := os.Stat(dir)
	switch {
	case err == nil && st.IsDir():
		return nil
	case err == nil:
		return fmt.Errorf("data directory %s is not a directory", dir)
	case !errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("data directory: %w", err)
	}
	parent := filepath.Dir(filepath.Clean(dir))
	if st, err := os.Stat(parent); err != nil || !st.IsDir() {
		return fmt.Errorf("data directory %s: its parent %s does not exist (create it first)", dir, parent)
	}
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("data directory: %w", err)
	}
	return nil
}

package app

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"unicode"
	"unicode/utf8"

	"roost/internal/auth"
	"roost/internal/store"
	"roost/internal/store/sqlite"
)

// ErrNoDataDir means a command that only uses an existing store found none.
var ErrNoDataDir = errors.New("no data directory")

// StoreMode says who opens the store.
type StoreMode int

const (
	// ForServer: create the directory if missing and collect garbage
	// (unreferenced blobs, stale temporary files) at open.
	ForServer StoreMode = iota
	// ForTool: a short-lived CLI command next to a possibly running
	// server; no garbage collection, and a missing directory is
	// ErrNoDataDir so that a mistyped --data does not start an empty store.
	ForTool
	// ForToolCreate: like ForTool, but a missing directory is created
	// (`roost user add` on a fresh machine).
	ForToolCreate
)

// OpenStore opens the embedded store in dataDir.
//
// Several processes may open the same directory at once (a running server
// and `roost user add`): SQLite serialises their writes.
func OpenStore(dataDir string, mode StoreMode) (*sqlite.Store, error) {
	if mode == ForTool {
		if _, err := os.Stat(dataDir); errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w %s (set --data, $ROOST_DATA or the config file's data)", ErrNoDataDir, dataDir)
		} else if err != nil {
			return nil, fmt.Errorf("data directory: %w", err)
		}
	} else if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	s, err := sqlite.Open(dataDir, sqlite.Options{NoGC: mode != ForServer})
	if err != nil {
		return nil, fmt.Errorf("opening the store in %s: %w", dataDir, err)
	}
	return s, nil
}

// ValidateUsername accepts names a mail client can type and IMAP can carry
// as an atom or quoted string: 1 to 64 bytes of printable UTF-8 without
// spaces, quotes, backslashes or control characters.
func ValidateUsername(name string) error {
	if name == "" {
		return errors.New("user name is empty")
	}
	if len(name) > 64 {
		return fmt.Errorf("user name is longer than 64 bytes")
	}
	if !utf8.ValidString(name) {
		return fmt.Errorf("user name is not valid UTF-8")
	}
	for _, r := range name {
		if unicode.IsSpace(r) || !unicode.IsPrint(r) || strings.ContainsRune(`"\`, r) {
			return fmt.Errorf("user name %q contains %q; use letters, digits and punctuation such as . - _ @", name, r)
		}
	}
	return nil
}

// ValidatePassword rejects passwords that cannot work: empty ones, and those
// with line breaks or NUL, which no IMAP LOGIN can send.
func ValidatePassword(password string) error {
	if password == "" {
		return errors.New("password is empty")
	}
	if strings.ContainsAny(password, "\r\n\x00") {
		return errors.New("password contains a line break or NUL")
	}
	return nil
}

// AddUser creates an account (with the default mailboxes) and its password.
func AddUser(ctx context.Context, b store.Backend, name, password string) (*store.User, error) {
	if err := ValidateUsername(name); err != nil {
		return nil, err
	}
	if err := ValidatePassword(password); err != nil {
		return nil, err
	}
	// The argon2id hash and the SCRAM-SHA-256 verifier; never the password.
	u, err := auth.CreateUser(ctx, b, name, password)
	if errors.Is(err, store.ErrUserExists) {
		return nil, fmt.Errorf("user %q already exists", name)
	}
	return u, err
}

// SetPassword replaces the password of an existing account.
func SetPassword(ctx context.Context, b store.Backend, name, password string) error {
	if err := ValidatePassword(password); err != nil {
		return err
	}
	err := auth.SetPassword(ctx, b, name, password)
	if errors.Is(err, store.ErrNoUser) {
		return fmt.Errorf("no user %q", name)
	}
	return err
}

// DeleteUser removes an account and all its mail.
func DeleteUser(ctx context.Context, b store.Backend, name string) error {
	err := b.DeleteUser(ctx, name)
	if errors.Is(err, store.ErrNoUser) {
		return fmt.Errorf("no user %q", name)
	}
	return err
}

package app

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"roost/internal/auth"
	"roost/internal/store"
	"roost/internal/store/sqlite"
)

// StoreMode says who opens the store.
type StoreMode int

const (
	// ForServer: create the directory if missing (inside an existing
	// parent) and collect garbage (unreferenced blobs, stale temporary
	// files) at open.
	ForServer StoreMode = iota
	// ForTool: a short-lived CLI command next to a possibly running
	// server; no garbage collection, and a directory that is missing or
	// holds no store is ErrNoDataDir or ErrNoStore, so that a mistyped
	// --data does not start an empty store.
	ForTool
	// ForToolCreate: like ForTool, but a missing store is created
	// (`roost user add` on a fresh machine).
	ForToolCreate
)

// OpenStore opens the embedded store in dataDir.
//
// Several processes may open the same directory at once (a running server
// and `roost user add`): SQLite serialises their writes.
func OpenStore(dataDir string, mode StoreMode) (*sqlite.Store, error) {
	if mode == ForTool {
		if err := requireStore(dataDir); err != nil {
			return nil, err
		}
	} else if err := ensureDataDir(dataDir); err != nil {
		return nil, err
	}
	s, err := sqlite.Open(dataDir, sqlite.Options{NoGC: mode != ForServer})
	if err != nil {
		return nil, fmt.Errorf("opening the store in %s: %w", dataDir, err)
	}
	return s, nil
}

// ValidateUsername checks the name of a new account: store.ValidateUserName,
// the one rule every path that creates accounts follows.
func ValidateUsername(name string) error {
	err := store.ValidateUserName(name)
	if err != nil {
		// The message without the sentinel's prefix reads better on a
		// command line.
		return errors.New(strings.TrimPrefix(err.Error(), store.ErrInvalidUserName.Error()+": "))
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

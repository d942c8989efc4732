package app

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"roost/internal/auth"
	"roost/internal/store"
)

// Importing password hashes made elsewhere (`roost user add NAME
// --password-hash HASH`), as when accounts move from another server that
// stores argon2id hashes in the same PHC form ($argon2id$v=19$m=..,t=..,p=..
// $salt$key, e.g. Dovecot's {ARGON2ID} scheme without its prefix), and the
// server's choice of argon2id cost (`roost serve --password-hash-params`).

// noPassword is never a real password (ValidatePassword refuses NUL), so
// verifying it against a hash only checks that the hash can be used.
const noPassword = "\x00"

// CheckedHash is an imported password hash that CheckPasswordHash
// accepted: the type lets ImportUser and SetPasswordHash take it without
// verifying it a second time.
type CheckedHash string

// CheckPasswordHash checks that hash (surrounding space ignored) is an
// argon2id hash Roost can verify logins against. It runs one verification,
// so it costs what one login with this hash costs; hashes whose parameters
// are out of the range internal/auth accepts (over 4 GiB or 100 passes) are
// refused.
func CheckPasswordHash(hash string) (CheckedHash, error) {
	hash = strings.TrimSpace(hash)
	if _, _, err := auth.Verify(hash, noPassword); err != nil {
		return "", fmt.Errorf("not a usable argon2id hash (want $argon2id$v=19$m=KiB,t=passes,p=lanes$salt$key): %w", err)
	}
	return CheckedHash(hash), nil
}

// ImportUser creates an account (with the default mailboxes) whose password
// is checked against hash, an argon2id hash made elsewhere. The password
// itself is unknown, so the account has no SCRAM-SHA-256 verifier yet: it
// gets one at its first LOGIN or AUTHENTICATE PLAIN, as does a stronger
// argon2id hash if hash's parameters are weaker than the server's
// (internal/auth rehashes then), so an imported account reaches the
// server's own strength without the user doing anything.
func ImportUser(ctx context.Context, b store.Backend, name string, hash CheckedHash) (*store.User, error) {
	if err := ValidateUsername(name); err != nil {
		return nil, err
	}
	u, err := b.CreateUser(ctx, name, string(hash))
	if errors.Is(err, store.ErrUserExists) {
		return nil, fmt.Errorf("user %q already exists", name)
	}
	return u, err
}

// SetPasswordHash replaces the password hash of an existing account with
// an imported one; its SCRAM-SHA-256 verifier goes too (the store drops it
// with the old hash), until the next password login.
func SetPasswordHash(ctx context.Context, b store.Backend, name string, hash CheckedHash) error {
	err := b.SetPassword(ctx, name, string(hash))
	if errors.Is(err, store.ErrNoUser) {
		return fmt.Errorf("no user %q", name)
	}
	return err
}

// ParseHashParams reads argon2id cost parameters written as in a PHC hash,
// "m=65536,t=2,p=2" (memory in KiB, passes, lanes), into the parameters new
// hashes are made with; salt and key lengths and the SCRAM iteration count
// stay the defaults.
func ParseHashParams(s string) (auth.Params, error) {
	p := auth.DefaultParams
	var m, t, lanes uint64
	n, err := fmt.Sscanf(strings.TrimSpace(s), "m=%d,t=%d,p=%d", &m, &t, &lanes)
	if err != nil || n != 3 {
		return p, fmt.Errorf("argon2id parameters %q: want m=KiB,t=passes,p=lanes (default m=%d,t=%d,p=%d)",
			s, p.Memory, p.Time, p.Threads)
	}
	// The same bounds internal/auth puts on stored hashes, so that every
	// hash the server makes can be verified later.
	if lanes < 1 || lanes > 255 || t < 1 || t > 100 || m < 8*lanes || m > 4<<20 {
		return p, fmt.Errorf("argon2id parameters %q out of range (1 <= p <= 255, 1 <= t <= 100, 8*p <= m <= %d KiB)", s, 4<<20)
	}
	p.Memory, p.Time, p.Threads = uint32(m), uint32(t), uint8(lanes)
	return p, nil
}

// weakerThanDefault reports whether new hashes made with p would be cheaper
// to attack than with auth.DefaultParams.
func weakerThanDefault(p auth.Params) bool {
	d := auth.DefaultParams
	return p.Memory < d.Memory || p.Time < d.Time || p.Threads < d.Threads
}

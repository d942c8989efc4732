package auth

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"

	"roost/internal/store"
)

// ErrBadCredentials is returned by Login for an unknown user and for a wrong
// password alike, so that a client cannot probe which accounts exist.
var ErrBadCredentials = errors.New("auth: invalid user name or password")

// Login checks username and password against the backend. On success it
// returns the user; if the stored hash was made with weaker parameters than
// the current ones it stores a fresh hash first (failure to do so does not
// fail the login). For an unknown user it does the same argon2id work as for
// a known one before returning ErrBadCredentials. It caches nothing: see
// CredentialCache.Login for the server's logins.
func Login(ctx context.Context, b store.Backend, username, password string) (*store.User, error) {
	var none *CredentialCache
	return none.Login(ctx, b, username, password, nil)
}

// lookupUser reads the account row: ErrBadCredentials if there is none.
func lookupUser(ctx context.Context, b store.Backend, username string) (*store.User, error) {
	u, err := b.User(ctx, username)
	if errors.Is(err, store.ErrNoUser) {
		return nil, ErrBadCredentials
	}
	return u, err
}

// verifyUser checks password against u's stored hash (argon2id), then
// upgrades a weak hash and a missing or weak SCRAM verifier, updating u.
func verifyUser(ctx context.Context, b store.Backend, u *store.User, password string) error {
	ok, rehash, err := Verify(u.PasswordHash, password)
	if err != nil {
		return fmt.Errorf("%w (stored hash of %q: %v)", ErrBadCredentials, u.Name, err)
	}
	if !ok {
		return ErrBadCredentials
	}
	if rehash {
		if h, err := Hash(password); err == nil {
			if b.SetPassword(ctx, u.Name, h) == nil {
				u.PasswordHash = h
				u.SCRAMSHA256 = "" // SetPassword dropped it
			}
		}
	}
	if scramNeedsUpdate(u.SCRAMSHA256) {
		// Users created before SCRAM existed (or whose verifier is weaker
		// than today's) get one now, derived from the password they just
		// proved; it is only stored if the hash is still the one checked.
		if v, err := SCRAMVerifier(password); err == nil {
			if b.SetSCRAM(ctx, u.Name, u.PasswordHash, v) == nil {
				u.SCRAMSHA256 = v
			}
		}
	}
	return nil
}

// SetPassword stores a new password for an existing user: its argon2id hash
// and its SCRAM-SHA-256 verifier, never the password itself.
func SetPassword(ctx context.Context, b store.Backend, username, password string) error {
	hash, verifier, err := Credentials(password)
	if err != nil {
		return err
	}
	if err := b.SetPassword(ctx, username, hash); err != nil {
		return err
	}
	if verifier == "" {
		return nil
	}
	return b.SetSCRAM(ctx, username, hash, verifier)
}

// CreateUser creates an account with the hash and SCRAM verifier of
// password.
func CreateUser(ctx context.Context, b store.Backend, username, password string) (*store.User, error) {
	hash, verifier, err := Credentials(password)
	if err != nil {
		return nil, err
	}
	u, err := b.CreateUser(ctx, username, hash)
	if err != nil || verifier == "" {
		return u, err
	}
	// Should this fail, the account still works and gets its verifier at
	// the first PLAIN/LOGIN login.
	if b.SetSCRAM(ctx, username, hash, verifier) == nil {
		u.SCRAMSHA256 = verifier
	}
	return u, nil
}

// passwordAlphabet leaves out look-alikes (0/O, 1/l/I) so that a generated
// password can be read aloud or copied by hand.
const passwordAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"

// GeneratePassword returns a random 20-character password from
// crypto/rand: 57 symbols, about 117 bits of entropy.
func GeneratePassword() string {
	const length = 20
	out := make([]byte, 0, length)
	buf := make([]byte, 32)
	for len(out) < length {
		// crypto/rand.Read never fails on supported platforms (Go 1.24+:
		// it crashes the program instead of returning an error).
		_, _ = rand.Read(buf)
		for _, c := range buf {
			// Rejection sampling keeps every symbol equally likely:
			// 228 = 4*57 is the largest multiple of 57 below 256.
			if c < 4*byte(len(passwordAlphabet)) && len(out) < length {
				out = append(out, passwordAlphabet[int(c)%len(passwordAlphabet)])
			}
		}
	}
	return string(out)
}

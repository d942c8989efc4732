// Package auth hashes passwords with argon2id and checks logins against the
// store.
//
// Hashes are stored in the PHC string format, which records the parameters
// of each hash next to it:
//
//	$argon2id$v=19$m=65536,t=2,p=2$<salt, base64 raw std>$<key, base64 raw std>
//
// so that the defaults can be raised later without invalidating stored
// passwords: Verify reports needsRehash for a hash made with weaker
// parameters, and Login then stores a fresh hash.
//
// The server's password logins go through a CredentialCache (cache.go),
// which spares a repeat login with a recently verified password the
// argon2id hash without weakening what is stored.
package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id cost parameters.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes
	Threads uint8  // lanes
	SaltLen uint32 // bytes
	KeyLen  uint32 // bytes
	// SCRAMIterations is the PBKDF2 iteration count of new SCRAM-SHA-256
	// verifiers (scram.go); 0 means the RFC 7677 §4 minimum, 4096. It is
	// the client's cost, not the server's.
	SCRAMIterations int
}

// scramIterations is p.SCRAMIterations, at least the RFC 7677 minimum.
func (p Params) scramIterations() int { return max(p.SCRAMIterations, minSCRAMIterations) }

// DefaultParams are the production parameters: 64 MiB, 2 passes, 2 lanes
// (RFC 9106 §4 suggests 64 MiB as the memory-constrained choice). Measured on
// the 2-core development machine: ~120 ms per hash (BenchmarkHashDefault),
// which is slow for an attacker with a stolen database and still quick
// enough for an interactive login. Each hash in progress holds 64 MiB, so the
// server should bound concurrent logins.
var DefaultParams = Params{Memory: 64 * 1024, Time: 2, Threads: 2, SaltLen: 16, KeyLen: 32, SCRAMIterations: 8192}

// TestParams are deliberately cheap (~0.1 ms) for tests that create and log
// in hundreds of users. Never use them in production.
var TestParams = Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

// current holds the parameters Hash uses and Verify compares against. It is
// the package's one piece of mutable state, and it exists only so that tests
// of other packages (which reach auth through Login) can make hashing cheap:
// see UseParams. Production code never changes it.
var current atomic.Pointer[Params]

func currentParams() Params {
	if p := current.Load(); p != nil {
		return *p
	}
	return DefaultParams
}

// UseParams makes Hash, Login and the needsRehash check of Verify use p
// instead of DefaultParams until the returned restore function is called.
// It affects the whole process: `roost serve --password-hash-params` sets
// the server's cost with it, and tests make hashing cheap with
// auth.UseParams(auth.TestParams).
func UseParams(p Params) (restore func()) {
	old := current.Swap(&p)
	return func() { current.Store(old) }
}

// ErrBadHash is returned for an encoded hash that cannot be parsed.
var ErrBadHash = errors.New("auth: malformed password hash")

// Hash hashes password with the current default parameters.
func Hash(password string) (string, error) {
	return HashWith(password, currentParams())
}

// HashWith hashes password with explicit parameters.
func HashWith(password string, p Params) (string, error) {
	if err := p.validate(); err != nil {
		return "", err
	}
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("auth: reading random salt: %w", err)
	}
	key := deriveKey(password, salt, p, p.KeyLen)
	return encode(p, salt, key), nil
}

// Verify checks password against an encoded hash. needsRehash is true when
// the hash was made with parameters weaker than the current defaults; it is
// only meaningful when ok is true.
func Verify(encoded, password string) (ok, needsRehash bool, err error) {
	p, salt, key, err := decode(encoded)
	if err != nil {
		return false, false, err
	}
	got := deriveKey(password, salt, p, uint32(len(key)))
	ok = subtle.ConstantTimeCompare(got, key) == 1
	return ok, ok && p.weakerThan(currentParams()), nil
}

// burn does the work of verifying a password against a hash made with p,
// for unknown users, so that a login attempt takes as long whether or not
// the account exists.
func burn(password string, p Params) {
	salt := make([]byte, p.SaltLen)
	deriveKey(password, salt, p, p.KeyLen)
}

// derivations counts argon2id computations since the process started:
// what a login costs, visible to tests and benchmarks (KeyDerivations).
var derivations atomic.Uint64

// deriveKey is the one place that runs argon2id.
func deriveKey(password string, salt []byte, p Params, keyLen uint32) []byte {
	derivations.Add(1)
	return argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, keyLen)
}

// KeyDerivations reports how many argon2id hashes this process has
// computed (Hash, Verify and the equal work done for unknown users). A
// login answered from the CredentialCache does not add to it.
func KeyDerivations() uint64 { return derivations.Load() }

func (p Params) validate() error {
	if p.Memory < 8*uint32(p.Threads) || p.Time < 1 || p.Threads < 1 || p.SaltLen < 8 || p.KeyLen < 16 {
		return fmt.Errorf("auth: unusable argon2id parameters %+v", p)
	}
	return nil
}

func (p Params) weakerThan(q Params) bool {
	return p.Memory < q.Memory || p.Time < q.Time || p.Threads < q.Threads || p.KeyLen < q.KeyLen
}

var b64 = base64.RawStdEncoding

func encode(p Params, salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

func decode(encoded string) (p Params, salt, key []byte, err error) {
	f := strings.Split(encoded, "$")
	// "", "argon2id", "v=19", "m=..,t=..,p=..", salt, key
	if len(f) != 6 || f[0] != "" || f[1] != "argon2id" {
		return p, nil, nil, ErrBadHash
	}
	var version int
	if _, err := fmt.Sscanf(f[2], "v=%d", &version); err != nil || version != argon2.Version {
		return p, nil, nil, ErrBadHash
	}
	var threads uint32
	if n, err := fmt.Sscanf(f[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &threads); err != nil || n != 3 || threads == 0 || threads > 255 {
		return p, nil, nil, ErrBadHash
	}
	p.Threads = uint8(threads)
	if salt, err = b64.DecodeString(f[4]); err != nil {
		return p, nil, nil, ErrBadHash
	}
	if key, err = b64.DecodeString(f[5]); err != nil {
		return p, nil, nil, ErrBadHash
	}
	p.SaltLen, p.KeyLen = uint32(len(salt)), uint32(len(key))
	if p.validate() != nil || p.Memory > 4*1024*1024 || p.Time > 100 {
		// Refuse absurd costs: a planted hash must not be a denial of service.
		return p, nil, nil, ErrBadHash
	}
	return p, salt, key, nil
}

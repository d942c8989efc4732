package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/xdg-go/scram"
)

// SCRAM-SHA-256 verifiers (RFC 5802 §3, RFC 7677) are what a server needs to
// check a SCRAM proof without knowing the password: the salt and iteration
// count the client derives its SaltedPassword with, StoredKey = H(ClientKey)
// and ServerKey. They are stored in the encoded form
//
//	SCRAM-SHA-256$<iterations>:<salt, base64 std>$<StoredKey, base64 std>:<ServerKey, base64 std>
//
// (the layout PostgreSQL uses, so it is familiar to administrators).
const scramPrefix = "SCRAM-SHA-256$"

// minSCRAMIterations is the least iteration count RFC 7677 §4 allows.
const minSCRAMIterations = 4096

// ErrBadVerifier is returned for an encoded SCRAM verifier that cannot be
// parsed.
var ErrBadVerifier = errors.New("auth: malformed SCRAM verifier")

// scramVerifier is a decoded SCRAM-SHA-256 verifier.
type scramVerifier = scram.StoredCredentials

// SCRAMVerifier derives the SCRAM-SHA-256 verifier of password with a fresh
// salt and the current iteration count. The password is normalised with
// SASLprep (RFC 5802 §2.2), as SCRAM clients do; a password SASLprep
// rejects has no verifier (error).
func SCRAMVerifier(password string) (string, error) {
	p := currentParams()
	// The user name does not enter the stored credentials.
	c, err := scram.SHA256.NewClient("user", password, "")
	if err != nil {
		return "", fmt.Errorf("auth: password unusable for SCRAM: %w", err)
	}
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("auth: reading random salt: %w", err)
	}
	creds, err := c.GetStoredCredentialsWithError(scram.KeyFactors{Salt: string(salt), Iters: p.scramIterations()})
	if err != nil {
		return "", fmt.Errorf("auth: deriving SCRAM verifier: %w", err)
	}
	return encodeSCRAM(creds), nil
}

// Credentials returns the argon2id hash and the SCRAM-SHA-256 verifier of
// password, what a store keeps for a new or changed password. The verifier
// is "" if SASLprep rejects the password (the user can still use PLAIN and
// LOGIN).
func Credentials(password string) (hash, verifier string, err error) {
	if hash, err = Hash(password); err != nil {
		return "", "", err
	}
	verifier, _ = SCRAMVerifier(password)
	return hash, verifier, nil
}

func encodeSCRAM(c scramVerifier) string {
	e := base64.StdEncoding
	return scramPrefix + strconv.Itoa(c.Iters) + ":" + e.EncodeToString([]byte(c.Salt)) + "$" +
		e.EncodeToString(c.StoredKey) + ":" + e.EncodeToString(c.ServerKey)
}

func decodeSCRAM(encoded string) (scramVerifier, error) {
	var c scramVerifier
	rest, ok := strings.CutPrefix(encoded, scramPrefix)
	if !ok {
		return c, ErrBadVerifier
	}
	factors, keys, ok := strings.Cut(rest, "$")
	if !ok {
		return c, ErrBadVerifier
	}
	iters, salt, ok1 := strings.Cut(factors, ":")
	stored, server, ok2 := strings.Cut(keys, ":")
	if !ok1 || !ok2 {
		return c, ErrBadVerifier
	}
	n, err := strconv.Atoi(iters)
	// An absurd count from a planted verifier would make every client
	// spin; refuse it like an absurd argon2 cost.
	if err != nil || n < minSCRAMIterations || n > 10_000_000 {
		return c, ErrBadVerifier
	}
	e := base64.StdEncoding.Strict()
	s, err1 := e.DecodeString(salt)
	k1, err2 := e.DecodeString(stored)
	k2, err3 := e.DecodeString(server)
	if err1 != nil || err2 != nil || err3 != nil || len(s) < 8 || len(k1) != sha256.Size || len(k2) != sha256.Size {
		return c, ErrBadVerifier
	}
	c.Salt, c.Iters, c.StoredKey, c.ServerKey = string(s), n, k1, k2
	return c, nil
}

// scramNeedsUpdate reports whether a stored verifier is missing, unusable
// or weaker than the current iteration count.
func scramNeedsUpdate(encoded string) bool {
	c, err := decodeSCRAM(encoded)
	return err != nil || c.Iters < currentParams().scramIterations()
}

// decoyVerifier is what a SCRAM exchange presents for an account that does
// not exist or has no verifier yet: a salt that is stable for the name (a
// changing salt would tell the names apart from real ones) and keys no
// proof can match (random StoredKey: finding a ClientKey that hashes to it
// is a preimage attack on SHA-256).
func decoyVerifier(secret []byte, username string) scramVerifier {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("roost scram decoy salt\x00"))
	m.Write([]byte(username))
	salt := m.Sum(nil)[:16]
	keys := make([]byte, 2*sha256.Size)
	_, _ = rand.Read(keys) // never fails (Go 1.24+)
	return scramVerifier{
		KeyFactors: scram.KeyFactors{Salt: string(salt), Iters: currentParams().scramIterations()},
		StoredKey:  keys[:sha256.Size],
		ServerKey:  keys[sha256.Size:],
	}
}

package app

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"roost/internal/config"
)

// Self-signed certificates are valid for 825 days, the longest some clients
// (Apple's) accept for a server certificate, and are replaced on start when
// fewer than 30 days remain.
const (
	selfSignedValidity = 825 * 24 * time.Hour
	selfSignedRenew    = 30 * 24 * time.Hour
)

// Certificate is the server's TLS certificate and what a user needs to know
// about it.
type Certificate struct {
	tls.Certificate
	SelfSigned  bool
	CertPath    string
	Fingerprint string // SHA-256 of the leaf certificate, colon-separated hex
	NotAfter    time.Time
}

// SelfSignedPaths returns where the generated certificate and key live in a
// data directory.
func SelfSignedPaths(dataDir string) (certPath, keyPath string) {
	dir := filepath.Join(dataDir, "tls")
	return filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
}

// LoadCertificate loads the configured certificate, or, when none is
// configured, the self-signed one in DATA/tls, generating it on first use.
func LoadCertificate(dataDir string, t config.TLS, log *slog.Logger) (*Certificate, error) {
	if t.Cert != "" {
		return loadPair(t.Cert, t.Key, false)
	}
	certPath, keyPath := SelfSignedPaths(dataDir)
	c, err := loadPair(certPath, keyPath, true)
	switch {
	case err == nil && time.Until(c.NotAfter) > selfSignedRenew:
		return c, nil
	case err == nil:
		log.Info("self-signed certificate expires soon; replacing it", "not_after", c.NotAfter)
	case errors.Is(err, fs.ErrNotExist):
		log.Info("generating a self-signed certificate", "cert", certPath)
	default:
		return nil, err
	}
	if err := GenerateSelfSigned(certPath, keyPath, time.Now()); err != nil {
		return nil, err
	}
	return loadPair(certPath, keyPath, true)
}

func loadPair(certPath, keyPath string, selfSigned bool) (*Certificate, error) {
	pair, err := tls.LoadX509KeyPair(certPath, keyPath)
	if err != nil {
		return nil, fmt.Errorf("tls certificate %s: %w", certPath, err)
	}
	leaf := pair.Leaf
	if leaf == nil {
		if leaf, err = x509.ParseCertificate(pair.Certificate[0]); err != nil {
			return nil, fmt.Errorf("tls certificate %s: %w", certPath, err)
		}
	}
	return &Certificate{
		Certificate: pair,
		SelfSigned:  selfSigned,
		CertPath:    certPath,
		Fingerprint: fingerprint(leaf.Raw),
		NotAfter:    leaf.NotAfter,
	}, nil
}

func fingerprint(der []byte) string {
	sum := sha256.Sum256(der)
	parts := make([]string, len(sum))
	for i, b := range sum {
		parts[i] = fmt.Sprintf("%02X", b)
	}
	return strings.Join(parts, ":")
}

// GenerateSelfSigned writes a new ECDSA P-256 key (mode 0600) and a
// self-signed certificate for localhost, 127.0.0.1 and ::1. The key is
// written first and the certificate last, each atomically, so a crash leaves
// either the old pair, or a key without certificate (which is regenerated).
func GenerateSelfSigned(certPath, keyPath string, now time.Time) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return fmt.Errorf("generating key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return fmt.Errorf("generating serial: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "localhost", Organization: []string{"Roost self-signed"}},
		NotBefore:             now.Add(-time.Hour), // tolerate a client clock slightly behind
		NotAfter:              now.Add(selfSignedValidity),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return fmt.Errorf("creating certificate: %w", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return fmt.Errorf("encoding key: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(certPath), 0o700); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(keyPath), 0o700); err != nil {
		return err
	}
	if err := writeFileAtomic(keyPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		return err
	}
	return writeFileAtomic(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
}

// writeFileAtomic writes data to a temporary file beside path, syncs it and
// renames it into place, so readers see the old file or the whole new one.
func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	fail := func(err error) error {
		f.Close()
		os.Remove(tmp)
		return fmt.Errorf("writing %s: %w", path, err)
	}
	// CreateTemp makes the file 0600; widen it only if asked.
	if err := f.Chmod(perm); err != nil {
		return fail(err)
	}
	if _, err := f.Write(data); err != nil {
		return fail(err)
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	if err := f.Close(); err != nil {
		return fail(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

package app

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/pem"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"roost/internal/config"
)

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestGenerateSelfSigned(t *testing.T) {
	dir := t.TempDir()
	certPath, keyPath := SelfSignedPaths(dir)
	now := time.Date(2030, 5, 1, 12, 0, 0, 0, time.UTC)
	if err := GenerateSelfSigned(certPath, keyPath, now); err != nil {
		t.Fatalf("GenerateSelfSigned: %v", err)
	}
	for path, want := range map[string]os.FileMode{keyPath: 0o600, certPath: 0o644, filepath.Dir(certPath): 0o700} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s mode %v, want %v", path, got, want)
		}
	}

	b, _ := os.ReadFile(certPath)
	block, rest := pem.Decode(b)
	if block == nil || block.Type != "CERTIFICATE" || len(rest) != 0 {
		t.Fatalf("cert.pem: want exactly one CERTIFICATE block")
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	pub, ok := cert.PublicKey.(*ecdsa.PublicKey)
	if !ok || pub.Curve != elliptic.P256() {
		t.Fatalf("public key %T, want ECDSA P-256", cert.PublicKey)
	}
	if !cert.NotBefore.Equal(now.Add(-time.Hour)) || !cert.NotAfter.Equal(now.Add(825*24*time.Hour)) {
		t.Errorf("validity %v .. %v", cert.NotBefore, cert.NotAfter)
	}
	if len(cert.DNSNames) != 1 || cert.DNSNames[0] != "localhost" {
		t.Errorf("DNS names %v, want [localhost]", cert.DNSNames)
	}
	if len(cert.IPAddresses) != 2 || !cert.IPAddresses[0].Equal(net.IPv4(127, 0, 0, 1)) || !cert.IPAddresses[1].Equal(net.IPv6loopback) {
		t.Errorf("IP addresses %v, want [127.0.0.1 ::1]", cert.IPAddresses)
	}
	if cert.IsCA || len(cert.ExtKeyUsage) != 1 || cert.ExtKeyUsage[0] != x509.ExtKeyUsageServerAuth {
		t.Errorf("IsCA %v ExtKeyUsage %v, want a server-auth leaf", cert.IsCA, cert.ExtKeyUsage)
	}

	kb, _ := os.ReadFile(keyPath)
	kblock, _ := pem.Decode(kb)
	if kblock == nil || kblock.Type != "PRIVATE KEY" {
		t.Fatal("key.pem: want a PRIVATE KEY block")
	}
	if _, err := x509.ParsePKCS8PrivateKey(kblock.Bytes); err != nil {
		t.Fatalf("key.pem: %v", err)
	}
}

func TestLoadCertificateGeneratesOnceAndRenews(t *testing.T) {
	dir := t.TempDir()
	first, err := LoadCertificate(dir, config.TLS{}, discardLogger())
	if err != nil {
		t.Fatalf("first LoadCertificate: %v", err)
	}
	if !first.SelfSigned || first.CertPath != filepath.Join(dir, "tls", "cert.pem") || len(first.Fingerprint) != 32*3-1 {
		t.Fatalf("first certificate: %+v", first)
	}
	second, err := LoadCertificate(dir, config.TLS{}, discardLogger())
	if err != nil {
		t.Fatalf("second LoadCertificate: %v", err)
	}
	if second.Fingerprint != first.Fingerprint {
		t.Fatal("the second start generated a new certificate")
	}

	// A certificate near its end is replaced.
	certPath, keyPath := SelfSignedPaths(dir)
	if err := GenerateSelfSigned(certPath, keyPath, time.Now().Add(-820*24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	old, err := loadPair(certPath, keyPath, true)
	if err != nil {
		t.Fatal(err)
	}
	renewed, err := LoadCertificate(dir, config.TLS{}, discardLogger())
	if err != nil {
		t.Fatalf("LoadCertificate of an expiring certificate: %v", err)
	}
	if renewed.Fingerprint == old.Fingerprint || time.Until(renewed.NotAfter) < 800*24*time.Hour {
		t.Fatalf("expiring certificate not renewed: not after %v", renewed.NotAfter)
	}

	// A missing certificate beside an existing key is regenerated.
	if err := os.Remove(certPath); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadCertificate(dir, config.TLS{}, discardLogger()); err != nil {
		t.Fatalf("LoadCertificate without cert.pem: %v", err)
	}
}

func TestLoadConfiguredCertificate(t *testing.T) {
	dir := t.TempDir()
	certPath, keyPath := filepath.Join(dir, "c.pem"), filepath.Join(dir, "k.pem")
	if err := GenerateSelfSigned(certPath, keyPath, time.Now()); err != nil {
		t.Fatal(err)
	}
	c, err := LoadCertificate(t.TempDir(), config.TLS{Cert: certPath, Key: keyPath}, discardLogger())
	if err != nil {
		t.Fatalf("LoadCertificate: %v", err)
	}
	if c.SelfSigned || c.CertPath != certPath {
		t.Fatalf("configured certificate: SelfSigned %v path %q", c.SelfSigned, c.CertPath)
	}
	if _, err := LoadCertificate(dir, config.TLS{Cert: certPath, Key: filepath.Join(dir, "missing.pem")}, discardLogger()); err == nil {
		t.Fatal("LoadCertificate with a missing key file: nil error")
	}
}

func TestIsLoopback(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1:1143": true, "127.8.9.10:1": true, "[::1]:993": true, "localhost:143": true,
		":143": false, "0.0.0.0:143": false, "[::]:143": false, "192.0.2.1:143": false,
		"example.org:143": false, "127.0.0.1": false,
	} {
		if got := IsLoopback(addr); got != want {
			t.Errorf("IsLoopback(%q) = %v, want %v", addr, got, want)
		}
	}
}

func TestCheckDemoListeners(t *testing.T) {
	if err := CheckDemoListeners(config.Listen{IMAP: "127.0.0.1:1143", IMAPS: ""}); err != nil {
		t.Errorf("loopback + disabled: %v", err)
	}
	err := CheckDemoListeners(config.Listen{IMAP: "127.0.0.1:1143", IMAPS: "0.0.0.0:993"})
	want := `--demo refused: the imaps listener "0.0.0.0:993" is not on a loopback address; ` +
		"the demo account's password is public, so --demo only runs on 127.0.0.1, ::1 or localhost"
	if err == nil || err.Error() != want {
		t.Errorf("public imaps: %v, want %q", err, want)
	}
}

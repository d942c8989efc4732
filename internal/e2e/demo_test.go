package e2e

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// TestDemo: `roost serve --demo` prints the mail client settings, demo/demo
// logs in and finds the welcome message, which is added only once.
func TestDemo(t *testing.T) {
	data := filepath.Join(t.TempDir(), "fresh") // does not exist yet
	s := startServer(t, data, "--demo")

	certPath := filepath.Join(data, "tls", "cert.pem")
	want := strings.Join([]string{
		"Roost is running. Mail client settings (incoming mail, IMAP):",
		"",
		"  Server:          127.0.0.1",
		"  Port:            " + portOf(s.imapAddr),
		"  Connection:      STARTTLS",
		"",
		"  Server:          127.0.0.1",
		"  Port:            " + portOf(s.imapsAddr),
		"  Connection:      SSL/TLS",
		"",
		"  Username:        demo",
		"  Password:        demo",
		"  Authentication:  normal password",
		"  Certificate:     self-signed: your client will ask you to accept it",
		"    file:          " + certPath,
		"    SHA-256:       " + certFingerprint(t, certPath),
		"  Data:            " + data,
		"",
		"Stop with Ctrl-C.",
		"",
	}, "\n")
	if got := s.stdout(); got != want {
		t.Errorf("--demo printed:\n%s\nwant:\n%s", got, want)
	}
	checkCertificateFiles(t, data)

	c := dialStartTLS(t, s)
	login(t, c, "demo", "demo")
	checkWelcome(t, c)
	if err := c.Logout().Wait(); err != nil {
		t.Fatalf("LOGOUT: %v", err)
	}
	if code := s.terminate(); code != 0 {
		t.Fatalf("exit code %d after SIGTERM, want 0", code)
	}

	// A second start keeps the certificate and does not add another
	// welcome message.
	pemBefore, _ := os.ReadFile(certPath)
	s2 := startServer(t, data, "--demo")
	pemAfter, _ := os.ReadFile(certPath)
	if string(pemBefore) != string(pemAfter) {
		t.Error("the certificate changed on the second start")
	}
	c2 := dialTLS(t, s2)
	login(t, c2, "demo", "demo")
	checkWelcome(t, c2)
}

// checkWelcome: the demo INBOX holds exactly the welcome message.
func checkWelcome(t *testing.T, c *imapclient.Client) {
	t.Helper()
	sel, err := c.Select("INBOX", nil).Wait()
	if err != nil {
		t.Fatalf("SELECT INBOX: %v", err)
	}
	if sel.NumMessages != 1 {
		t.Fatalf("demo INBOX has %d messages, want exactly the welcome message", sel.NumMessages)
	}
	text := &imap.FetchItemBodySection{Specifier: imap.PartSpecifierText, Peek: true}
	bufs, err := c.Fetch(imap.SeqSetNum(1), &imap.FetchOptions{UID: true, Envelope: true, BodySection: []*imap.FetchItemBodySection{text}}).Collect()
	if err != nil {
		t.Fatalf("FETCH 1: %v", err)
	}
	if len(bufs) != 1 || bufs[0].UID != 1 || bufs[0].Envelope == nil {
		t.Fatalf("FETCH 1: %+v, want UID 1 with an envelope", bufs)
	}
	env := bufs[0].Envelope
	if env.Subject != "Welcome to Roost" || len(env.From) != 1 || env.From[0].Addr() != "postmaster@localhost" {
		t.Errorf("welcome ENVELOPE subject %q from %+v, want \"Welcome to Roost\" from postmaster@localhost", env.Subject, env.From)
	}
	body := string(bufs[0].FindBodySection(text))
	if !strings.HasPrefix(body, "Hello, and welcome to Roost.\r\n") || !strings.Contains(body, "roost user add NAME") {
		t.Errorf("welcome body does not start with the greeting or lacks the user add hint:\n%s", body)
	}
}

// TestDemoRefusedOffLoopback: --demo with a listener that is reachable
// from the network is refused before anything is created.
func TestDemoRefusedOffLoopback(t *testing.T) {
	for _, tc := range []struct{ flag, addr string }{
		{"--imap", "0.0.0.0:0"},
		{"--imaps", ":0"},
		{"--imap", "192.0.2.1:143"},
	} {
		data := filepath.Join(t.TempDir(), "data")
		r := roost(t, "", "serve", "--demo", "--data", data, tc.flag, tc.addr)
		listener := strings.TrimPrefix(tc.flag, "--")
		wantErr := fmt.Sprintf("roost serve: --demo refused: the %s listener %q is not on a loopback address; "+
			"the demo account's password is public, so --demo only runs on 127.0.0.1, ::1 or localhost\n", listener, tc.addr)
		if r.code != 1 || r.stderr != wantErr || r.stdout != "" {
			t.Errorf("serve --demo %s %s: exit %d, stdout %q, stderr %q; want exit 1, no stdout, stderr %q",
				tc.flag, tc.addr, r.code, r.stdout, r.stderr, wantErr)
		}
		if fileExists(data) {
			t.Errorf("serve --demo %s %s created the data directory", tc.flag, tc.addr)
		}
	}
}

// certFingerprint is the SHA-256 of the certificate in path, as printed.
func certFingerprint(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(b)
	if block == nil {
		t.Fatalf("%s: no PEM block", path)
	}
	sum := sha256.Sum256(block.Bytes)
	parts := make([]string, len(sum))
	for i, x := range sum {
		parts[i] = fmt.Sprintf("%02X", x)
	}
	return strings.Join(parts, ":")
}

// checkCertificateFiles checks the generated certificate: ECDSA P-256, for
// localhost, 127.0.0.1 and ::1, and a key file only its owner can read.
func checkCertificateFiles(t testing.TB, data string) {
	t.Helper()
	keyInfo, err := os.Stat(filepath.Join(data, "tls", "key.pem"))
	if err != nil {
		t.Fatalf("key.pem: %v", err)
	}
	if mode := keyInfo.Mode().Perm(); mode != 0o600 {
		t.Errorf("key.pem mode %v, want 0600", mode)
	}
	b, _ := os.ReadFile(filepath.Join(data, "tls", "cert.pem"))
	block, _ := pem.Decode(b)
	if block == nil || block.Type != "CERTIFICATE" {
		t.Fatalf("cert.pem holds no CERTIFICATE block")
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatalf("cert.pem: %v", err)
	}
	if cert.PublicKeyAlgorithm != x509.ECDSA || cert.SignatureAlgorithm != x509.ECDSAWithSHA256 {
		t.Errorf("certificate key %v signature %v, want ECDSA / ECDSA-SHA256", cert.PublicKeyAlgorithm, cert.SignatureAlgorithm)
	}
	var ips []string
	for _, ip := range cert.IPAddresses {
		ips = append(ips, ip.String())
	}
	if got := fmt.Sprint(cert.DNSNames, ips); got != "[localhost] [127.0.0.1 ::1]" {
		t.Errorf("certificate names %s, want [localhost] [127.0.0.1 ::1]", got)
	}
	for _, name := range []string{"localhost", "127.0.0.1", "::1"} {
		if err := cert.VerifyHostname(name); err != nil {
			t.Errorf("certificate does not verify for %s: %v", name, err)
		}
	}
}

// TestDemoDataOffLoopback: a data directory made with --demo is not served
// on an address reachable from the network while demo/demo works; after
// `roost user passwd demo` (or delete) it is. 192.0.2.1 (TEST-NET-1) is no
// address of this machine: once the check passes, binding it fails, so no
// port is ever opened beyond loopback.
func TestDemoDataOffLoopback(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	s := startServer(t, data, "--demo")
	if code := s.terminate(); code != 0 {
		t.Fatalf("exit %d after SIGTERM", code)
	}
	r := roost(t, "", "serve", "--data", data, "--imap", "192.0.2.1:143", "--imaps", "")
	want := fmt.Sprintf("roost serve: refusing to serve %s on the imap listener \"192.0.2.1:143\": the account demo still has the public password \"demo\" (made by --demo); "+
		"delete it (roost user delete demo --data %s) or give it a new password (roost user passwd demo --data %s) first\n", data, data, data)
	if r.code != 1 || r.stderr != want {
		t.Errorf("serve off loopback with demo/demo: exit %d stderr %q; want 1, %q", r.code, r.stderr, want)
	}
	// Loopback stays fine.
	s = startServer(t, data)
	s.terminate()

	mustRoost(t, "a-new-secret\n", "user", "passwd", "demo", "--password-stdin", "--data", data)
	r = roost(t, "", "serve", "--data", data, "--imap", "192.0.2.1:143", "--imaps", "")
	if want := "roost serve: imap listener: listen tcp 192.0.2.1:143: bind: cannot assign requested address\n"; r.code != 1 || r.stderr != want {
		t.Errorf("serve off loopback after passwd demo: exit %d stderr %q; want the bind failure %q", r.code, r.stderr, want)
	}
}

package e2e

import (
	"bufio"
	"crypto/sha256"
	"crypto/tls"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"roost/internal/app"
)

// TestTLSReloadOnSIGHUP: SIGHUP makes roost serve load its certificate and
// key again. Sessions already established go on; new connections (implicit
// TLS and STARTTLS) get the new certificate. A mismatched pair is refused
// with a clear error in the log and the previous certificate stays in use.
func TestTLSReloadOnSIGHUP(t *testing.T) {
	data := t.TempDir()
	addUser(t, data, "tls", "tls-pw")
	dir := t.TempDir()
	certPath, keyPath := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	first := genPair(t, dir, "first")
	installPair(t, first, certPath, keyPath)

	s := startServer(t, data, "--cert", certPath, "--key", keyPath)
	old := dialTLSRaw(t, s.imapsAddr)
	if old.fingerprint != first.fingerprint {
		t.Fatalf("served certificate %s, want the configured one %s", old.fingerprint, first.fingerprint)
	}
	old.cmd(t, "a1 LOGIN tls tls-pw", "a1 OK")
	old.cmd(t, "a2 SELECT INBOX", "a2 OK")

	// A renewed certificate.
	second := genPair(t, dir, "second")
	installPair(t, second, certPath, keyPath)
	sighup(t, s)
	waitLog(t, s, "TLS certificate reloaded", 1)
	old.cmd(t, "a3 NOOP", "a3 OK")
	if got := dialTLSRaw(t, s.imapsAddr).fingerprint; got != second.fingerprint {
		t.Fatalf("after SIGHUP a new connection got %s, want the new certificate %s", got, second.fingerprint)
	}
	if got := startTLS(t, s.imapAddr); got != second.fingerprint {
		t.Fatalf("after SIGHUP STARTTLS got %s, want the new certificate %s", got, second.fingerprint)
	}

	// A certificate with somebody else's key: refused, the second pair
	// stays.
	third, fourth := genPair(t, dir, "third"), genPair(t, dir, "fourth")
	installPair(t, pair{cert: third.cert, key: fourth.key}, certPath, keyPath)
	sighup(t, s)
	line := waitLog(t, s, "TLS certificate reload refused", 1)
	if !strings.Contains(line, "private key does not match public key") || !strings.Contains(line, "level=ERROR") ||
		!strings.Contains(line, second.fingerprint) {
		t.Errorf("the refusal should be an ERROR naming the mismatch and the certificate still served, got:\n%s", line)
	}
	if got := dialTLSRaw(t, s.imapsAddr).fingerprint; got != second.fingerprint {
		t.Fatalf("after a refused reload a new connection got %s, want the previous certificate %s", got, second.fingerprint)
	}
	old.cmd(t, "a4 NOOP", "a4 OK")
	old.cmd(t, "a5 LOGOUT", "a5 OK")
	if code := s.terminate(); code != 0 {
		t.Fatalf("SIGTERM: exit %d", code)
	}
}

type pair struct {
	cert, key   string // file contents
	fingerprint string // SHA-256 of the certificate, as app.Certificate spells it
}

func genPair(t *testing.T, dir, name string) pair {
	t.Helper()
	c, k := filepath.Join(dir, name+".crt"), filepath.Join(dir, name+".key")
	if err := app.GenerateSelfSigned(c, k, time.Now()); err != nil {
		t.Fatal(err)
	}
	cert, err := os.ReadFile(c)
	if err != nil {
		t.Fatal(err)
	}
	key, err := os.ReadFile(k)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(cert)
	return pair{cert: string(cert), key: string(key), fingerprint: fingerprintOf(block.Bytes)}
}

// installPair replaces the files by rename, as certificate tools do.
func installPair(t *testing.T, p pair, certPath, keyPath string) {
	t.Helper()
	for path, content := range map[string]string{certPath: p.cert, keyPath: p.key} {
		if err := os.WriteFile(path+".new", []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(path+".new", path); err != nil {
			t.Fatal(err)
		}
	}
}

func fingerprintOf(der []byte) string {
	sum := sha256.Sum256(der)
	parts := make([]string, len(sum))
	for i, b := range sum {
		parts[i] = fmt.Sprintf("%02X", b)
	}
	return strings.Join(parts, ":")
}

func sighup(t *testing.T, s *server) {
	t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatalf("SIGHUP: %v", err)
	}
}

// waitLog waits (at most 20 s) until the log holds n lines containing
// text and returns the last.
func waitLog(t *testing.T, s *server, text string, n int) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		var found []string
		for _, line := range strings.Split(s.log(), "\n") {
			if strings.Contains(line, text) {
				found = append(found, line)
			}
		}
		if len(found) >= n {
			return found[n-1]
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no %q in the log within 20s:\n%s", text, tail(s.log(), 30))
	return ""
}

// tlsSession is a raw IMAP session over TLS.
type tlsSession struct {
	conn        *tls.Conn
	r           *bufio.Reader
	fingerprint string
}

func dialTLSRaw(t *testing.T, addr string) *tlsSession {
	t.Helper()
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 10 * time.Second}, "tcp", addr, &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatalf("TLS dial %s: %v", addr, err)
	}
	t.Cleanup(func() { conn.Close() })
	s := &tlsSession{conn: conn, r: bufio.NewReader(conn), fingerprint: peerFingerprint(conn)}
	if line := s.line(t); !strings.HasPrefix(line, "* OK") {
		t.Fatalf("greeting: %q", line)
	}
	return s
}

func peerFingerprint(conn *tls.Conn) string {
	certs := conn.ConnectionState().PeerCertificates
	if len(certs) == 0 {
		return ""
	}
	return fingerprintOf(certs[0].Raw)
}

func (s *tlsSession) line(t *testing.T) string {
	t.Helper()
	s.conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	line, err := s.r.ReadString('\n')
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	return strings.TrimSuffix(line, "\r\n")
}

// cmd sends a command and reads up to the line starting with want's tag,
// which must start with want.
func (s *tlsSession) cmd(t *testing.T, command, want string) {
	t.Helper()
	s.conn.SetWriteDeadline(time.Now().Add(20 * time.Second))
	if _, err := s.conn.Write([]byte(command + "\r\n")); err != nil {
		t.Fatalf("%s: %v", command, err)
	}
	tag := strings.Fields(want)[0] + " "
	for range 1000 {
		line := s.line(t)
		if strings.HasPrefix(line, tag) {
			if !strings.HasPrefix(line, want) {
				t.Fatalf("%s: %q, want %q", command, line, want)
			}
			return
		}
	}
	t.Fatalf("%s: no tagged answer", command)
}

// startTLS upgrades a plain connection and returns the certificate's
// fingerprint.
func startTLS(t *testing.T, addr string) string {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	r := bufio.NewReader(conn)
	if line, err := r.ReadString('\n'); err != nil || !strings.HasPrefix(line, "* OK") {
		t.Fatalf("greeting: %q %v", line, err)
	}
	conn.Write([]byte("s1 STARTTLS\r\n"))
	if line, err := r.ReadString('\n'); err != nil || !strings.HasPrefix(line, "s1 OK") {
		t.Fatalf("STARTTLS: %q %v", line, err)
	}
	tc := tls.Client(conn, &tls.Config{InsecureSkipVerify: true})
	if err := tc.Handshake(); err != nil {
		t.Fatalf("STARTTLS handshake: %v", err)
	}
	return peerFingerprint(tc)
}

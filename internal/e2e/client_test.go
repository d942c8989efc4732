package e2e

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// clientTLS trusts exactly the self-signed certificate the server generated
// in dataDir/tls, so the tests also prove that it is valid for 127.0.0.1.
func clientTLS(t testing.TB, dataDir string) *tls.Config {
	t.Helper()
	pemBytes, err := os.ReadFile(filepath.Join(dataDir, "tls", "cert.pem"))
	if err != nil {
		t.Fatalf("reading the generated certificate: %v", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemBytes) {
		t.Fatalf("no certificate in %s/tls/cert.pem", dataDir)
	}
	return &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
}

func clientOptions(tlsConfig *tls.Config) *imapclient.Options {
	return &imapclient.Options{
		TLSConfig: tlsConfig,
		Dialer:    &net.Dialer{Timeout: 10 * time.Second},
	}
}

// dialStartTLS connects to the IMAP port and upgrades with STARTTLS.
func dialStartTLS(t testing.TB, s *server) *imapclient.Client {
	t.Helper()
	c, err := imapclient.DialStartTLS(s.imapAddr, clientOptions(clientTLS(t, s.data)))
	if err != nil {
		t.Fatalf("STARTTLS to %s: %v", s.imapAddr, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// dialTLS connects to the IMAPS port.
func dialTLS(t testing.TB, s *server) *imapclient.Client {
	t.Helper()
	c, err := imapclient.DialTLS(s.imapsAddr, clientOptions(clientTLS(t, s.data)))
	if err != nil {
		t.Fatalf("TLS to %s: %v", s.imapsAddr, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// login logs in and fails the test on error.
func login(t testing.TB, c *imapclient.Client, user, password string) {
	t.Helper()
	if err := c.Login(user, password).Wait(); err != nil {
		t.Fatalf("LOGIN %s: %v", user, err)
	}
}

// testMessage is a small RFC 5322 message with a unique Message-ID.
func testMessage(id, subject, body string) string {
	return strings.Join([]string{
		"Date: Mon, 02 Jan 2006 15:04:05 +0000",
		"From: Alice <alice@example.org>",
		"To: Bob <bob@example.org>",
		"Subject: " + subject,
		"Message-ID: <" + id + ">",
		"MIME-Version: 1.0",
		"Content-Type: text/plain; charset=us-ascii",
		"",
		body,
		"",
	}, "\r\n")
}

// appendMessage appends msg with flags to mailbox and returns its UID.
func appendMessage(t testing.TB, c *imapclient.Client, mailbox, msg string, flags ...imap.Flag) imap.UID {
	t.Helper()
	data, err := tryAppend(c, mailbox, msg, flags...)
	if err != nil {
		t.Fatalf("APPEND to %s: %v", mailbox, err)
	}
	return data.UID
}

func tryAppend(c *imapclient.Client, mailbox, msg string, flags ...imap.Flag) (*imap.AppendData, error) {
	cmd := c.Append(mailbox, int64(len(msg)), &imap.AppendOptions{Flags: flags})
	if _, err := cmd.Write([]byte(msg)); err != nil {
		cmd.Close()
		return nil, err
	}
	if err := cmd.Close(); err != nil {
		return nil, err
	}
	return cmd.Wait()
}

// flagStrings returns flags as sorted strings, for exact comparison
// independent of the order the server chose. \Recent is left out: whether
// a session sees a message as recent depends on which session selected the
// mailbox first (RFC 3501 §2.3.2), which these tests do not pin down.
func flagStrings(flags []imap.Flag) []string {
	out := []string{}
	for _, f := range flags {
		if f != `\Recent` {
			out = append(out, string(f))
		}
	}
	sort.Strings(out)
	return out
}

// uidList formats UIDs for messages.
func uidList(uids []imap.UID) string {
	parts := make([]string, len(uids))
	for i, u := range uids {
		parts[i] = fmt.Sprint(uint32(u))
	}
	return strings.Join(parts, ",")
}

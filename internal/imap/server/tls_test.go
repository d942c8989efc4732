package server

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"strings"
	"testing"
	"time"
)

// testTLSConfigs returns a server config with a fresh self-signed
// certificate for 127.0.0.1 and a client config that trusts it.
func testTLSConfigs(t *testing.T) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "roost test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	server = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	client = &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}
	return server, client
}

func TestLoginDisabledWithoutTLS(t *testing.T) {
	ts := newTestServerOpts(t, testOptions{untrusted: true})
	c := ts.dial(t)
	if want := "* OK [CAPABILITY " + capsCommon + " LOGINDISABLED] Roost ready."; c.greeting != want {
		t.Fatalf("greeting %q", c.greeting)
	}
	c.want("LOGIN "+harnessUser+" "+harnessPass, "NO [PRIVACYREQUIRED] Plain-text authentication is not allowed without TLS.")
	c.want("AUTHENTICATE PLAIN", "NO [PRIVACYREQUIRED] Plain-text authentication is not allowed without TLS.")
	c.want("STARTTLS", "BAD STARTTLS is not available")
}

func TestStartTLS(t *testing.T) {
	srvCfg, cliCfg := testTLSConfigs(t)
	ts := newTestServerOpts(t, testOptions{untrusted: true, config: func(c *Config) { c.TLSConfig = srvCfg }})
	c := ts.dial(t)
	if want := "* OK [CAPABILITY " + capsCommon + " STARTTLS LOGINDISABLED] Roost ready."; c.greeting != want {
		t.Fatalf("greeting %q", c.greeting)
	}
	// A command pipelined after STARTTLS in plain text is discarded, not
	// run inside the TLS session (command injection).
	c.writeLine("A1 STARTTLS\r\nA2 LOGIN " + harnessUser + " " + harnessPass)
	c.wantLine("A1 OK Begin TLS negotiation now.")
	c.startTLS(cliCfg)
	c.n = 2
	c.want("NOOP", "OK NOOP completed.")
	c.want("CAPABILITY", "OK CAPABILITY completed.", "* CAPABILITY "+capsCommon+" "+capsAuthTLS)
	c.want("STARTTLS", "BAD TLS is already active")
	c.want("LOGIN "+harnessUser+" "+harnessPass, "OK [CAPABILITY "+capsCommon+"] Logged in")
	c.want("SELECT INBOX", "OK [READ-WRITE] SELECT completed.",
		`* FLAGS (\Answered \Flagged \Deleted \Seen \Draft)`,
		`* OK [PERMANENTFLAGS (\Answered \Flagged \Deleted \Seen \Draft \*)] Flags permitted.`,
		"* 0 EXISTS", "* 0 RECENT",
		"* OK [UIDVALIDITY "+itoa(ts.mailbox(t, "INBOX").UIDValidity)+"] UIDs valid",
		"* OK [UIDNEXT 1] Predicted next UID", mailboxIDLine(t, ts, "INBOX"))
}

func TestStartTLSRefusesOldTLS(t *testing.T) {
	srvCfg, cliCfg := testTLSConfigs(t)
	ts := newTestServerOpts(t, testOptions{config: func(c *Config) { c.TLSConfig = srvCfg }})
	c := ts.dial(t)
	c.want("STARTTLS", "OK Begin TLS negotiation now.")
	old := cliCfg.Clone()
	old.MinVersion, old.MaxVersion = tls.VersionTLS10, tls.VersionTLS11
	tc := tls.Client(c.conn, old)
	tc.SetDeadline(time.Now().Add(ioTimeout))
	if err := tc.Handshake(); err == nil || !strings.Contains(err.Error(), "protocol version") {
		t.Fatalf("TLS 1.1 handshake: %v", err)
	}
}

func TestImplicitTLS(t *testing.T) {
	srvCfg, cliCfg := testTLSConfigs(t)
	ts := newTestServerOpts(t, testOptions{untrusted: true, implicitTLS: srvCfg, config: func(c *Config) { c.TLSConfig = srvCfg }})
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: ioTimeout}, "tcp", ts.addr, cliCfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	c := &rawClient{t: t, conn: conn}
	c.r = newReader(conn)
	if want := "* OK [CAPABILITY " + capsCommon + " " + capsAuthTLS + "] Roost ready."; c.readLine() != want {
		t.Fatal("greeting")
	}
	c.want("LOGIN "+harnessUser+" "+harnessPass, "OK [CAPABILITY "+capsCommon+"] Logged in")
}

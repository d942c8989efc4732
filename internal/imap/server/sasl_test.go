package server

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"net"
	"strings"
	"testing"

	"github.com/xdg-go/scram"
)

// The AUTH= capabilities without and with TLS (SCRAM-SHA-256-PLUS needs a
// channel to bind to).
const (
	capsAuth    = "AUTH=PLAIN AUTH=LOGIN AUTH=SCRAM-SHA-256"
	capsAuthTLS = capsAuth + " AUTH=SCRAM-SHA-256-PLUS"
)

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func unb64(t *testing.T, s string) string {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatalf("bad base64 %q: %v", s, err)
	}
	return string(b)
}

// dialTLS connects to an implicit-TLS test server and reads the greeting.
func dialTLS(t *testing.T, ts *testServer, cfg *tls.Config) *rawClient {
	t.Helper()
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: ioTimeout}, "tcp", ts.addr, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	c := &rawClient{t: t, conn: conn, r: newReader(conn)}
	c.greeting = c.readLine()
	return c
}

// loginOK is the tagged OK of a successful login before any ENABLE.
const loginOK = "OK [CAPABILITY " + capsCommon + "] Logged in"

func TestAuthenticatePlainAndLogin(t *testing.T) {
	ts := newTestServer(t, nil)
	c := ts.dial(t)
	// PLAIN with SASL-IR, and without (continuation).
	c.want("AUTHENTICATE PLAIN "+b64("\x00"+harnessUser+"\x00"+harnessPass), loginOK)

	c = ts.dial(t)
	c.writeLine("A1 AUTHENTICATE PLAIN")
	c.wantLine("+ ")
	c.writeLine(b64(harnessUser + "\x00" + harnessUser + "\x00" + harnessPass))
	c.wantLine("A1 " + loginOK)

	// LOGIN: "Username:" then "Password:".
	c = ts.dial(t)
	c.writeLine("A1 AUTHENTICATE LOGIN")
	c.wantLine("+ " + b64("Username:"))
	c.writeLine(b64(harnessUser))
	c.wantLine("+ " + b64("Password:"))
	c.writeLine(b64(harnessPass))
	c.wantLine("A1 " + loginOK)

	// LOGIN with the user name as initial response; wrong password.
	c = ts.dial(t)
	c.writeLine("A1 AUTHENTICATE LOGIN " + b64(harnessUser))
	c.wantLine("+ " + b64("Password:"))
	c.writeLine(b64("wrong"))
	c.wantLine("A1 NO [AUTHENTICATIONFAILED] Authentication failed.")
	// Cancel with "*" (RFC 9051 §6.2.2).
	c.writeLine("A2 AUTHENTICATE LOGIN")
	c.wantLine("+ " + b64("Username:"))
	c.writeLine("*")
	c.wantLine("A2 BAD Authentication canceled.")
	c.want("AUTHENTICATE PLAIN "+b64("\x00"+harnessUser+"\x00wrong"), "NO [AUTHENTICATIONFAILED] Authentication failed.")
	c.want("AUTHENTICATE CRAM-MD5", "NO Unsupported authentication mechanism.")
	c.want("AUTHENTICATE SCRAM-SHA-256-PLUS", "NO Unsupported authentication mechanism.") // no TLS here
}

// scramClient is the client side of one SCRAM exchange over the wire.
type scramClient struct {
	t    *testing.T
	c    *rawClient
	conv *scram.ClientConversation
}

func newSCRAM(t *testing.T, c *rawClient, user, pass string, cb *scram.ChannelBinding) *scramClient {
	t.Helper()
	cl, err := scram.SHA256.NewClient(user, pass, "")
	if err != nil {
		t.Fatal(err)
	}
	conv := cl.NewConversation()
	if cb != nil {
		conv = cl.NewConversationWithChannelBinding(*cb)
	}
	return &scramClient{t: t, c: c, conv: conv}
}

// run performs the exchange for mech; tamper, if not nil, rewrites the
// client-final-message. It returns the tagged status and whether the
// client verified the server's signature.
func (s *scramClient) run(mech string, tamper func(string) string) (status string, serverOK bool) {
	s.t.Helper()
	first, err := s.conv.Step("")
	if err != nil {
		s.t.Fatal(err)
	}
	tag := s.c.nextTag()
	s.c.writeLine(tag + " AUTHENTICATE " + mech + " " + b64(first))
	line := s.c.readLine()
	challenge, ok := strings.CutPrefix(line, "+ ")
	if !ok {
		return strings.TrimPrefix(line, tag+" "), false
	}
	final, err := s.conv.Step(unb64(s.t, challenge))
	if err != nil {
		s.t.Fatal(err)
	}
	if tamper != nil {
		final = tamper(final)
	}
	s.c.writeLine(b64(final))
	line = s.c.readLine()
	challenge, ok = strings.CutPrefix(line, "+ ")
	if !ok {
		return strings.TrimPrefix(line, tag+" "), false
	}
	if _, err := s.conv.Step(unb64(s.t, challenge)); err == nil && s.conv.Valid() {
		serverOK = true
	}
	s.c.writeLine("")
	return strings.TrimPrefix(s.c.readLine(), tag+" "), serverOK
}

func TestAuthenticateSCRAM(t *testing.T) {
	ts := newTestServer(t, nil)
	// The harness user was created with a hash only: no verifier yet, so
	// SCRAM fails exactly like a wrong password...
	c := ts.dial(t)
	if st, _ := newSCRAM(t, c, harnessUser, harnessPass, nil).run("SCRAM-SHA-256", nil); st != "NO [AUTHENTICATIONFAILED] Authentication failed." {
		t.Fatalf("SCRAM before any password login: %s", st)
	}
	// ...until a PLAIN/LOGIN login derives one from the password.
	ts.login(t)
	u, err := ts.store.User(context.Background(), harnessUser)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(u.SCRAMSHA256, "SCRAM-SHA-256$4096:") || strings.Contains(u.SCRAMSHA256, harnessPass) {
		t.Fatalf("stored verifier %q", u.SCRAMSHA256)
	}

	c = ts.dial(t)
	st, serverOK := newSCRAM(t, c, harnessUser, harnessPass, nil).run("SCRAM-SHA-256", nil)
	if st != loginOK || !serverOK {
		t.Fatalf("SCRAM: %s (server signature verified: %v)", st, serverOK)
	}
	c.want("STATUS INBOX (MESSAGES)", "OK STATUS completed.", `* STATUS "INBOX" (MESSAGES 0)`)

	failed := "NO [AUTHENTICATIONFAILED] Authentication failed."
	c = ts.dial(t)
	if st, _ := newSCRAM(t, c, harnessUser, "wrong", nil).run("SCRAM-SHA-256", nil); st != failed {
		t.Fatalf("wrong password: %s", st)
	}
	if st, _ := newSCRAM(t, c, "nobody", "wrong", nil).run("SCRAM-SHA-256", nil); st != failed {
		t.Fatalf("unknown user: %s", st)
	}
	// A tampered proof (last byte of the decoded proof flipped).
	c = ts.dial(t)
	tamper := func(final string) string {
		i := strings.LastIndex(final, ",p=")
		proof, _ := base64.StdEncoding.DecodeString(final[i+3:])
		proof[len(proof)-1] ^= 1
		return final[:i+3] + base64.StdEncoding.EncodeToString(proof)
	}
	if st, _ := newSCRAM(t, c, harnessUser, harnessPass, nil).run("SCRAM-SHA-256", tamper); st != failed {
		t.Fatalf("tampered proof: %s", st)
	}
	// Cancel after the server-first-message.
	c = ts.dial(t)
	cl, _ := scram.SHA256.NewClient(harnessUser, harnessPass, "")
	first, _ := cl.NewConversation().Step("")
	c.writeLine("A1 AUTHENTICATE SCRAM-SHA-256 " + b64(first))
	if line := c.readLine(); !strings.HasPrefix(line, "+ ") {
		t.Fatalf("server-first: %q", line)
	}
	c.writeLine("*")
	c.wantLine("A1 BAD Authentication canceled.")
	// Garbage and a channel-binding flag on a plain connection.
	c.want("AUTHENTICATE SCRAM-SHA-256 "+b64("x,,n=alice"), "BAD Invalid SCRAM message.")
	c.want("AUTHENTICATE SCRAM-SHA-256 "+b64("p=tls-exporter,,n=alice,r=abc"), "BAD Invalid SCRAM message.")
	c.want("AUTHENTICATE SCRAM-SHA-256 "+b64("n,a=bob,n=alice,r=abc"), "NO [AUTHORIZATIONFAILED] Authorization as another user is not permitted.")
}

func TestAuthenticateSCRAMPlus(t *testing.T) {
	srvCfg, cliCfg := testTLSConfigs(t)
	ts := newTestServerOpts(t, testOptions{untrusted: true, implicitTLS: srvCfg, config: func(c *Config) { c.TLSConfig = srvCfg }})
	c := dialTLS(t, ts, cliCfg)
	if want := "* OK [CAPABILITY " + capsCommon + " " + capsAuthTLS + "] Roost ready."; c.greeting != want {
		t.Fatalf("greeting %q", c.greeting)
	}
	c.want("LOGIN "+harnessUser+" "+harnessPass, loginOK) // derives the verifier

	failed := "NO [AUTHENTICATIONFAILED] Authentication failed."
	for _, v := range []struct {
		name    string
		version uint16
	}{{"TLS1.2", tls.VersionTLS12}, {"TLS1.3", tls.VersionTLS13}} {
		t.Run(v.name, func(t *testing.T) {
			cfg := cliCfg.Clone()
			cfg.MinVersion, cfg.MaxVersion = v.version, v.version
			bindings := func(c *rawClient) (exporter, endpoint scram.ChannelBinding) {
				st := c.conn.(*tls.Conn).ConnectionState()
				if st.Version != v.version {
					t.Fatalf("TLS version %x", st.Version)
				}
				endpoint, err := scram.NewTLSServerEndpointBinding(&st)
				if err != nil {
					t.Fatal(err)
				}
				exporter, err = scram.NewTLSExporterBinding(&st)
				if err != nil {
					t.Fatal(err)
				}
				return exporter, endpoint
			}
			preferred := func(c *rawClient) *scram.ChannelBinding {
				exp, end := bindings(c)
				if v.version == tls.VersionTLS13 {
					return &exp // RFC 9266
				}
				return &end // RFC 5929
			}

			c := dialTLS(t, ts, cfg)
			st, serverOK := newSCRAM(t, c, harnessUser, harnessPass, preferred(c)).run("SCRAM-SHA-256-PLUS", nil)
			if st != loginOK || !serverOK {
				t.Fatalf("SCRAM-SHA-256-PLUS: %s (server verified: %v)", st, serverOK)
			}
			// tls-server-end-point is accepted on TLS 1.3 too; tls-exporter
			// only on TLS 1.3 (RFC 9266 §3).
			c = dialTLS(t, ts, cfg)
			exp, end := bindings(c)
			if st, _ := newSCRAM(t, c, harnessUser, harnessPass, &end).run("SCRAM-SHA-256-PLUS", nil); st != loginOK {
				t.Fatalf("tls-server-end-point: %s", st)
			}
			c = dialTLS(t, ts, cfg)
			exp, _ = bindings(c)
			want := loginOK
			if v.version == tls.VersionTLS12 {
				want = failed
			}
			if st, _ := newSCRAM(t, c, harnessUser, harnessPass, &exp).run("SCRAM-SHA-256-PLUS", nil); st != want {
				t.Fatalf("tls-exporter: %s, want %s", st, want)
			}

			// A man in the middle relaying the exchange has its own TLS
			// connection to the client: another connection's exporter, or
			// another certificate's hash.
			other := dialTLS(t, ts, cfg)
			foreign := preferred(other)
			if v.version == tls.VersionTLS12 {
				otherSrv, _ := testTLSConfigs(t)
				leaf, _ := x509.ParseCertificate(otherSrv.Certificates[0].Certificate[0])
				cb, err := scram.NewTLSServerEndpointBinding(&tls.ConnectionState{PeerCertificates: []*x509.Certificate{leaf}})
				if err != nil {
					t.Fatal(err)
				}
				foreign = &cb
			}
			c = dialTLS(t, ts, cfg)
			if st, _ := newSCRAM(t, c, harnessUser, harnessPass, foreign).run("SCRAM-SHA-256-PLUS", nil); st != failed {
				t.Fatalf("foreign channel binding: %s", st)
			}
			// Plain SCRAM over TLS works; a client that claims the server
			// cannot bind ("y") while -PLUS was offered is a downgrade.
			if st, _ := newSCRAM(t, c, harnessUser, harnessPass, nil).run("SCRAM-SHA-256", nil); st != loginOK {
				t.Fatalf("SCRAM-SHA-256 over TLS: %s", st)
			}
			c = dialTLS(t, ts, cfg)
			cl, _ := scram.SHA256.NewClient(harnessUser, harnessPass, "")
			first, _ := cl.NewConversationAdvertisingChannelBinding().Step("")
			c.want("AUTHENTICATE SCRAM-SHA-256 "+b64(first), failed)
			// -PLUS without a binding flag is malformed.
			first, _ = cl.NewConversation().Step("")
			c.want("AUTHENTICATE SCRAM-SHA-256-PLUS "+b64(first), "BAD Invalid SCRAM message.")
		})
	}
}

func TestAuthenticateSCRAMAfterPasswordChange(t *testing.T) {
	ts := newTestServer(t, nil)
	ctx := context.Background()
	ts.login(t)
	u, _ := ts.store.User(ctx, harnessUser)
	if u.SCRAMSHA256 == "" {
		t.Fatal("no verifier after login")
	}
	// A new password drops the old verifier: the old password no longer
	// works through SCRAM either.
	if err := ts.store.SetPassword(ctx, harnessUser, u.PasswordHash); err != nil {
		t.Fatal(err)
	}
	if u, _ := ts.store.User(ctx, harnessUser); u.SCRAMSHA256 != "" {
		t.Fatalf("verifier kept after SetPassword: %q", u.SCRAMSHA256)
	}
	c := ts.dial(t)
	if st, _ := newSCRAM(t, c, harnessUser, harnessPass, nil).run("SCRAM-SHA-256", nil); st != "NO [AUTHENTICATIONFAILED] Authentication failed." {
		t.Fatalf("SCRAM after SetPassword: %s", st)
	}
}

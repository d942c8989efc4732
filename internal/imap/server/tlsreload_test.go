package server

import (
	"crypto/tls"
	"crypto/x509"
	"sync/atomic"
	"testing"

	"github.com/xdg-go/scram"
)

// reloadableTLS is a server TLS config whose certificate can be replaced,
// as internal/app's CertReloader does on SIGHUP, and a client config that
// trusts both certificates and caches sessions for resumption.
type reloadableTLS struct {
	server, client *tls.Config
	old, new       *tls.Certificate
	cur            atomic.Pointer[tls.Certificate]
}

func newReloadableTLS(t *testing.T) *reloadableTLS {
	t.Helper()
	oldCfg, _ := testTLSConfigs(t)
	newCfg, _ := testTLSConfigs(t)
	r := &reloadableTLS{old: &oldCfg.Certificates[0], new: &newCfg.Certificates[0]}
	r.cur.Store(r.old)
	r.server = &tls.Config{GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) { return r.cur.Load(), nil }}
	pool := x509.NewCertPool()
	pool.AddCert(leafOf(r.old))
	pool.AddCert(leafOf(r.new))
	r.client = &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}
	return r
}

// endpointOf is the tls-server-end-point binding for cert (RFC 5929 §4.1).
func endpointOf(t *testing.T, cert *x509.Certificate) *scram.ChannelBinding {
	t.Helper()
	cb, err := scram.NewTLSServerEndpointBinding(&tls.ConnectionState{PeerCertificates: []*x509.Certificate{cert}})
	if err != nil {
		t.Fatal(err)
	}
	return &cb
}

// peerLeaf is the certificate the client saw in the handshake.
func peerLeaf(c *rawClient) *x509.Certificate {
	return c.conn.(*tls.Conn).ConnectionState().PeerCertificates[0]
}

// TestSCRAMPlusAfterCertificateReload: tls-server-end-point binds to the
// certificate the connection's own handshake presented, not to the one in
// force when AUTHENTICATE runs; a resumed session binds to the certificate
// of the handshake it resumes. Implicit TLS and STARTTLS, TLS 1.2 and 1.3.
func TestSCRAMPlusAfterCertificateReload(t *testing.T) {
	failed := "NO [AUTHENTICATIONFAILED] Authentication failed."
	for _, v := range []struct {
		name    string
		version uint16
	}{{"TLS1.2", tls.VersionTLS12}, {"TLS1.3", tls.VersionTLS13}} {
		for _, starttls := range []bool{false, true} {
			name := v.name + "/implicit"
			if starttls {
				name = v.name + "/STARTTLS"
			}
			t.Run(name, func(t *testing.T) {
				r := newReloadableTLS(t)
				opts := testOptions{untrusted: true, config: func(c *Config) { c.TLSConfig = r.server }}
				if !starttls {
					opts.implicitTLS = r.server
				}
				ts := newTestServerOpts(t, opts)
				cfg := r.client.Clone()
				cfg.MinVersion, cfg.MaxVersion = v.version, v.version
				cfg.ClientSessionCache = tls.NewLRUClientSessionCache(4)
				dial := func() *rawClient {
					t.Helper()
					if !starttls {
						return dialTLS(t, ts, cfg)
					}
					c := ts.dial(t)
					c.want("STARTTLS", "OK Begin TLS negotiation now.")
					c.startTLS(cfg)
					return c
				}
				plus := func(c *rawClient, cert *x509.Certificate) string {
					t.Helper()
					st, _ := newSCRAM(t, c, harnessUser, harnessPass, endpointOf(t, cert)).run("SCRAM-SHA-256-PLUS", nil)
					return st
				}
				first := dial()
				first.want("LOGIN "+harnessUser+" "+harnessPass, loginOK) // derives the verifier
				before1, before2 := dial(), dial()
				if !peerLeaf(before1).Equal(leafOf(r.old)) {
					t.Fatal("handshake before the reload did not present the old certificate")
				}

				r.cur.Store(r.new) // the reload
				if st := plus(before1, peerLeaf(before1)); st != loginOK {
					t.Fatalf("binding to the handshake's certificate after a reload: %s", st)
				}
				if st := plus(before2, leafOf(r.new)); st != failed {
					t.Fatalf("binding to the newly loaded certificate: %s", st)
				}

				// A session resumed after the reload presents no certificate;
				// it binds to the one its original handshake presented.
				resumed := dial()
				if !resumed.conn.(*tls.Conn).ConnectionState().DidResume {
					t.Fatal("no session resumption")
				}
				if st := plus(resumed, leafOf(r.new)); st != failed {
					t.Fatalf("resumed session, new certificate: %s", st)
				}
				resumed = dial()
				if st := plus(resumed, leafOf(r.old)); st != loginOK {
					t.Fatalf("resumed session, its certificate: %s", st)
				}

				// A full handshake after the reload gets and binds to the new one.
				cfg.ClientSessionCache = nil
				fresh := dial()
				if !peerLeaf(fresh).Equal(leafOf(r.new)) {
					t.Fatal("handshake after the reload did not present the new certificate")
				}
				if st := plus(fresh, leafOf(r.new)); st != loginOK {
					t.Fatalf("new handshake, new certificate: %s", st)
				}
			})
		}
	}
}

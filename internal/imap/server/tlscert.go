package server

import (
	"bytes"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"errors"
)

// SCRAM's tls-server-end-point channel binding (RFC 5929 §4.1) hashes the
// certificate the server presented in this connection's handshake.
// tls.ConnectionState only holds the peer's certificates, and the
// certificate in force may have been replaced since (a reload on SIGHUP),
// so each connection's handshake records its own choice: the connection
// gets a configuration of its own whose GetCertificate notes what it hands
// out. A resumed session presents no certificate; its ticket carries the
// fingerprint of the one the original handshake presented.

// ticketCertPrefix marks the session-ticket item that names the
// certificate (tls.SessionState.Extra is free for the server's use).
const ticketCertPrefix = "roost-cert:"

// connTLSConfig returns the TLS configuration for one handshake of s.
func (s *session) connTLSConfig() *tls.Config {
	base := s.srv.cfg.TLSConfig
	cfg := base.Clone()
	// crypto/tls consults GetCertificate only without Certificates (or
	// with SNI); chooseCertificate picks from them instead.
	cfg.Certificates, cfg.NameToCertificate = nil, nil
	cfg.GetCertificate = func(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
		cert, err := chooseCertificate(base, hello)
		if err != nil {
			return nil, err
		}
		s.servedCert = s.srv.rememberCertificate(leafOf(cert))
		return cert, nil
	}
	// Tickets are sealed with the shared configuration's keys, so that a
	// session resumes on any later connection.
	cfg.WrapSession = func(cs tls.ConnectionState, ss *tls.SessionState) ([]byte, error) {
		if s.servedCert != nil {
			sum := sha256.Sum256(s.servedCert.Raw)
			ss.Extra = append(ss.Extra, append([]byte(ticketCertPrefix), sum[:]...))
		}
		return base.EncryptTicket(cs, ss)
	}
	cfg.UnwrapSession = func(identity []byte, cs tls.ConnectionState) (*tls.SessionState, error) {
		ss, err := base.DecryptTicket(identity, cs)
		if err != nil || ss == nil {
			return ss, err
		}
		s.servedCert = nil
		for _, e := range ss.Extra {
			if sum, ok := bytes.CutPrefix(e, []byte(ticketCertPrefix)); ok && len(sum) == sha256.Size {
				if c, ok := s.srv.servedCerts.Load([sha256.Size]byte(sum)); ok {
					s.servedCert = c.(*x509.Certificate)
				}
			}
		}
		return ss, nil
	}
	return cfg
}

// chooseCertificate picks the certificate as crypto/tls would from base:
// its GetCertificate first, then the first of Certificates the client
// supports, else the first.
func chooseCertificate(base *tls.Config, hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
	if base.GetCertificate != nil {
		cert, err := base.GetCertificate(hello)
		if cert != nil || err != nil {
			return cert, err
		}
	}
	if len(base.Certificates) == 0 {
		return nil, errors.New("tls: no certificates configured")
	}
	if len(base.Certificates) > 1 {
		for i := range base.Certificates {
			if hello.SupportsCertificate(&base.Certificates[i]) == nil {
				return &base.Certificates[i], nil
			}
		}
	}
	return &base.Certificates[0], nil
}

// rememberCertificate keeps leaf by fingerprint, for sessions resumed
// later, and returns it. The set holds each certificate the process has
// served: a handful over its lifetime.
func (srv *Server) rememberCertificate(leaf *x509.Certificate) *x509.Certificate {
	if leaf == nil {
		return nil
	}
	c, _ := srv.servedCerts.LoadOrStore(sha256.Sum256(leaf.Raw), leaf)
	return c.(*x509.Certificate)
}

// servedCertificate is the certificate this connection's handshake
// presented, nil if unknown (a connection whose TLS the server did not
// set up, or a resumed session of another process): the binding then
// fails safe and the login is refused.
func (s *session) servedCertificate() *x509.Certificate { return s.servedCert }

func leafOf(c *tls.Certificate) *x509.Certificate {
	if c.Leaf != nil {
		return c.Leaf
	}
	if len(c.Certificate) == 0 {
		return nil
	}
	leaf, err := x509.ParseCertificate(c.Certificate[0])
	if err != nil {
		return nil
	}
	return leaf
}

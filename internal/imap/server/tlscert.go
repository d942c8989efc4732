package server

import (
	"crypto/tls"
	"crypto/x509"
)

// servedCertificate returns the leaf certificate the server presented on a
// TLS connection, for SCRAM's tls-server-end-point channel binding (RFC
// 5929 §4.1): tls.ConnectionState only holds the peer's certificates, so
// the choice the handshake made from Config.TLSConfig is made again here.
// Implicit-TLS listeners are expected to use the same certificates as
// Config.TLSConfig (internal/app does). nil if it cannot be told; the
// binding then fails safe (the login is refused).
func (srv *Server) servedCertificate(state *tls.ConnectionState) *x509.Certificate {
	cfg := srv.cfg.TLSConfig
	if cfg == nil {
		return nil
	}
	var cert *tls.Certificate
	if cfg.GetCertificate != nil {
		if c, err := cfg.GetCertificate(&tls.ClientHelloInfo{ServerName: state.ServerName}); err == nil {
			cert = c
		}
	}
	if cert == nil && len(cfg.Certificates) > 0 {
		cert = &cfg.Certificates[0]
		for i := range cfg.Certificates[1:] {
			c := &cfg.Certificates[i+1]
			if leaf := leafOf(c); state.ServerName != "" && leaf != nil && leaf.VerifyHostname(state.ServerName) == nil {
				cert = c
				break
			}
		}
	}
	if cert == nil {
		return nil
	}
	return leafOf(cert)
}

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

package server

import (
	"roost/internal/imap/proto"
)

// maxSASLLine bounds an AUTHENTICATE continuation line.
const maxSASLLine = 8 << 10

// handleStartTLS answers OK and then, after the OK is flushed, upgrades
// the connection (RFC 9051 §6.2.1). The decoder is rebuilt on the TLS
// connection, so plain-text bytes the client pipelined after STARTTLS are
// discarded rather than executed (command injection defence).
func (s *session) handleStartTLS(*proto.Command) error {
	if s.tls {
		return errBad("TLS is already active")
	}
	if s.srv.cfg.TLSConfig == nil {
		return errBad("STARTTLS is not available")
	}
	s.okText = "Begin TLS negotiation now."
	s.afterOK = s.upgradeTLS
	return nil
}

func (s *session) upgradeTLS() error {
	tc := tlsServer(s.conn, s.connTLSConfig())
	if err := s.handshake(tc); err != nil {
		return err
	}
	s.setConn(tc)
	s.tls = true
	s.setupIO(tc)
	s.log.Debug("STARTTLS done", "version", tc.ConnectionState().Version)
	return nil
}

// handleLogin: LOGIN user password (RFC 9051 §6.2.3).
func (s *session) handleLogin(cmd *proto.Command) error {
	args := cmd.Args.(*proto.Login)
	if !s.loginAllowed() {
		return errNo("PRIVACYREQUIRED", "Plain-text authentication is not allowed without TLS.")
	}
	return s.passwordLogin("IMAP-LOGIN", args.Username, args.Password)
}

// AUTHENTICATE is in sasl.go; throttling, logging and the per-account
// session limit in login_guard.go.

// handleUnauthenticate returns to the not-authenticated state (RFC 8437),
// forgetting the user, the selected mailbox and enabled extensions.
func (s *session) handleUnauthenticate(*proto.Command) error {
	s.closeSelected()
	s.log.Info("unauthenticated")
	s.releaseUserSlot()
	s.user = nil
	s.rev2 = false
	s.setUTF8(false)
	s.log = s.srv.log.With("conn", s.id, "remote", s.conn.RemoteAddr().String())
	return nil
}

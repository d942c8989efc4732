package server

import (
	"bytes"
	"encoding/base64"
	"errors"

	"roost/internal/auth"
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
	tc := tlsServer(s.conn, s.srv.cfg.TLSConfig)
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
	return s.login(args.Username, args.Password)
}

// handleAuthenticate: AUTHENTICATE PLAIN with or without an initial
// response (RFC 9051 §6.2.2, RFC 4959, RFC 4616).
func (s *session) handleAuthenticate(cmd *proto.Command) error {
	args := cmd.Args.(*proto.Authenticate)
	if args.Mechanism != "PLAIN" {
		return errNo("", "Unsupported authentication mechanism.")
	}
	if !s.loginAllowed() {
		return errNo("PRIVACYREQUIRED", "Plain-text authentication is not allowed without TLS.")
	}
	resp := args.Initial
	if !args.HasInitial {
		s.enc.Raw("+ ").CRLF()
		if err := s.enc.Flush(); err != nil {
			return err
		}
		line, err := s.parser.ReadLine()
		if err != nil {
			return err
		}
		if string(line) == "*" {
			return errBad("Authentication canceled.")
		}
		if len(line) > maxSASLLine {
			return errBad("Authentication response too long.")
		}
		resp, err = base64.StdEncoding.Strict().DecodeString(string(line))
		if err != nil {
			return errBad("Invalid base64 data in authentication response.")
		}
	}
	// message = [authzid] UTF8NUL authcid UTF8NUL passwd (RFC 4616 §2)
	parts := bytes.Split(resp, []byte{0})
	if len(parts) != 3 || len(parts[1]) == 0 {
		return errBad("Invalid PLAIN authentication response.")
	}
	authzid, authcid, password := string(parts[0]), string(parts[1]), string(parts[2])
	if authzid != "" && authzid != authcid {
		return errNo("AUTHORIZATIONFAILED", "Authorization as another user is not permitted.")
	}
	return s.login(authcid, password)
}

// login checks the credentials and enters the authenticated state; the OK
// carries the new capabilities (RFC 9051 §6.2.3).
func (s *session) login(username, password string) error {
	user, err := auth.Login(s.ctx, s.srv.backend, username, password)
	if err != nil {
		if !errors.Is(err, auth.ErrBadCredentials) {
			s.log.Error("login failed", "user", username, "err", err)
			return errNo("UNAVAILABLE", "Temporary authentication failure.")
		}
		s.authFailures++
		s.log.Info("authentication failed", "user", username, "failures", s.authFailures)
		if s.authFailures >= maxAuthFailures {
			return errBye("Too many authentication failures")
		}
		return errNo("AUTHENTICATIONFAILED", "Authentication failed.")
	}
	s.user = user
	s.log = s.log.With("user", user.Name)
	s.log.Info("logged in")
	s.okCode = s.capabilityCode()
	s.okText = "Logged in"
	return nil
}

// handleUnauthenticate returns to the not-authenticated state (RFC 8437),
// forgetting the user, the selected mailbox and enabled extensions.
func (s *session) handleUnauthenticate(*proto.Command) error {
	s.closeSelected()
	s.log.Info("unauthenticated")
	s.user = nil
	s.rev2 = false
	s.setUTF8(false)
	s.log = s.srv.log.With("conn", s.id, "remote", s.conn.RemoteAddr().String())
	return nil
}

package server

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"

	"roost/internal/auth"
	"roost/internal/imap/proto"
)

// SASL mechanisms of AUTHENTICATE (RFC 9051 §6.2.2, RFC 4959 SASL-IR).
const (
	mechPlain = "PLAIN"                  // RFC 4616
	mechLogin = "LOGIN"                  // draft-murchison-sasl-login, for old clients
	mechSCRAM = auth.MechSCRAMSHA256     // RFC 5802, RFC 7677
	mechPlus  = auth.MechSCRAMSHA256Plus // with channel binding, TLS only
)

// saslMechanisms are the mechanisms this connection offers: the -PLUS
// variant only over TLS, where there is a channel to bind to.
func (s *session) saslMechanisms() []string {
	m := []string{mechPlain, mechLogin, mechSCRAM}
	if s.tls {
		m = append(m, mechPlus)
	}
	return m
}

// errSASLCanceled answers a client's "*" (RFC 9051 §6.2.2).
var errSASLCanceled = errBad("Authentication canceled.")

// handleAuthenticate: AUTHENTICATE mechanism [initial-response].
func (s *session) handleAuthenticate(cmd *proto.Command) error {
	args := cmd.Args.(*proto.Authenticate)
	known := false
	for _, m := range s.saslMechanisms() {
		known = known || m == args.Mechanism
	}
	if !known {
		return errNo("", "Unsupported authentication mechanism.")
	}
	if !s.loginAllowed() {
		return errNo("PRIVACYREQUIRED", "Plain-text authentication is not allowed without TLS.")
	}
	var initial []byte
	if args.HasInitial {
		initial = args.Initial
	}
	switch args.Mechanism {
	case mechPlain:
		return s.authPlain(initial)
	case mechLogin:
		return s.authLogin(initial)
	default:
		return s.authSCRAM(args.Mechanism, initial)
	}
}

// saslStep sends a server challenge ("+ " and its base64) and returns the
// client's decoded response; "*" cancels the exchange.
func (s *session) saslStep(challenge []byte) ([]byte, error) {
	s.enc.Raw("+ ").Raw(base64.StdEncoding.EncodeToString(challenge)).CRLF()
	if err := s.enc.Flush(); err != nil {
		return nil, err
	}
	line, err := s.parser.ReadLine()
	if err != nil {
		return nil, err
	}
	if string(line) == "*" {
		return nil, errSASLCanceled
	}
	if len(line) > maxSASLLine {
		return nil, errBad("Authentication response too long.")
	}
	resp, err := base64.StdEncoding.Strict().DecodeString(string(line))
	if err != nil {
		return nil, errBad("Invalid base64 data in authentication response.")
	}
	return resp, nil
}

// authPlain: message = [authzid] UTF8NUL authcid UTF8NUL passwd (RFC 4616
// §2).
func (s *session) authPlain(resp []byte) error {
	if resp == nil {
		var err error
		if resp, err = s.saslStep(nil); err != nil {
			return err
		}
	}
	parts := bytes.Split(resp, []byte{0})
	if len(parts) != 3 || len(parts[1]) == 0 {
		return errBad("Invalid PLAIN authentication response.")
	}
	authzid, authcid, password := string(parts[0]), string(parts[1]), string(parts[2])
	if authzid != "" && authzid != authcid {
		return errNo("AUTHORIZATIONFAILED", "Authorization as another user is not permitted.")
	}
	return s.passwordLogin(mechPlain, authcid, password)
}

// authLogin: the server asks "Username:" and "Password:", the client
// answers each (an initial response is the user name).
func (s *session) authLogin(username []byte) error {
	var err error
	if username == nil {
		if username, err = s.saslStep([]byte("Username:")); err != nil {
			return err
		}
	}
	password, err := s.saslStep([]byte("Password:"))
	if err != nil {
		return err
	}
	if len(username) == 0 {
		return errBad("Invalid LOGIN authentication response.")
	}
	return s.passwordLogin(mechLogin, string(username), string(password))
}

// passwordLogin checks a password and enters the authenticated state.
func (s *session) passwordLogin(mech, username, password string) error {
	user, err := s.checkPassword(mech, username, password)
	if err != nil {
		return err
	}
	return s.enterAuthenticated(user, mech)
}

// authSCRAM runs SCRAM-SHA-256 or SCRAM-SHA-256-PLUS: client-first,
// server-first, client-final, server-final, then the client's empty
// response to the server-final challenge (IMAP carries no data in the
// tagged OK, RFC 9051 §6.2.2). The server does no expensive work (the
// client derives the salted password), so no verification slot is taken.
func (s *session) authSCRAM(mech string, first []byte) error {
	a, err := s.beginAttempt(mech, "")
	if err != nil {
		return err
	}
	if first == nil {
		if first, err = s.saslStep(nil); err != nil {
			return err
		}
	}
	var state *tls.ConnectionState
	var cert *x509.Certificate
	if tc, ok := s.conn.(*tls.Conn); ok {
		cs := tc.ConnectionState()
		state, cert = &cs, s.servedCertificate()
	}
	x := s.srv.scram.Start(s.ctx, mech == mechPlus, state, cert)
	serverFirst, err := x.Step(first)
	if err != nil {
		return s.scramFailed(a, x, err)
	}
	if err := s.recheck(a, x.Username()); err != nil {
		return err
	}
	clientFinal, err := s.saslStep(serverFirst)
	if err != nil {
		return err
	}
	serverFinal, err := x.Step(clientFinal)
	if err != nil {
		return s.scramFailed(a, x, err)
	}
	if err := s.settle(a); err != nil {
		return err
	}
	// The client checks the server signature; its answer must be empty.
	if resp, err := s.saslStep(serverFinal); err != nil {
		return err
	} else if len(resp) != 0 {
		return errBad("Unexpected data after SCRAM server-final-message.")
	}
	return s.enterAuthenticated(x.User(), mech)
}

// scramFailed answers a failed SCRAM exchange: a malformed message is BAD
// (and not counted: no password was tried), anything else is a failed
// login like a wrong password.
func (s *session) scramFailed(a *attempt, x *auth.Exchange, err error) error {
	switch {
	case errors.Is(err, auth.ErrSCRAMProtocol):
		return errBad("Invalid SCRAM message.")
	case errors.Is(err, auth.ErrAuthzid):
		return errNo("AUTHORIZATIONFAILED", "Authorization as another user is not permitted.")
	case errors.Is(err, auth.ErrBadCredentials):
		return s.failAttempt(a, x.Username(), err)
	}
	s.log.Error("login failed", "ip", s.lim.addr.String(), "user", x.Username(), "mech", a.mech, "err", err)
	return errAuthBusy
}

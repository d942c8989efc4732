package server

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"runtime/debug"
	"strings"
	"sync"
	"syscall"
	"time"

	"roost/internal/imap/proto"
	"roost/internal/imap/wire"
)

// connState is the part of a session that Shutdown touches from another
// goroutine.
type connState struct {
	mu     sync.Mutex
	cancel context.CancelFunc
}

func newSession(srv *Server, conn net.Conn, implicitTLS bool) *session {
	id := srv.nextID.Add(1)
	ctx, cancel := context.WithCancel(context.Background())
	s := &session{
		srv:  srv,
		id:   id,
		conn: conn,
		ctx:  ctx,
		log:  srv.log.With("conn", id, "remote", conn.RemoteAddr().String()),
	}
	s.cs.cancel = cancel
	if implicitTLS {
		s.conn = tlsServer(conn, s.connTLSConfig()) // the handshake runs in serve
	}
	_, s.tls = s.conn.(*tls.Conn)
	s.trusted = srv.isTrusted(conn.RemoteAddr())
	s.setupIO(s.conn)
	return s
}

// setupIO (re)builds the decoder, parser and encoder on c. Anything the old
// decoder had buffered is dropped: after STARTTLS that is the defence
// against plain-text command injection (RFC 9051 §6.2.1).
func (s *session) setupIO(c net.Conn) {
	s.dec = wire.NewDecoder(c, wire.DecoderOptions{
		MaxLine:    s.srv.cfg.MaxLine,
		MaxLiteral: s.srv.cfg.MaxLiteral,
		Continue:   s.continueLiteral,
	})
	s.parser = proto.NewParser(s.dec)
	s.parser.UTF8 = s.utf8
	if s.enc == nil {
		s.enc = wire.NewEncoder(c)
	} else {
		s.enc.Reset(c)
	}
	s.enc.UTF8 = s.utf8
}

// continueLiteral invites the client to send a synchronizing literal.
func (s *session) continueLiteral() error {
	s.enc.Raw("+ Ready for literal data").CRLF()
	return s.enc.Flush()
}

// serve runs the session to its end and closes the connection.
func (s *session) serve() {
	defer s.finish()
	defer func() {
		if r := recover(); r != nil {
			s.log.Error("panic in session", "panic", r, "stack", string(debug.Stack()))
			s.enc.Reset(s.conn) // drop a half-written response
			s.writeStatus("*", "BYE", "", "Internal error")
			s.enc.Flush()
		}
	}()
	s.log.Debug("connection opened", "tls", s.tls)
	if tc, ok := s.conn.(*tls.Conn); ok {
		if err := s.handshake(tc); err != nil {
			s.log.Info("TLS handshake failed", "err", err)
			return
		}
	}
	if !s.admitConnection() { // limits.go: connections per address
		return
	}
	s.writeStatus("*", "OK", "CAPABILITY "+strings.Join(s.capabilities(), " "), "Roost ready.")
	if s.enc.Flush() != nil {
		return
	}
	for {
		if s.srv.closing.Load() {
			s.bye("Server shutting down")
			return
		}
		if s.accountDeleted(false) {
			s.bye(accountGoneText)
			return
		}
		s.armReadDeadline(s.timeout())
		if err := s.awaitCommand(); err != nil { // NOTIFY: notifications until a command comes
			s.endWait(err)
			return
		}
		// No buffers held while the client thinks (idlebuf.go).
		s.releaseWriteBuffer()
		s.waitForClient()
		s.acquireWriteBuffer()
		cmd, err := s.parser.ReadCommand()
		if err != nil {
			var pe *proto.Error
			if errors.As(err, &pe) && s.answerParseError(pe) {
				continue
			}
			if pe == nil {
				s.endOnReadError(err)
			}
			return
		}
		if !s.execute(cmd) {
			return
		}
	}
}

// timeout is the autologout timer of the current state (RFC 9051 §5.4).
func (s *session) timeout() time.Duration {
	if s.user == nil {
		return s.srv.cfg.PreAuthTimeout
	}
	return s.srv.cfg.IdleTimeout
}

// answerParseError answers a command the parser rejected; false when the
// error is fatal and the session must end.
func (s *session) answerParseError(pe *proto.Error) bool {
	se := fromProtoError(pe)
	if se.Type == "BYE" {
		s.log.Info("protocol error, closing", "reason", pe.Text)
		s.bye(se.Text)
		return false
	}
	tag := pe.Tag
	if tag == "" {
		tag = "*"
	}
	s.writeStatus(tag, se.Type, se.Code, se.Text)
	return s.enc.Flush() == nil
}

// endOnReadError says goodbye when the read failed for a reason of ours
// (timeout, shutdown); a vanished client gets nothing.
func (s *session) endOnReadError(err error) {
	var ne net.Error
	switch {
	case s.srv.closing.Load():
		s.bye("Server shutting down")
	case s.accountDeleted(false):
		s.bye(accountGoneText)
	case errors.As(err, &ne) && ne.Timeout():
		s.bye("Autologout; idle for too long")
	case errors.Is(err, io.EOF):
		s.log.Debug("client closed the connection")
	default:
		s.log.Debug("read failed", "err", err)
	}
}

// execute runs one command and writes its tagged response; false ends the
// session.
func (s *session) execute(cmd *proto.Command) bool {
	s.tag, s.cmdUID = cmd.Tag, cmd.UID
	s.okCode, s.okText, s.afterOK = "", "", nil
	s.log.Debug("command", "tag", cmd.Tag, "name", cmd.Name, "uid", cmd.UID)
	s.conn.SetWriteDeadline(time.Now().Add(s.srv.cfg.IdleTimeout))

	spec, known := commandFor(cmd)
	var err error
	switch {
	case !known:
		err = errBad("Unknown command")
	case s.state()&spec.states == 0:
		err = s.stateError(spec)
	default:
		s.noteCondStoreEnabling(cmd)                // condstore.go (RFC 7162 §3.1)
		if err = s.beforeCommand(cmd); err == nil { // lowcost.go: UIDONLY, MESSAGELIMIT, load
			if err = s.throttleIO(cmd); err == nil { // limits.go: disk I/O rate
				err = spec.handle(s, cmd)
			}
			err = s.afterCommand(err)
		}
	}
	if isConnError(err) {
		s.endOnReadError(err)
		return false
	}
	if s.sel != nil && !isBye(err) {
		// Unsolicited updates go out before the tagged response.
		if ferr := s.flushUpdates(!spec.holdExpunge); ferr != nil {
			err = ferr
		}
	}
	if s.notify != nil && !isBye(err) {
		if nerr := s.notifyAfterCommand(cmd); nerr != nil {
			err = nerr
		}
	}

	if err == nil {
		text := s.okText
		if text == "" {
			text = cmd.Name + " completed."
			if cmd.UID {
				text = "UID " + text
			}
		}
		s.writeStatus(cmd.Tag, "OK", s.okCode, text)
		if s.enc.Flush() != nil {
			return false
		}
		if s.afterOK != nil {
			if err := s.afterOK(); err != nil {
				s.log.Info("connection ended after "+cmd.Name, "err", err)
				return false
			}
		}
		return !s.loggedOut
	}
	if s.accountDeleted(true) { // account_gone.go: not an error, the end
		s.bye(accountGoneText)
		return false
	}
	se, expected := asStatusError(err)
	if !expected {
		s.log.Error("command failed", "tag", cmd.Tag, "name", cmd.Name, "err", err)
	}
	if se.Type == "BYE" {
		s.bye(se.Text)
		return false
	}
	s.writeStatus(cmd.Tag, se.Type, se.Code, se.Text)
	return s.enc.Flush() == nil && !s.loggedOut
}

// isConnError reports whether err means the connection itself failed
// (client gone, read timeout, shutdown interrupt) rather than the command.
func isConnError(err error) bool {
	if err == nil {
		return false
	}
	var se *statusError
	var pe *proto.Error
	if errors.As(err, &se) || errors.As(err, &pe) {
		return false
	}
	var ne net.Error
	if errors.As(err, &ne) {
		// syscall.Errno satisfies net.Error too, but a bare errno in the
		// chain comes from a file (the store: ENOSPC, EIO), not from the
		// connection, whose errors are *net.OpError.
		if _, file := ne.(syscall.Errno); !file {
			return true
		}
	}
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, net.ErrClosed)
}

func isBye(err error) bool {
	var se *statusError
	return errors.As(err, &se) && se.Type == "BYE"
}

// bye sends "* BYE text"; the caller then ends the session.
func (s *session) bye(text string) {
	s.conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
	s.writeStatus("*", "BYE", "", text)
	s.enc.Flush()
}

// handshake completes a TLS handshake within tlsHandshakeTimeout.
func (s *session) handshake(tc *tls.Conn) error {
	tc.SetDeadline(time.Now().Add(tlsHandshakeTimeout))
	ctx, cancel := context.WithTimeout(s.ctx, tlsHandshakeTimeout)
	defer cancel()
	if err := tc.HandshakeContext(ctx); err != nil {
		return err
	}
	tc.SetDeadline(time.Time{})
	return nil
}

// armReadDeadline sets the read deadline d from now, unless the server is
// shutting down: then the read fails at once.
func (s *session) armReadDeadline(d time.Duration) {
	s.cs.mu.Lock()
	defer s.cs.mu.Unlock()
	if s.srv.closing.Load() || s.accountGone.Load() {
		s.conn.SetReadDeadline(time.Unix(1, 0))
		return
	}
	s.conn.SetReadDeadline(time.Now().Add(d))
}

// interruptRead makes a pending or future read fail (Shutdown).
func (s *session) interruptRead() {
	s.cs.mu.Lock()
	defer s.cs.mu.Unlock()
	s.conn.SetReadDeadline(time.Unix(1, 0))
}

// abort closes the connection from another goroutine (Shutdown timed out).
func (s *session) abort() {
	s.cs.mu.Lock()
	defer s.cs.mu.Unlock()
	s.cs.cancel()
	s.conn.Close()
}

// setConn replaces the connection (STARTTLS) in step with interruptRead.
func (s *session) setConn(c net.Conn) {
	s.cs.mu.Lock()
	defer s.cs.mu.Unlock()
	s.conn = c
}

// finish releases everything the session holds.
func (s *session) finish() {
	s.closeSelected()
	s.closeNotify()
	s.releaseLimits()
	s.cs.mu.Lock()
	s.cs.cancel()
	s.conn.Close()
	s.cs.mu.Unlock()
	s.log.Debug("connection closed")
}

// tlsServer wraps c for a server-side TLS handshake.
func tlsServer(c net.Conn, cfg *tls.Config) *tls.Conn { return tls.Server(c, cfg) }

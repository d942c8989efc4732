package server

import (
	"errors"
	"net"
	"strings"
	"time"

	"roost/internal/imap/proto"
)

// handleIdle: IDLE (RFC 9051 §6.3.13, RFC 2177). Changes to the selected
// mailbox, expunges included, are sent as soon as the store publishes
// them, until the client sends DONE or the autologout timer runs out.
func (s *session) handleIdle(*proto.Command) error {
	if s.sel != nil {
		if err := s.flushUpdates(true); err != nil {
			return err
		}
	}
	s.enc.Raw("+ idling").CRLF()
	if err := s.enc.Flush(); err != nil {
		return err
	}
	// An idling session holds no I/O buffer while nothing happens
	// (idlebuf.go): the write buffer is taken back for each update.
	s.releaseWriteBuffer()
	defer s.acquireWriteBuffer()

	type lineResult struct {
		line []byte
		err  error
	}
	lines := make(chan lineResult, 1)
	s.armReadDeadline(s.srv.cfg.IdleTimeout)
	go func() {
		s.waitForClient()
		line, err := s.parser.ReadLine()
		lines <- lineResult{line, err}
	}()

	var ready <-chan struct{}
	if s.sel != nil {
		ready = s.sel.watcher.Ready()
	}
	for {
		select {
		case <-ready:
			s.acquireWriteBuffer()
			if err := s.flushUpdates(true); err != nil {
				return err
			}
			if err := s.notifyFetchNew(); err != nil {
				return err
			}
			if s.sel == nil {
				ready = nil
			}
			s.conn.SetWriteDeadline(time.Now().Add(s.srv.cfg.IdleTimeout))
			if err := s.enc.Flush(); err != nil {
				return err
			}
			s.releaseWriteBuffer()
		case <-s.notifyReady(): // NOTIFY events (RFC 5465 §4)
			s.acquireWriteBuffer()
			if err := s.deliverUserEvents(nil); err != nil {
				return err
			}
			s.conn.SetWriteDeadline(time.Now().Add(s.srv.cfg.IdleTimeout))
			if err := s.enc.Flush(); err != nil {
				return err
			}
			s.releaseWriteBuffer()
		case r := <-lines:
			if r.err != nil {
				return s.idleReadError(r.err)
			}
			if strings.EqualFold(string(r.line), "DONE") {
				return nil
			}
			return errBad("Expected DONE.")
		}
	}
}

// idleReadError turns a failed read of DONE into the session's end: BYE
// for a timeout or shutdown, the parser's answer for a protocol error.
func (s *session) idleReadError(err error) error {
	var pe *proto.Error
	if errors.As(err, &pe) {
		return err
	}
	var ne net.Error
	switch {
	case s.srv.closing.Load():
		return errBye("Server shutting down")
	case s.accountDeleted(false):
		return errBye(accountGoneText)
	case errors.As(err, &ne) && ne.Timeout():
		return errBye("Autologout; idle for too long")
	}
	return err
}

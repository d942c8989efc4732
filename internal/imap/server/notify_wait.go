package server

import (
	"time"

	"roost/internal/imap/proto"
)

// With NOTIFY the client listens all the time (RFC 5465 §3.1), so between
// commands the session waits for whichever comes first: the next command
// or a change to report. The rule that keeps this simple (docs/LOCKING.md):
//
//   - A helper goroutine only *peeks* at the socket: it blocks in
//     Decoder.Peek until the first byte of the next command is buffered
//     (or the read fails), then signals and exits. It never writes.
//   - The session goroutine meanwhile only *writes* notifications, and
//     touches the decoder again only after the helper has signalled (the
//     channel orders the two). Then it reads the whole command itself.
//
// So there is still one command at a time, only the session goroutine
// writes to the socket, and only one goroutine at a time uses the decoder.
// A command that has started to arrive is never interleaved with
// notifications other than those sent while its first bytes were in
// flight, which clients must accept anyway (responses are unsolicited).

// awaitCommand returns once the next command has begun to arrive, or its
// read has failed (ReadCommand then reports that failure), writing
// notifications meanwhile. A non-nil error ends the session (a BYE to
// send, or a connection that failed while writing).
func (s *session) awaitCommand() error {
	n := s.notify
	if n == nil || s.user == nil {
		return nil
	}
	if err := s.deliverBetween(false, true); err != nil {
		return err
	}
	peeked := make(chan struct{})
	go func() {
		defer close(peeked)
		_, _ = s.dec.Peek() // errors are sticky: ReadCommand sees them
	}()
	for range 1 << 30 {
		var selReady <-chan struct{}
		if s.sel != nil && n.selected != nil && n.selected.events.messages {
			selReady = s.sel.watcher.Ready()
		}
		select {
		case <-peeked:
			return nil
		case <-selReady:
			if err := s.deliverBetween(true, false); err != nil {
				return err
			}
		case <-n.watcher.Ready():
			if err := s.deliverBetween(false, true); err != nil {
				return err
			}
		}
	}
	<-peeked
	return nil
}

// deliverBetween writes and flushes, between commands, the selected
// mailbox's changes (sel) and the user-wide ones (user). With SELECTED,
// EXPUNGE goes out at once; with SELECTED-DELAYED it waits for a command
// that allows it (§6.1.2).
func (s *session) deliverBetween(sel, user bool) error {
	n := s.notify
	if sel && s.sel != nil && n.selected != nil && n.selected.events.messages {
		if err := s.flushUpdates(!n.selected.delayed); err != nil {
			return err
		}
		if err := s.notifyFetchNew(); err != nil {
			return err
		}
	}
	if user {
		if err := s.deliverUserEvents(nil); err != nil {
			return err
		}
	}
	if s.enc.Buffered() == 0 {
		return nil
	}
	s.conn.SetWriteDeadline(time.Now().Add(s.srv.cfg.IdleTimeout))
	return s.enc.Flush()
}

// notifyAfterCommand adds the NOTIFY responses at the end of a command,
// before its tagged response: MessageNew FETCHes for the selected mailbox
// (not for messages the command itself added) and the user-wide events
// other than those the command caused.
func (s *session) notifyAfterCommand(cmd *proto.Command) error {
	if s.notify == nil {
		return nil
	}
	if s.user == nil || s.loggedOut {
		s.closeNotify()
		return nil
	}
	if s.sel != nil && s.notify.view == s.sel && ownsSelectedAdds(cmd, s.sel.mbox.Name) {
		// The client's own APPEND/COPY/MOVE into the selected mailbox:
		// no FETCH for those (§5.2 SHOULD NOT).
		s.notify.fetched = max(s.notify.fetched, s.sel.maxUID())
	}
	if err := s.notifyFetchNew(); err != nil {
		return err
	}
	return s.deliverUserEvents(s.ownChanges(cmd))
}

// ownsSelectedAdds reports whether cmd adds messages to the mailbox named
// selected.
func ownsSelectedAdds(cmd *proto.Command, selected string) bool {
	switch args := cmd.Args.(type) {
	case *proto.Append:
		return normalizeName(args.Mailbox) == selected
	case *proto.Copy:
		return normalizeName(args.Mailbox) == selected
	}
	return false
}

// notifyReady is the user watcher's signal while NOTIFY is on, else nil
// (IDLE waits on it too: §4, IDLE sends the events NOTIFY asked for).
func (s *session) notifyReady() <-chan struct{} {
	if s.notify == nil {
		return nil
	}
	return s.notify.watcher.Ready()
}

// endWait says goodbye after awaitCommand failed.
func (s *session) endWait(err error) {
	if se, ok := asStatusError(err); ok && se.Type == "BYE" {
		s.bye(se.Text)
		return
	}
	s.log.Debug("notification failed", "err", err)
}

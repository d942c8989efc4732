package server

import (
	"errors"
	"io"

	"roost/internal/imap/proto"
	"roost/internal/store"
)

// handleAppend: APPEND name [flags] [date] literal, and MULTIAPPEND's
// further messages (RFC 9051 §6.3.12, RFC 3502, RFC 4315 APPENDUID). Every
// message is streamed into backend.Stage and all are committed at once, so
// a failure stores none of them. A handler that gives up half way just
// returns: the parser drops the rest of the command (without inviting
// synchronizing literals) before reading the next one.
func (s *session) handleAppend(cmd *proto.Command) error {
	name := normalizeName(cmd.Args.(*proto.Append).Mailbox)
	ref, err := s.resolve(name) // namespace.go
	if err != nil {
		return err
	}
	mb := ref.mbox
	switch {
	case !ref.visible(): // missing, or invisible without "l" (RFC 4314 §6)
		return errNo("TRYCREATE", "Mailbox doesn't exist: "+s.mailboxName(name))
	case !has(ref.rights, "i"): // RFC 4314 §4
		return errNoPerm("i")
	case mb.NoSelect:
		return errNo("CANNOT", "Mailbox isn't selectable: "+s.mailboxName(name))
	}

	var msgs []store.AppendMessage
	defer func() {
		for _, m := range msgs {
			s.srv.backend.Discard(m.Staged)
		}
	}()
	for {
		am, r, err := s.parser.ReadAppendMessage()
		if err != nil {
			return err
		}
		if err := s.stageAppend(am, r, &msgs); err != nil {
			return err
		}
		more, err := s.parser.AppendEnd()
		if err != nil {
			return err
		}
		if !more {
			break
		}
		if err := s.limitAppend(len(msgs)); err != nil { // messagelimit.go
			return err
		}
	}
	if ref.rights != store.AllRights {
		// RFC 4314 §4: flags the user may not set are dropped, not refused.
		for i := range msgs {
			msgs[i].Flags = permittedFlags(ref.rights, msgs[i].Flags)
		}
	}
	uidValidity, uids, err := s.srv.backend.Append(s.ctx, mb.ID, msgs)
	if err != nil {
		if errors.Is(err, store.ErrNoMailbox) {
			return errNo("TRYCREATE", "Mailbox doesn't exist: "+s.mailboxName(name))
		}
		return storeError(err)
	}
	msgs = nil // committed: nothing to discard
	s.okCode = "APPENDUID " + itoa(uidValidity) + " " + uidSetString(uids)
	s.okText = "APPEND completed."
	return nil
}

// stageAppend validates one message's flags and streams its bytes into
// the store, adding it to msgs; it returns the response for a failure.
func (s *session) stageAppend(am *proto.AppendMessage, r io.Reader, msgs *[]store.AppendMessage) error {
	if am.UTF8 && !s.utf8Accept {
		return errUTF8AppendNotEnabled // utf8accept.go
	}
	flags, err := canonicalFlags(am.Flags)
	if err != nil {
		return err
	}
	if am.Size == 0 {
		return errNo("", "Can't save a zero byte message.")
	}
	staged, err := s.srv.backend.Stage(s.ctx, r, s.srv.cfg.MaxLiteral)
	if err != nil {
		if isConnError(err) {
			return err
		}
		if se := storeError(err); se != err {
			return se
		}
		s.log.Error("staging message failed", "err", err)
		return errServerBug
	}
	*msgs = append(*msgs, store.AppendMessage{Staged: staged, Flags: flags, InternalDate: am.Date})
	return nil
}

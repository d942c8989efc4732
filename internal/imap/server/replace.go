package server

import (
	"errors"

	"roost/internal/imap/proto"
	"roost/internal/store"
)

// handleReplace answers REPLACE and UID REPLACE (RFC 8508): the new
// message is appended to the named mailbox and the old one removed from
// the selected mailbox as one action. The APPENDUID goes in an untagged
// OK before the EXISTS/EXPUNGE responses (RFC 8508 §4.3), then the tagged
// OK. Nothing changes when any step fails (§3.4).
func (s *session) handleReplace(cmd *proto.Command) error {
	args, ok := cmd.Args.(*proto.Replace)
	if !ok {
		return errBad("Missing REPLACE arguments")
	}
	if s.sel.readOnly {
		return errNo("", "Mailbox is read-only.")
	}
	uids, err := s.resolveSet(proto.NumSet{Ranges: []proto.Range{proto.Span(args.Num, args.Num)}}, cmd.UID)
	if err != nil {
		return err
	}
	if len(uids) != 1 || s.sel.isExpunged(uids[0]) {
		return errNo("", "No such message to replace.")
	}
	oldUID := uids[0]
	name := normalizeName(args.Mailbox)
	ref, err := s.resolve(name) // namespace.go
	if err != nil {
		return err
	}
	dst := ref.mbox
	switch {
	case !ref.visible(): // missing, or invisible without "l" (RFC 4314 §6)
		return errNo("TRYCREATE", "Mailbox doesn't exist: "+s.mailboxName(name))
	case !has(ref.rights, "i") || !has(s.sel.rights, "te"): // APPEND + expunge (RFC 4314 §4)
		return errNoPerm("i, te")
	case dst.UserID != s.sel.mbox.UserID:
		return errNo("CANNOT", "Can't replace into another account's mailbox.")
	case dst.NoSelect:
		return errNo("CANNOT", "Mailbox isn't selectable: "+s.mailboxName(name))
	}

	var msgs []store.AppendMessage
	defer func() {
		for _, m := range msgs {
			s.srv.backend.Discard(m.Staged)
		}
	}()
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
	if more {
		// RFC 8508 §4.7: one message only.
		return errBad("REPLACE takes one message")
	}

	validity, newUID, err := s.replace(oldUID, dst.ID, msgs[0])
	if err != nil {
		switch {
		case errors.Is(err, store.ErrNoMessage):
			return errNo("", "No such message to replace.")
		case errors.Is(err, store.ErrNoMailbox):
			return errNo("TRYCREATE", "Mailbox doesn't exist: "+s.mailboxName(name))
		}
		return storeError(err)
	}
	msgs = nil // committed
	s.writeUntaggedOK("APPENDUID "+itoa(validity)+" "+itoa(newUID), "Replacement Message ready")
	s.okText = "Replace completed."
	// The new message (if appended here) and the expunge reached this
	// session's watcher when Replace committed; report them now.
	return s.flushUpdates(true)
}

// replace runs the store side of REPLACE: atomically when the backend is
// a store.Replacer (store/sqlite is), else as Append then Expunge.
func (s *session) replace(oldUID uint32, dstID int64, msg store.AppendMessage) (uint32, uint32, error) {
	if r, ok := s.srv.backend.(store.Replacer); ok {
		return r.Replace(s.ctx, s.sel.mbox.ID, oldUID, dstID, msg)
	}
	validity, uids, err := s.srv.backend.Append(s.ctx, dstID, []store.AppendMessage{msg})
	if err != nil {
		return 0, 0, err
	}
	if _, _, err := s.srv.backend.StoreFlags(s.ctx, s.sel.mbox.ID, []uint32{oldUID}, store.FlagsAdd, []string{store.FlagDeleted}, 0); err != nil {
		return 0, 0, err
	}
	if _, err := s.srv.backend.Expunge(s.ctx, s.sel.mbox.ID, []uint32{oldUID}); err != nil {
		return 0, 0, err
	}
	return validity, uids[0], nil
}

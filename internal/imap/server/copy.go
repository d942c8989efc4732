package server

import (
	"errors"
	"strconv"

	"roost/internal/imap/proto"
	"roost/internal/search"
	"roost/internal/store"
)

// handleCopy answers COPY and UID COPY (RFC 9051 §6.4.7) with the COPYUID
// response code of UIDPLUS (RFC 4315 §3).
func (s *session) handleCopy(cmd *proto.Command) error {
	return s.copyMessages(cmd, false)
}

// handleMove answers MOVE and UID MOVE (RFC 6851, RFC 9051 §6.4.8): the
// COPYUID goes in an untagged OK before the EXPUNGE responses of the moved
// messages (RFC 6851 §4.3), then the tagged OK.
func (s *session) handleMove(cmd *proto.Command) error {
	if s.sel.readOnly {
		return errNo("", "Mailbox is read-only.")
	}
	if !has(s.sel.rights, "te") { // MOVE = COPY + STORE \Deleted + EXPUNGE (RFC 6851, RFC 4314 §4)
		return errNoPerm("te")
	}
	return s.copyMessages(cmd, true)
}

func (s *session) copyMessages(cmd *proto.Command, move bool) error {
	c, ok := cmd.Args.(*proto.Copy)
	if !ok {
		return errBad("Missing arguments")
	}
	uids, err := s.resolveSet(c.Set, cmd.UID)
	if err != nil {
		return err
	}
	ref, err := s.resolve(normalizeName(c.Mailbox)) // namespace.go
	if err != nil {
		return err
	}
	if !ref.visible() { // missing, or invisible without "l" (RFC 4314 §6)
		return copyError(store.ErrNoMailbox)
	}
	if !has(ref.rights, "i") { // RFC 4314 §4
		return errNoPerm("i")
	}
	dst := ref.mbox
	if dst.NoSelect {
		return errNo("CANNOT", "Mailbox is not selectable: "+c.Mailbox)
	}
	verb := "Copy"
	if move {
		verb = "Move"
	}
	s.okText = verb + " completed."

	// One store call, one transaction: a COPY or MOVE that fails (over
	// quota, disk full) changes nothing, however many messages it names
	// (RFC 9051 §6.4.7, RFC 6851 §3.3).
	var res *store.CopyResult
	if move {
		res, err = s.srv.backend.Move(s.ctx, s.sel.mbox.ID, uids, dst.ID)
	} else {
		res, err = s.srv.backend.Copy(s.ctx, s.sel.mbox.ID, uids, dst.ID)
	}
	if err != nil {
		return copyError(err)
	}
	validity, src, dstUIDs := res.UIDValidity, res.SrcUIDs, res.DstUIDs
	if len(src) == 0 {
		// Nothing (left) to copy: no COPYUID (RFC 4315 §3 allows none).
		if len(uids) == 0 {
			s.okText = "No messages found."
		}
		return nil
	}
	if ref.rights != store.AllRights {
		// RFC 4314 §4: the copies keep only the flags the user may set.
		if err := s.dropUnpermittedFlags(dst.ID, dstUIDs, ref.rights); err != nil {
			return err
		}
	}
	code := copyUIDCode(validity, src, dstUIDs)
	if !move {
		s.okCode = code
		return nil
	}
	s.writeUntaggedOK(code, "Moved UIDs.")
	// The moved messages reached this session's watcher as expunges when
	// Move committed; report them now.
	return s.flushUpdates(true)
}

// copyUIDCode is "COPYUID uidvalidity source-uids destination-uids", the two
// sets paired element by element (RFC 4315 §3).
func copyUIDCode(validity uint32, src, dst []uint32) string {
	b := []byte("COPYUID ")
	b = strconv.AppendUint(b, uint64(validity), 10)
	b = append(b, ' ')
	b = search.Compact(b, src)
	b = append(b, ' ')
	b = search.Compact(b, dst)
	return string(b)
}

// copyError maps store errors of COPY/MOVE to their answers.
func copyError(err error) error {
	switch {
	case errors.Is(err, store.ErrNoMailbox):
		// RFC 9051 §6.4.7: the client may CREATE the mailbox and retry.
		return errNo("TRYCREATE", "Mailbox doesn't exist.")
	case errors.Is(err, store.ErrNotSelectable):
		return errNo("CANNOT", "Mailbox is not selectable.")
	case errors.Is(err, store.ErrNoSpace):
		return errNoSpace
	case errors.Is(err, store.ErrOverQuota): // quota.go
		return errOverQuota
	}
	return err
}

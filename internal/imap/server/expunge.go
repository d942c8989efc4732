package server

import "roost/internal/imap/proto"

// handleExpunge answers EXPUNGE and UID EXPUNGE (RFC 9051 §6.4.3, RFC 4315
// §2.1).
//
// The store reports every removal to this session's watcher as it commits,
// so the "* n EXPUNGE" responses come from flushUpdates. It sends them in
// the order the messages were removed, each sequence number computed after
// the previous removal, so the client's numbering stays right however it
// applies them (RFC 9051 §7.5.1).
func (s *session) handleExpunge(cmd *proto.Command) error {
	if s.sel.readOnly {
		return errNo("", "Mailbox is read-only.")
	}
	if !has(s.sel.rights, "e") { // RFC 4314 §4
		return errNoPerm("e")
	}
	s.okText = "Expunge completed."
	if !cmd.UID {
		// Every message with \Deleted, including any this session has not
		// announced yet: flushUpdates sends their EXISTS before the
		// EXPUNGE, so the client's view stays consistent.
		removed, err := s.srv.backend.Expunge(s.ctx, s.sel.mbox.ID, nil)
		if err != nil {
			return storeError(err) // a full disk is NO, not SERVERBUG
		}
		return s.expungeDone(len(removed) > 0) // qresync.go
	}
	e, ok := cmd.Args.(*proto.Expunge)
	if !ok {
		return errBad("Missing UID EXPUNGE arguments")
	}
	uids, err := s.resolveSet(e.Set, true)
	if err != nil {
		return err
	}
	anyRemoved := false
	for start := 0; start < len(uids); start += fetchBatch {
		// Never an empty batch: nil would mean "every \Deleted message".
		batch := uids[start:min(start+fetchBatch, len(uids))]
		removed, err := s.srv.backend.Expunge(s.ctx, s.sel.mbox.ID, batch)
		if err != nil {
			return storeError(err) // a full disk is NO, not SERVERBUG
		}
		anyRemoved = anyRemoved || len(removed) > 0
	}
	return s.expungeDone(anyRemoved)
}

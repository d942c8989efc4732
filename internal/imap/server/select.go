package server

import (
	"errors"

	"roost/internal/imap/proto"
	"roost/internal/store"
)

// systemFlags is the FLAGS response: the flags every mailbox supports.
var systemFlags = []string{store.FlagAnswered, store.FlagFlagged, store.FlagDeleted, store.FlagSeen, store.FlagDraft}

// handleSelect serves SELECT and EXAMINE (RFC 9051 §6.3.2-3, RFC 3501
// §6.3.1-2). The previous mailbox is closed first, so a failed SELECT
// leaves the session in the authenticated state.
func (s *session) handleSelect(cmd *proto.Command) error {
	args := cmd.Args.(*proto.Select)
	readOnly := args.ReadOnly || cmd.Name == "EXAMINE"
	if err := s.checkSelectModSeq(args); err != nil { // qresync.go
		return err
	}
	if s.sel != nil {
		s.closeSelected()
		// IMAP4rev2, and any server with CONDSTORE (RFC 7162 §3.2.11).
		s.writeUntaggedOK("CLOSED", "Previous mailbox is now closed.")
	}
	name := normalizeName(args.Mailbox)
	ref, err := s.openMailbox(name, "r") // RFC 4314 §4: SELECT needs "r"
	if err != nil {
		return err
	}
	mb := ref.mbox
	// Without any right to change the mailbox, it is read-only; "s" alone
	// still lets the user keep their own \Seen (rights.go).
	readOnly = readOnly || !hasAny(ref.rights, "swte")
	if mb.NoSelect {
		return errNo("CANNOT", "Mailbox isn't selectable: "+s.mailboxName(name))
	}
	// Watch before Select: changes committed in between are queued and
	// those already in the snapshot are skipped by their MODSEQ.
	w := s.srv.backend.Watch(mb.ID)
	snap, err := s.srv.backend.Select(s.ctx, mb.ID)
	if err != nil {
		w.Close()
		if errors.Is(err, store.ErrNoMailbox) {
			return errNo("NONEXISTENT", "Mailbox doesn't exist: "+s.mailboxName(name))
		}
		return storeError(err)
	}
	snap.Mailbox.Name = name // the client's name (namespace.go)
	sel := newSelected(snap, w, readOnly)
	sel.rights = ref.rights
	s.sel = sel
	if !s.rev2 {
		s.markInitialRecent(snap)
	}

	for _, k := range snap.Keywords {
		sel.keywords.add(k)
	}
	s.writeFlagsResponses() // keywords.go
	s.enc.Raw("* ").Number(uint64(len(sel.uids))).Raw(" EXISTS").CRLF()
	if !s.rev2 {
		s.enc.Raw("* ").Number(uint64(sel.recent.count(sel.uids))).Raw(" RECENT").CRLF()
		// RFC 3501 §6.3.1: the first unseen message's sequence number.
		if seq := sel.seqOf(snap.FirstUnseen); seq != 0 {
			s.writeUntaggedOK("UNSEEN "+itoa(seq), "First unseen.")
		}
	}
	s.writeUntaggedOK("UIDVALIDITY "+itoa(snap.Mailbox.UIDValidity), "UIDs valid")
	s.writeUntaggedOK("UIDNEXT "+itoa(snap.Mailbox.UIDNext), "Predicted next UID")
	s.writeUntaggedOK(mailboxIDCode(&snap.Mailbox), "Ok") // RFC 8474 §4.2, objectid.go
	if s.rev2 {
		// RFC 9051 §6.3.2: a LIST response with the mailbox's attributes.
		if err := s.listSelected(snap.Mailbox); err != nil {
			return err
		}
	}
	// HIGHESTMODSEQ, and the QRESYNC resynchronisation (qresync.go).
	if err := s.selectModSeq(args, snap); err != nil {
		return err
	}
	if readOnly || !readWriteByRights(ref.rights) { // RFC 4314 §5.2
		s.okCode = "READ-ONLY"
	} else {
		s.okCode = "READ-WRITE"
	}
	return nil
}

// markInitialRecent decides which messages are \Recent for this IMAP4rev1
// session. SELECT claims them; EXAMINE must not change that state (RFC 3501
// §6.3.2), so it only reports the unclaimed ones, which are always the
// newest.
func (s *session) markInitialRecent(snap *store.Snapshot) {
	sel := s.sel
	if sel.readOnly {
		n := min(int(snap.Status.Recent), len(sel.uids))
		if n > 0 {
			sel.recent.add(sel.uids[len(sel.uids)-n], sel.uids[len(sel.uids)-1])
		}
		return
	}
	if snap.Status.Recent == 0 {
		// Nothing to claim in the snapshot, so no write transaction:
		// messages that arrive later are claimed when announced.
		return
	}
	s.claimRecent()
}

// handleClose: expunge \Deleted messages silently when read-write, then
// leave the selected state (RFC 9051 §6.4.1).
func (s *session) handleClose(*proto.Command) error {
	sel := s.sel
	s.closeSelected()
	if sel.readOnly || !has(sel.rights, "e") { // RFC 4314 §4: CLOSE without "e" expunges nothing
		return nil
	}
	_, err := s.srv.backend.Expunge(s.ctx, sel.mbox.ID, nil)
	if err != nil && !errors.Is(err, store.ErrNoMailbox) {
		return storeError(err)
	}
	return nil
}

// handleUnselect leaves the selected state without expunging (RFC 3691).
func (s *session) handleUnselect(*proto.Command) error {
	s.closeSelected()
	return nil
}

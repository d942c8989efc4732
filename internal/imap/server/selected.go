package server

import (
	"slices"
	"sort"

	"roost/internal/imap/proto"
	"roost/internal/store"
)

// selected is the session's view of its selected mailbox. uids is what the
// client has been told: sequence number i+1 is uids[i]. Changes made by any
// session (this one included) reach the view only through the watcher, in
// flushUpdates, so a handler that changes the mailbox (APPEND, STORE,
// EXPUNGE, MOVE...) need not edit uids itself: it calls flushUpdates when
// it may emit the responses.
type selected struct {
	mbox     store.Mailbox // Name is the client's name (namespace.go)
	readOnly bool
	rights   string // RFC 4314 rights, fixed at SELECT (acl.go)
	watcher  *store.Watcher
	// baseModSeq is the snapshot's HIGHESTMODSEQ: older changes are already
	// part of the snapshot.
	baseModSeq uint64

	uids   []uint32  // ascending; seq i+1 → uids[i]
	recent recentSet // IMAP4rev1 \Recent, claimed by this session (recent.go)
	// searchRes is the saved search result "$" as UIDs (RFC 5182).
	searchRes []uint32
	// suppress holds this session's own flag changes that were already
	// reported (or silenced) by STORE: uid → modseq not to echo again.
	suppress map[uint32]uint64
	// pendingExpunge lists, in arrival order, UIDs expunged by the store
	// but still in uids because EXPUNGE responses were not allowed yet.
	pendingExpunge []uint32
	expunged       map[uint32]bool
	// existsSent is the message count the client last heard (EXISTS).
	existsSent int
	// ignoreDeleted counts MailboxDeleted notices caused by this
	// session's own RENAME of the selected mailbox.
	ignoreDeleted int
	// contexts are the SEARCH/SORT RETURN (UPDATE) contexts (contexts.go).
	contexts *searchContexts
	// modseq is what the client knows of MODSEQs (condstore.go).
	modseq modSeqView
	// keywords are those announced in FLAGS responses (keywords.go).
	keywords knownKeywords
}

func newSelected(snap *store.Snapshot, w *store.Watcher, readOnly bool) *selected {
	return &selected{
		mbox:       snap.Mailbox,
		readOnly:   readOnly,
		rights:     store.AllRights,
		watcher:    w,
		baseModSeq: snap.Mailbox.HighestModSeq,
		uids:       slices.Clone(snap.UIDs),
		suppress:   make(map[uint32]uint64),
		expunged:   make(map[uint32]bool),
		existsSent: len(snap.UIDs),
	}
}

// seqOf returns the sequence number of uid, or 0 if the view has no such
// message.
func (sel *selected) seqOf(uid uint32) uint32 {
	i, ok := slices.BinarySearch(sel.uids, uid)
	if !ok {
		return 0
	}
	return uint32(i + 1)
}

// isExpunged reports whether uid was expunged by the store but its EXPUNGE
// response is still pending (RFC 9051 §7.5.1); handlers may skip it.
func (sel *selected) isExpunged(uid uint32) bool { return sel.expunged[uid] }

// maxUID is the largest UID in the view, 0 if the mailbox is empty.
func (sel *selected) maxUID() uint32 {
	if len(sel.uids) == 0 {
		return 0
	}
	return sel.uids[len(sel.uids)-1]
}

// resolveSet turns a sequence set (uid false) or UID set (uid true) into the
// UIDs of the view, ascending and without duplicates.
//
// Sequence numbers must all exist: otherwise BAD "Invalid message sequence
// number" (Dovecot answers the same way). For UID sets, UIDs that do not
// exist are silently left out (RFC 9051 §6.4.9), and n:* always includes the
// largest UID. "$" is the saved search result (RFC 5182), restricted to
// messages that still exist.
func (s *session) resolveSet(set proto.NumSet, uid bool) ([]uint32, error) {
	sel := s.sel
	if set.Dollar {
		out := make([]uint32, 0, len(sel.searchRes))
		for _, u := range sel.searchRes {
			if sel.seqOf(u) != 0 {
				out = append(out, u)
			}
		}
		return out, nil
	}
	// Collect index ranges [lo, hi) into uids, then merge them.
	type span struct{ lo, hi int }
	spans := make([]span, 0, len(set.Ranges))
	n := len(sel.uids)
	for _, r := range set.Ranges {
		if uid {
			// "*" is the highest UID in the view, and "n:*" holds it
			// even when n is above it; 4294967295 is only itself, so
			// "3:4294967295" holds no UID below 3 (RFC 9051 §9).
			a, b := r.Bounds(sel.maxUID())
			lo := sort.Search(n, func(i int) bool { return sel.uids[i] >= a })
			hi := sort.Search(n, func(i int) bool { return sel.uids[i] > b })
			if lo < hi {
				spans = append(spans, span{lo, hi})
			}
			continue
		}
		// "*" is the number of messages; in an empty mailbox it is 0,
		// as BAD as any number past the end (RFC 9051 §9, seq-number).
		a, b := r.Bounds(uint32(n))
		if a == 0 || int64(b) > int64(n) {
			return nil, errBad("Invalid message sequence number")
		}
		spans = append(spans, span{int(a) - 1, int(b)})
	}
	slices.SortFunc(spans, func(x, y span) int { return x.lo - y.lo })
	var out []uint32
	end := 0
	for _, sp := range spans {
		if sp.lo < end {
			sp.lo = end
		}
		if sp.lo < sp.hi {
			out = append(out, sel.uids[sp.lo:sp.hi]...)
			end = sp.hi
		}
	}
	return out, nil
}

// noteOwnFlags records flag changes this session has already reported (or
// deliberately silenced, STORE .SILENT) so flushUpdates does not repeat
// them.
func (sel *selected) noteOwnFlags(updates []store.FlagUpdate) {
	for _, u := range updates {
		if u.ModSeq > sel.suppress[u.UID] {
			sel.suppress[u.UID] = u.ModSeq
		}
	}
}

// flushUpdates reports what changed in the selected mailbox since the last
// call: "* n EXISTS" (and "* n RECENT" in IMAP4rev1) for new messages,
// "* n FETCH (UID u FLAGS (...))" for flag changes made by others, and
// "* n EXPUNGE" for removed messages when allowExpunge; otherwise those wait
// (RFC 9051 §7.5.1) and the messages keep their sequence numbers. If the
// mailbox was deleted, the session ends with BYE (as Dovecot does).
//
// Order: flag changes of messages the client knows, then the EXPUNGEs (or
// VANISHED), then EXISTS, then flag changes of the new messages. Any order
// is legal, but clients that keep a message model, and test suites, expect
// Dovecot's, where the new count of EXISTS already has the expunges taken
// off (a MOVE within the mailbox expunges one message and adds another).
// A keyword new to the session is announced with FLAGS first (keywords.go).
// It writes into the encoder without flushing.
func (s *session) flushUpdates(allowExpunge bool) error {
	sel := s.sel
	if sel == nil {
		return nil
	}
	var later []store.Change // flag changes of messages not announced yet
	for _, c := range sel.watcher.Drain() {
		if c.Kind != store.MailboxDeleted && c.ModSeq <= sel.baseModSeq {
			continue
		}
		if s.otherUsersChange(c) { // another user's own \Seen (acl.go)
			continue
		}
		sel.contexts.note(c) // RFC 5267 updates, sent by contextUpdates
		sel.modseq.saw(c.ModSeq)
		switch c.Kind {
		case store.MessageAdded:
			if c.UID > sel.maxUID() {
				sel.uids = append(sel.uids, c.UID)
			}
			s.announceKeywords(c.Flags)
		case store.FlagsChanged:
			if ms, ok := sel.suppress[c.UID]; ok {
				if c.ModSeq <= ms {
					continue
				}
				delete(sel.suppress, c.UID)
			}
			seq := sel.seqOf(c.UID)
			if seq == 0 || sel.expunged[c.UID] {
				continue
			}
			if int(seq) > sel.existsSent {
				later = append(later, c)
				continue
			}
			s.writeFlagsFetch(seq, c)
		case store.MessageExpunged:
			if sel.seqOf(c.UID) != 0 && !sel.expunged[c.UID] {
				sel.expunged[c.UID] = true
				sel.pendingExpunge = append(sel.pendingExpunge, c.UID)
				sel.modseq.hold(c.ModSeq)
			}
		case store.MailboxDeleted:
			if sel.ignoreDeleted > 0 {
				sel.ignoreDeleted--
				continue
			}
			s.closeSelected()
			return errBye("Selected mailbox was deleted, have to disconnect.")
		}
	}
	if err := s.contextUpdates(); err != nil {
		return err
	}
	if allowExpunge && len(sel.pendingExpunge) > 0 {
		s.reportExpunges()
	}
	s.announceExists()
	for _, c := range later {
		if seq := sel.seqOf(c.UID); seq != 0 && !sel.expunged[c.UID] && int(seq) <= sel.existsSent {
			s.writeFlagsFetch(seq, c)
		}
	}
	return nil
}

// writeFlagsFetch writes the unsolicited FETCH of a flag change.
func (s *session) writeFlagsFetch(seq uint32, c store.Change) {
	sel := s.sel
	flags := s.viewFlags(c, &sel.mbox)
	s.announceKeywords(flags)
	sep := s.writeFetchStart(seq, c.UID, true) // or UIDFETCH (uidonly.go)
	s.enc.Raw(sep + "FLAGS ")
	s.writeFlags(flags, !s.rev2 && sel.recent.has(c.UID))
	s.writeModSeq(c.ModSeq) // CONDSTORE (RFC 7162 §3.1)
	s.enc.Raw(")").CRLF()
}

// reportExpunges sends the pending EXPUNGE (or VANISHED) responses and
// takes the messages out of the view. A message that was added and
// expunged before the client heard of it (its sequence number is above
// the last EXISTS) just leaves the view: the client never knew it.
func (s *session) reportExpunges() {
	sel := s.sel
	var gone []uint32 // for VANISHED (qresync.go)
	for _, u := range sel.pendingExpunge {
		seq := sel.seqOf(u)
		if seq == 0 {
			continue
		}
		sel.uids = slices.Delete(sel.uids, int(seq-1), int(seq))
		delete(sel.suppress, u)
		delete(sel.expunged, u)
		if int(seq) > sel.existsSent {
			continue
		}
		sel.existsSent--
		if s.reportsVanished() { // QRESYNC or UIDONLY (uidonly.go)
			gone = append(gone, u)
			continue
		}
		s.enc.Raw("* ").Number(uint64(seq)).Raw(" EXPUNGE").CRLF()
	}
	s.announceGone(gone)
	sel.pendingExpunge = sel.pendingExpunge[:0]
	sel.modseq.released()
}

// announceExists sends "* n EXISTS" (and RECENT in IMAP4rev1) if the view
// has grown since the client last heard, so that sequence numbers in the
// responses that follow are known to it.
func (s *session) announceExists() {
	sel := s.sel
	if len(sel.uids) == sel.existsSent {
		return
	}
	grew := len(sel.uids) > sel.existsSent
	sel.existsSent = len(sel.uids)
	if grew {
		s.claimRecent()
	}
	s.enc.Raw("* ").Number(uint64(len(sel.uids))).Raw(" EXISTS").CRLF()
	if !s.rev2 {
		s.enc.Raw("* ").Number(uint64(sel.recent.count(sel.uids))).Raw(" RECENT").CRLF()
	}
}

// claimRecent takes the \Recent state of the messages this session knows
// of (IMAP4rev1; RFC 3501 §2.3.2: only one session sees a message as
// recent). EXAMINE sessions and IMAP4rev2 sessions do not claim.
func (s *session) claimRecent() {
	sel := s.sel
	n := len(sel.uids)
	if s.rev2 || sel.readOnly || n == 0 {
		return
	}
	first, err := s.srv.backend.ClaimRecent(s.ctx, sel.mbox.ID, sel.uids[n-1])
	if err != nil {
		s.log.Warn("claim recent failed", "err", err)
		return
	}
	if first != 0 {
		sel.recent.add(first, sel.uids[n-1])
	}
}

// closeSelected leaves the selected state without any response.
func (s *session) closeSelected() {
	if s.sel == nil {
		return
	}
	s.sel.watcher.Close()
	s.sel = nil
}

// isRecent reports whether uid is \Recent in this session (IMAP4rev1).
func (s *session) isRecent(uid uint32) bool {
	return s.sel != nil && s.sel.recent.has(uid)
}

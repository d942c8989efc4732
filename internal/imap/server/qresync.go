package server

// QRESYNC (RFC 7162 §3.2): SELECT/EXAMINE (QRESYNC ...) resynchronises a
// mailbox in one round trip, UID FETCH (CHANGEDSINCE n VANISHED) reports
// expunged UIDs, and once QRESYNC is enabled VANISHED replaces EXPUNGE.
// The store remembers every expunged UID with its MODSEQ and indexes
// messages by MODSEQ, so a resync costs what changed, not the mailbox size.

import (
	"math"
	"slices"
	"strconv"

	"roost/internal/imap/proto"
	"roost/internal/search"
	"roost/internal/store"
)

// checkSelectModSeq validates the CONDSTORE/QRESYNC parameters of SELECT
// and EXAMINE before anything happens: a bad one is answered BAD and
// leaves the session as it was (RFC 7162 §3.2.5).
func (s *session) checkSelectModSeq(args *proto.Select) error {
	q := args.QResync
	if q == nil {
		return nil
	}
	if !s.qresync {
		return errBad("QRESYNC requires ENABLE QRESYNC first")
	}
	if q.ModSeq == 0 {
		return errBad("QRESYNC mod-sequence must be positive")
	}
	// known-uids, known-sequence-set and known-uid-set exclude "*"
	// (RFC 7162 §7); the two sets of seq-match-data pair up one to one.
	if q.KnownUIDs.HasStar() || q.KnownUIDs.Dollar {
		return errBad("Invalid QRESYNC known UIDs")
	}
	if m := q.SeqMatch; m != nil {
		if m[0].HasStar() || m[1].HasStar() || m[0].Dollar || m[1].Dollar {
			return errBad("Invalid QRESYNC sequence match data")
		}
		if setSize(m[0]) != setSize(m[1]) {
			return errBad("QRESYNC sequence match sets differ in size")
		}
	}
	return nil
}

// setSize counts the numbers of a set without "*".
func setSize(set proto.NumSet) uint64 {
	var n uint64
	for _, r := range set.Ranges {
		a, b := r.Bounds(0)
		n += uint64(b-a) + 1
	}
	return n
}

// selectModSeq finishes SELECT/EXAMINE for CONDSTORE and QRESYNC: it
// starts the view's MODSEQ tracking, reports HIGHESTMODSEQ once CONDSTORE
// is on (RFC 7162 §3.1.2.1; the CONDSTORE and QRESYNC parameters turn it
// on, §3.1.8), and resynchronises for QRESYNC (§3.2.5).
func (s *session) selectModSeq(args *proto.Select, snap *store.Snapshot) error {
	s.sel.modseq = modSeqView{seen: snap.Mailbox.HighestModSeq}
	if args.CondStore || args.QResync != nil {
		s.condstore = true
	}
	if !s.condstore {
		return nil
	}
	s.writeUntaggedOK("HIGHESTMODSEQ "+strconv.FormatUint(snap.Mailbox.HighestModSeq, 10), "Highest")
	q := args.QResync
	if q == nil || q.UIDValidity != snap.Mailbox.UIDValidity {
		// Another UIDVALIDITY: the client starts over; nothing else is
		// said (RFC 7162 §3.2.5).
		return nil
	}
	return s.resync(q, snap)
}

// resync sends what changed since the client's MODSEQ among its known
// UIDs: "* VANISHED (EARLIER) uids" for expunged messages, then
// "* n FETCH (UID u FLAGS (...) MODSEQ (m))" for changed ones, as
// UID FETCH known-uids (FLAGS) (CHANGEDSINCE m VANISHED) would
// (RFC 7162 §3.2.5.1).
func (s *session) resync(q *proto.QResyncParam, snap *store.Snapshot) error {
	sel := s.sel
	if q.ModSeq >= snap.Mailbox.HighestModSeq {
		return nil
	}
	known := uidRanges(q.KnownUIDs, 0)
	if len(q.KnownUIDs.Ranges) == 0 {
		// Without known UIDs: 1:<UIDNEXT-1>, nothing if the mailbox never
		// had a message (RFC 7162 §3.2.5.1).
		known = nil
		if snap.Mailbox.UIDNext > 1 {
			known = []store.UIDRange{{First: 1, Last: snap.Mailbox.UIDNext - 1}}
		}
	}
	if len(known) == 0 {
		return nil
	}
	gone, err := s.srv.backend.Vanished(s.ctx, sel.mbox.ID, q.ModSeq, known)
	if err != nil {
		return err
	}
	if q.SeqMatch != nil {
		floor := sel.seqMatchFloor(q.SeqMatch)
		gone = slices.DeleteFunc(gone, func(u uint32) bool { return u <= floor })
	}
	s.writeVanishedList(gone, true)
	changed, err := s.srv.backend.ChangedSince(s.ctx, sel.mbox.ID, q.ModSeq, known)
	if err != nil {
		return err
	}
	for i := range changed {
		m := &changed[i]
		seq := sel.seqOf(m.UID)
		if seq == 0 {
			continue // arrived after the snapshot: EXISTS will tell
		}
		s.announceKeywords(m.Flags)                // keywords.go
		sep := s.writeFetchStart(seq, m.UID, true) // or UIDFETCH (uidonly.go)
		s.enc.Raw(sep + "FLAGS ")
		s.writeFlags(m.Flags, !s.rev2 && sel.recent.has(m.UID))
		s.enc.Raw(" MODSEQ (").Number(m.ModSeq).Raw(")")
		s.enc.Raw(")").CRLF()
	}
	return s.enc.Err()
}

// seqMatchFloor applies the message sequence match data (RFC 7162
// §3.2.5.2): walking the client's (sequence number, UID) pairs in order,
// every pair that still matches the view proves the client knows of all
// expunges up to that UID. It returns the UID of the last pair that
// matched before the first mismatch, 0 if none did; no UID at or below it
// needs reporting.
func (sel *selected) seqMatchFloor(m *[2]proto.NumSet) uint32 {
	seqs, uids := setIter(m[0]), setIter(m[1])
	var floor uint32
	// Bounded: a pair whose sequence number is beyond the view mismatches.
	for range len(sel.uids) + 1 {
		seq, ok1 := seqs()
		uid, ok2 := uids()
		if !ok1 || !ok2 || seq == 0 || int64(seq) > int64(len(sel.uids)) || sel.uids[seq-1] != uid {
			break
		}
		floor = uid
	}
	return floor
}

// setIter yields the numbers of a set without "*" in the order given
// (ranges as written, each ascending).
func setIter(set proto.NumSet) func() (uint32, bool) {
	i := 0
	var next uint64
	started := false
	return func() (uint32, bool) {
		for i < len(set.Ranges) {
			r := set.Ranges[i]
			lo, hi := r.Bounds(0)
			a, b := uint64(lo), uint64(hi)
			if !started {
				next, started = a, true
			}
			if next <= b {
				n := next
				next++
				return uint32(n), true
			}
			i++
			started = false
		}
		return 0, false
	}
}

// uidRanges turns a UID set into ascending, disjoint ranges. "*" stands
// for star (for VANISHED, any UID at all: expunged UIDs may lie above the
// largest one still present).
func uidRanges(set proto.NumSet, star uint32) []store.UIDRange {
	out := make([]store.UIDRange, 0, len(set.Ranges))
	for _, r := range set.Ranges {
		a, b := r.Bounds(star)
		out = append(out, store.UIDRange{First: a, Last: b})
	}
	return mergeRanges(out)
}

func mergeRanges(rs []store.UIDRange) []store.UIDRange {
	slices.SortFunc(rs, func(x, y store.UIDRange) int { return int(int64(x.First) - int64(y.First)) })
	out := rs[:0]
	for _, r := range rs {
		if n := len(out); n > 0 && uint64(r.First) <= uint64(out[n-1].Last)+1 {
			out[n-1].Last = max(out[n-1].Last, r.Last)
			continue
		}
		out = append(out, r)
	}
	return out
}

// writeVanishedEarlier answers the VANISHED modifier of UID FETCH
// (RFC 7162 §3.2.6): the UIDs of set expunged since modseq, before any
// FETCH response. UIDs still in the view are left out: their own VANISHED
// follows at the end of this command, which may announce expunges.
func (s *session) writeVanishedEarlier(set proto.NumSet, modseq uint64) error {
	sel := s.sel
	var within []store.UIDRange
	if set.Dollar {
		for _, u := range sel.searchRes {
			within = append(within, store.UIDRange{First: u, Last: u})
		}
		within = mergeRanges(within)
	} else {
		within = uidRanges(set, math.MaxUint32)
	}
	gone, err := s.srv.backend.Vanished(s.ctx, sel.mbox.ID, modseq, within)
	if err != nil {
		return err
	}
	gone = slices.DeleteFunc(gone, func(u uint32) bool { return sel.seqOf(u) != 0 })
	s.writeVanishedList(gone, true)
	return nil
}

// writeVanishedList writes "* VANISHED [(EARLIER) ]uids" unless uids is
// empty.
func (s *session) writeVanishedList(uids []uint32, earlier bool) {
	if len(uids) == 0 {
		return
	}
	s.enc.Raw("* VANISHED ")
	if earlier {
		s.enc.Raw("(EARLIER) ")
	}
	s.enc.RawBytes(search.Compact(nil, uids)).CRLF()
}

// announceGone reports messages leaving the view, after flushUpdates has
// removed them: one "* VANISHED uids" once QRESYNC is enabled (RFC 7162
// §3.2.10.2), else nothing here (flushUpdates has sent their EXPUNGE).
func (s *session) announceGone(uids []uint32) {
	if s.reportsVanished() {
		slices.Sort(uids)
		s.writeVanishedList(uids, false)
	}
}

// expungeDone ends EXPUNGE and UID EXPUNGE: the removals are announced and,
// with QRESYNC, the tagged OK carries the new HIGHESTMODSEQ when anything
// was removed (RFC 7162 §3.2.7, §3.2.9).
func (s *session) expungeDone(removed bool) error {
	if err := s.flushUpdates(true); err != nil {
		return err
	}
	if removed && s.qresync && s.sel != nil {
		s.okCode = "HIGHESTMODSEQ " + strconv.FormatUint(s.sel.modseq.highest(), 10)
	}
	return nil
}

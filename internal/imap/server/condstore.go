package server

// CONDSTORE (RFC 7162 §3.1): per-message MODSEQs in FETCH, STORE
// UNCHANGEDSINCE, FETCH CHANGEDSINCE, SEARCH MODSEQ, HIGHESTMODSEQ in
// SELECT and STATUS. The session turns it on at the first "CONDSTORE
// enabling command" and keeps it until the connection ends. QRESYNC, which
// builds on it, is in qresync.go.

import (
	"slices"
	"strconv"

	"roost/internal/imap/proto"
	"roost/internal/store"
)

// modSeqView tracks the MODSEQ up to which this session's client has heard
// of every change to the selected mailbox. A HIGHESTMODSEQ response code
// must never run ahead of expunges still held back (RFC 7162 §3.2 and the
// example of §6), or a client that reconnects with it would miss them.
type modSeqView struct {
	seen     uint64 // highest MODSEQ of the snapshot and of changes taken from the watcher
	heldFrom uint64 // MODSEQ of the oldest expunge not yet announced, 0 if none
}

// highest is the HIGHESTMODSEQ the client may be told now.
func (v *modSeqView) highest() uint64 {
	if v.heldFrom != 0 {
		return v.heldFrom - 1
	}
	return v.seen
}

// saw records a change taken from the watcher.
func (v *modSeqView) saw(modseq uint64) { v.seen = max(v.seen, modseq) }

// hold records an expunge whose announcement waits (RFC 9051 §7.5.1).
func (v *modSeqView) hold(modseq uint64) {
	if v.heldFrom == 0 || modseq < v.heldFrom {
		v.heldFrom = modseq
	}
}

// released records that every held expunge has been announced.
func (v *modSeqView) released() { v.heldFrom = 0 }

// enableModSeq serves ENABLE CONDSTORE and ENABLE QRESYNC (RFC 7162
// §3.2.3; QRESYNC implies CONDSTORE). It returns the name to list in the
// ENABLED response, "" when c is not one of them or was already on.
func (s *session) enableModSeq(c string) string {
	switch c {
	case "CONDSTORE":
		if s.condstore {
			return ""
		}
		s.condstore = true
		return "CONDSTORE"
	case "QRESYNC":
		if s.qresync {
			return ""
		}
		s.qresync, s.condstore = true, true
		return "QRESYNC"
	}
	return ""
}

// noteCondStoreEnabling turns CONDSTORE on when cmd is one of the enabling
// commands of RFC 7162 §3.1: FETCH with MODSEQ or CHANGEDSINCE, SEARCH (and
// SORT, THREAD) with the MODSEQ key, STORE with UNCHANGEDSINCE, STATUS with
// HIGHESTMODSEQ. SELECT/EXAMINE (CONDSTORE) and ENABLE are handled by
// their commands. The first enabling command with a mailbox selected
// reports that mailbox's HIGHESTMODSEQ.
func (s *session) noteCondStoreEnabling(cmd *proto.Command) {
	if s.condstore || !isCondStoreEnabling(cmd) {
		return
	}
	s.condstore = true
	if s.sel != nil {
		s.writeUntaggedOK("HIGHESTMODSEQ "+strconv.FormatUint(s.sel.modseq.highest(), 10), "Highest")
	}
}

func isCondStoreEnabling(cmd *proto.Command) bool {
	switch a := cmd.Args.(type) {
	case *proto.Fetch:
		return a.ChangedSince > 0 || slices.ContainsFunc(a.Items, func(it proto.FetchItem) bool { return it.Attr == proto.FetchModSeq })
	case *proto.Search:
		return hasModSeqKey(a.Keys)
	case *proto.Sort:
		return hasModSeqKey(a.Keys)
	case *proto.Thread:
		return hasModSeqKey(a.Keys)
	case *proto.Store:
		return a.HasUnchanged
	case *proto.Status:
		return slices.Contains(a.Items, "HIGHESTMODSEQ")
	}
	return false
}

// hasModSeqKey reports whether keys use the MODSEQ search key anywhere.
func hasModSeqKey(keys []proto.SearchKey) bool {
	for i := range keys {
		if keys[i].Op == proto.SearchModSeq || hasModSeqKey(keys[i].Keys) {
			return true
		}
	}
	return false
}

// writeModSeq writes " MODSEQ (n)" into a FETCH response once CONDSTORE
// is on: every FETCH response with FLAGS carries the MODSEQ, unsolicited
// ones included (RFC 7162 §3.1, §3.1.4.2).
func (s *session) writeModSeq(modseq uint64) {
	if s.condstore {
		s.enc.Raw(" MODSEQ (").Number(modseq).Raw(")")
	}
}

// condStoreFetch adapts a FETCH to CONDSTORE: with it on, FLAGS come with
// MODSEQ, and a FETCH that may set \Seen answers UID and MODSEQ too
// (RFC 7162 §3.2.4). With CHANGEDSINCE it narrows uids to the messages
// changed since then, found through the store's MODSEQ index, so the cost
// grows with the changes rather than with the set (RFC 7162 §3.1.4.1); with
// VANISHED it first reports the expunged UIDs (qresync.go).
func (s *session) condStoreFetch(cmd *proto.Command, f *proto.Fetch, plan *fetchPlan, uids []uint32) ([]uint32, error) {
	if f.Vanished && !s.qresync {
		return nil, errBad("VANISHED requires ENABLE QRESYNC")
	}
	if s.condstore {
		has := func(a proto.FetchAttr) bool {
			return slices.ContainsFunc(plan.items, func(it proto.FetchItem) bool { return it.Attr == a })
		}
		implicitSeen := plan.setSeen && !s.sel.readOnly
		if (plan.hasFlags || implicitSeen) && !has(proto.FetchModSeq) {
			plan.items = append(plan.items, proto.FetchItem{Attr: proto.FetchModSeq})
		}
		if implicitSeen && !has(proto.FetchUID) {
			plan.items = slices.Insert(plan.items, 0, proto.FetchItem{Attr: proto.FetchUID})
		}
	}
	if f.ChangedSince == 0 {
		return uids, nil
	}
	if f.Vanished {
		if err := s.writeVanishedEarlier(f.Set, f.ChangedSince); err != nil {
			return nil, err
		}
	}
	changed, err := s.srv.backend.ChangedSince(s.ctx, s.sel.mbox.ID, f.ChangedSince, s.sel.viewRanges(uids))
	if err != nil {
		return nil, err
	}
	out := make([]uint32, 0, len(changed))
	for _, m := range changed {
		if _, ok := slices.BinarySearch(uids, m.UID); ok {
			out = append(out, m.UID)
		}
	}
	return out, nil
}

// viewRanges turns uids (ascending, all in the view) into UID ranges that
// hold no other message of the view: consecutive UIDs of the view share a
// range. Messages the view does not have yet are above all of its UIDs, so
// the ranges cover exactly uids.
func (sel *selected) viewRanges(uids []uint32) []store.UIDRange {
	out := make([]store.UIDRange, 0, 1)
	prev := -2
	for _, u := range uids {
		i := int(sel.seqOf(u)) - 1
		if i < 0 {
			continue
		}
		if i == prev+1 && len(out) > 0 {
			out[len(out)-1].Last = u
		} else {
			out = append(out, store.UIDRange{First: u, Last: u})
		}
		prev = i
	}
	return out
}

// writeStoreFetch writes the FETCH response for one message STORE changed:
// FLAGS unless .SILENT; with CONDSTORE on, UID and MODSEQ even when silent
// (RFC 7162 §3.1.3, §3.2.4); UID for UID STORE (RFC 9051 §6.4.9).
func (s *session) writeStoreFetch(seq uint32, u store.FlagUpdate, uid, silent bool) {
	sep := s.writeFetchStart(seq, u.UID, uid || s.condstore) // or UIDFETCH (uidonly.go)
	if !silent {
		s.enc.Raw(sep).Raw("FLAGS ")
		s.writeFlags(u.Flags, s.isRecent(u.UID))
		sep = " "
	}
	if s.condstore {
		s.enc.Raw(sep).Raw("MODSEQ (").Number(u.ModSeq).Raw(")")
	}
	s.enc.Raw(")").CRLF()
}

// searchModSeq is the highest MODSEQ of the messages a SEARCH with the
// MODSEQ key returns (RFC 7162 §3.1.5, §3.1.6), 0 when the keys have no
// MODSEQ or nothing was found. Only the returned messages are loaded,
// without parse results.
func (s *session) searchModSeq(keys []proto.SearchKey, uids []uint32) (uint64, error) {
	if len(uids) == 0 || !hasModSeqKey(keys) {
		return 0, nil
	}
	var highest uint64
	for start := 0; start < len(uids); start += fetchBatch {
		batch := uids[start:min(start+fetchBatch, len(uids))]
		msgs, err := s.srv.backend.Messages(s.ctx, s.sel.mbox.ID, batch, store.FetchOptions{})
		if err != nil {
			return 0, err
		}
		for i := range msgs {
			highest = max(highest, msgs[i].ModSeq)
		}
	}
	return highest, nil
}

// returnedUIDs are the found messages an ESEARCH response actually names:
// all of them with ALL or COUNT, else just MIN and MAX (RFC 4731 §3.2:
// MODSEQ is the highest of the messages returned).
func returnedUIDs(found []uint32, want map[proto.SearchReturn]bool) []uint32 {
	if len(found) == 0 || want[proto.ReturnAll] || want[proto.ReturnCount] || (!want[proto.ReturnMin] && !want[proto.ReturnMax]) {
		return found
	}
	var out []uint32
	if want[proto.ReturnMin] {
		out = append(out, found[0])
	}
	if want[proto.ReturnMax] && (len(out) == 0 || out[0] != found[len(found)-1]) {
		out = append(out, found[len(found)-1])
	}
	return out
}

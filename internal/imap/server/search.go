package server

import (
	"slices"
	"strconv"
	"time"

	"roost/internal/imap/proto"
	"roost/internal/search"
)

// handleSearch answers SEARCH and UID SEARCH (RFC 9051 §6.4.4, RFC 3501
// §6.4.4) with the ESEARCH result options of RFC 4731 and SAVE of RFC 5182.
//
// The answer is "* SEARCH n..." for an IMAP4rev1 SEARCH without RETURN, and
// "* ESEARCH (TAG "t") [UID] ..." otherwise: with RETURN, or always in
// IMAP4rev2 mode, where a missing RETURN means ALL.
func (s *session) handleSearch(cmd *proto.Command) error {
	sr, ok := cmd.Args.(*proto.Search)
	if !ok {
		return errBad("Missing SEARCH arguments")
	}
	if err := s.utf8SearchCharsetError(sr.Charset); err != nil { // utf8accept.go
		return err
	}
	if usesContextOptions(sr) { // UPDATE, CONTEXT, PARTIAL: contexts.go
		return s.handleContextSearch(cmd, sr)
	}
	ret := sr.Return
	save := slices.Contains(ret, proto.ReturnSave)
	switch sr.Charset {
	case "", "UTF-8", "US-ASCII":
	default:
		if save {
			// A failed SEARCH with SAVE empties "$" (RFC 5182 §2.1).
			s.sel.searchRes = nil
		}
		return errNo("BADCHARSET (UTF-8 US-ASCII)", "Unsupported charset")
	}

	found, err := s.searchUIDs(sr.Keys)
	if err != nil {
		if save {
			s.sel.searchRes = nil
		}
		return err
	}
	s.okText = "Search completed."

	extended := ret != nil || s.rev2
	if !extended {
		s.enc.Raw("* SEARCH")
		for _, u := range found {
			s.enc.SP().Number(uint64(s.resultNumber(u, cmd.UID)))
		}
		// RFC 7162 §3.1.6: "(MODSEQ n)" after a non-empty MODSEQ search.
		modseq, err := s.searchModSeq(sr.Keys, found)
		if err != nil {
			return err
		}
		if modseq > 0 {
			s.enc.Raw(" (MODSEQ ").Number(modseq).Raw(")")
		}
		s.enc.CRLF()
		return s.enc.Err()
	}

	want := map[proto.SearchReturn]bool{}
	for _, r := range ret {
		want[r] = true
	}
	if len(ret) == 0 {
		// "RETURN ()" and IMAP4rev2 without RETURN mean ALL (RFC 4731 §3.1).
		want[proto.ReturnAll] = true
	}
	if save {
		s.sel.searchRes = savedResult(found, want)
		if len(want) == 1 {
			// SAVE alone: no ESEARCH response (RFC 5182 §2.1).
			return nil
		}
	}
	// RFC 7162 §3.1.10: "MODSEQ n" after a non-empty MODSEQ search.
	modseq, err := s.searchModSeq(sr.Keys, returnedUIDs(found, want))
	if err != nil {
		return err
	}
	s.writeESearch(cmd, found, want, modseq)
	return s.enc.Err()
}

// searchUIDs evaluates keys over the session's view and returns the
// matching UIDs, ascending. Messages are loaded in batches, with parse
// results only when a key needs them, and only those that the top-level
// UID and sequence-set keys leave as candidates.
func (s *session) searchUIDs(keys []proto.SearchKey) ([]uint32, error) {
	sel := s.sel
	ctx := &search.Context{
		Now:       time.Now(),
		SeqOf:     sel.seqOf,
		MaxSeq:    uint32(len(sel.uids)),
		MaxUID:    sel.maxUID(),
		Recent:    func(uid uint32) bool { return s.isRecent(uid) },
		SavedUIDs: sel.searchRes,
	}
	candidates := make([]uint32, 0, len(sel.uids))
	for i, u := range sel.uids {
		if sel.isExpunged(u) || !prefilter(keys, uint32(i+1), u, ctx) {
			continue
		}
		candidates = append(candidates, u)
	}
	// Subject, From, To, Cc, Bcc alone: the store matches them itself.
	if found, ok, err := s.searchIndexedHeaders(keys, candidates); ok { // search_headers.go
		return found, err
	}
	opts := search.Needs(keys)
	opts.TextOnly = search.TextOnly(keys) // only UID and text read: a narrower load
	var found []uint32
	prog := s.newProgress(len(candidates)) // inprogress.go
	for start := 0; start < len(candidates); start += fetchBatch {
		batch := candidates[start:min(start+fetchBatch, len(candidates))]
		msgs, err := s.srv.backend.Messages(s.ctx, sel.mbox.ID, batch, opts)
		if err != nil {
			return nil, err
		}
		for i := range msgs {
			if err := prog.at(start + i); err != nil {
				return nil, err
			}
			if search.Match(keys, &msgs[i], ctx) {
				found = append(found, msgs[i].UID)
			}
		}
	}
	return found, nil
}

// prefilter applies the top-level keys that need nothing but the sequence
// number and UID, so that messages they exclude are never loaded.
func prefilter(keys []proto.SearchKey, seq, uid uint32, ctx *search.Context) bool {
	for i := range keys {
		k := &keys[i]
		if k.Set.Dollar {
			if k.Op == proto.SearchUID || k.Op == proto.SearchSeqSet {
				if _, ok := slices.BinarySearch(ctx.SavedUIDs, uid); !ok {
					return false
				}
			}
			continue
		}
		switch k.Op {
		case proto.SearchUID:
			if !search.InSet(k.Set, uid, ctx.MaxUID) {
				return false
			}
		case proto.SearchSeqSet:
			if !search.InSet(k.Set, seq, ctx.MaxSeq) {
				return false
			}
		}
	}
	return true
}

// resultNumber is how a found message is reported: its UID for UID SEARCH,
// else its sequence number.
func (s *session) resultNumber(uid uint32, byUID bool) uint32 {
	if byUID {
		return uid
	}
	return s.sel.seqOf(uid)
}

// savedResult is what SAVE keeps in "$": every found message, except that
// SAVE combined only with MIN and/or MAX keeps just those (RFC 5182 §2.4).
func savedResult(found []uint32, want map[proto.SearchReturn]bool) []uint32 {
	if len(found) == 0 {
		return nil
	}
	if want[proto.ReturnAll] || want[proto.ReturnCount] || (!want[proto.ReturnMin] && !want[proto.ReturnMax]) {
		return slices.Clone(found)
	}
	var out []uint32
	if want[proto.ReturnMin] {
		out = append(out, found[0])
	}
	if want[proto.ReturnMax] && (len(out) == 0 || found[len(found)-1] != out[0]) {
		out = append(out, found[len(found)-1])
	}
	return out
}

// writeESearch writes "* ESEARCH (TAG "t") [UID] [MIN n] [MAX n] [COUNT n]
// [ALL set]" (RFC 4731 §3.1; RFC 9051 §7.3.4). MIN, MAX and ALL are left
// out when nothing matched; COUNT is always given when asked.
func (s *session) writeESearch(cmd *proto.Command, found []uint32, want map[proto.SearchReturn]bool, modseq uint64) {
	s.enc.Raw("* ESEARCH (TAG ").String(s.tag).Raw(")")
	if cmd.UID {
		s.enc.Raw(" UID")
	}
	nums := make([]uint32, len(found))
	for i, u := range found {
		nums[i] = s.resultNumber(u, cmd.UID)
	}
	if len(nums) > 0 && want[proto.ReturnMin] {
		s.enc.Raw(" MIN ").Number(uint64(nums[0]))
	}
	if len(nums) > 0 && want[proto.ReturnMax] {
		s.enc.Raw(" MAX ").Number(uint64(nums[len(nums)-1]))
	}
	if want[proto.ReturnCount] {
		s.enc.Raw(" COUNT ").Raw(strconv.Itoa(len(nums)))
	}
	if len(nums) > 0 && want[proto.ReturnAll] {
		s.enc.Raw(" ALL ").RawBytes(search.Compact(nil, nums))
	}
	if modseq > 0 {
		s.enc.Raw(" MODSEQ ").Number(modseq)
	}
	s.enc.CRLF()
}

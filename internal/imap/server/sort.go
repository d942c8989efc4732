package server

import (
	"slices"
	"strconv"
	"time"

	"roost/internal/imap/proto"
	"roost/internal/search"
	"roost/internal/store"
)

// handleSort answers SORT and UID SORT (RFC 5256 §3) with the RETURN
// options of ESORT and CONTEXT=SORT (RFC 5267): "* SORT n..." without
// RETURN, else "* ESEARCH (TAG "t") [UID] ..." with the results in sort
// order. Sorting reads only the stored sort keys (store.SortKeys).
func (s *session) handleSort(cmd *proto.Command) error {
	sa, ok := cmd.Args.(*proto.Sort)
	if !ok {
		return errBad("Missing SORT arguments")
	}
	q := &searchingCommand{uid: cmd.UID, keys: sa.Keys, criteria: sa.Criteria, ret: sa.Return, partial: sa.Partial}
	if err := s.startSearching(q, sa.Charset); err != nil {
		return err
	}
	var resolved []proto.SearchKey
	if q.has(proto.ReturnUpdate) {
		resolved = s.resolveContextKeys(sa.Keys)
	}
	needs := search.SortNeeds
	// Dates and sizes only, and no context to keep up to date with
	// other criteria later: the string keys stay unread.
	needs.SortDatesOnly = search.DatesOnly(sa.Criteria) && !q.has(proto.ReturnUpdate)
	msgs, err := s.matchMessages(q.keys, needs)
	if err != nil {
		return err
	}
	found := search.Sort(msgs, sa.Criteria)
	s.okText = "Sort completed."
	if sa.Return == nil {
		buf := make([]byte, 0, 8+len(found)*7)
		buf = append(buf, "* SORT"...)
		for _, u := range found {
			buf = append(buf, ' ')
			buf = strconv.AppendUint(buf, uint64(s.resultNumber(u, cmd.UID)), 10)
		}
		s.enc.RawBytes(buf).CRLF()
		return s.enc.Err()
	}
	s.writeExtendedResult(q, found)
	s.keepContext(q, resolved, msgs, found)
	return s.enc.Err()
}

// searchingCommand is a SEARCH or SORT as RFC 5267 sees it: a program, a
// requested order (criteria; nil for mailbox order) and return options.
type searchingCommand struct {
	tag      string
	uid      bool
	keys     []proto.SearchKey
	criteria []proto.SortCriterion // nil: SEARCH
	ret      []proto.SearchReturn
	partial  *proto.PartialRange
}

func (q *searchingCommand) has(r proto.SearchReturn) bool { return slices.Contains(q.ret, r) }

// startSearching checks what must hold before a searching command runs:
// a supported charset, and no UPDATE context already using the tag
// (RFC 5267 §4.3: "BAD Tag reuse").
func (s *session) startSearching(q *searchingCommand, charset string) error {
	q.tag = s.tag
	if err := checkCharset(charset); err != nil {
		return err
	}
	if q.has(proto.ReturnUpdate) && s.sel.contexts.byTag(q.tag) != nil {
		return errBad("Tag reuse")
	}
	return nil
}

// checkCharset accepts the charsets SEARCH accepts: strings in the
// program are compared as UTF-8, which US-ASCII is a subset of.
func checkCharset(charset string) error {
	switch charset {
	case "", "UTF-8", "US-ASCII":
		return nil
	}
	return errNo("BADCHARSET (UTF-8 US-ASCII)", "Unsupported charset")
}

// matchMessages evaluates keys over the session's view like searchUIDs,
// but returns the matching messages themselves, loaded with what the keys
// need plus extra (the sort keys), in mailbox order. Parse results loaded
// only for matching are dropped so that a large result stays small.
func (s *session) matchMessages(keys []proto.SearchKey, extra store.FetchOptions) ([]store.Message, error) {
	sel := s.sel
	ctx := s.searchContext()
	candidates := make([]uint32, 0, len(sel.uids))
	for i, u := range sel.uids {
		if sel.isExpunged(u) || !prefilter(keys, uint32(i+1), u, ctx) {
			continue
		}
		candidates = append(candidates, u)
	}
	opts := search.Needs(keys)
	trivial := len(keys) == 1 && keys[0].Op == proto.SearchAll
	// Header-only keys: the store finds the matches itself
	// (search_headers.go), and only those are loaded, for extra alone.
	if uids, ok, err := s.searchIndexedHeaders(keys, candidates); ok {
		if err != nil {
			return nil, err
		}
		candidates, opts, trivial = uids, store.FetchOptions{NoBlobID: true}, true
	}
	opts.SortKeys = opts.SortKeys || extra.SortKeys
	opts.SortDatesOnly = extra.SortDatesOnly
	opts.Structure = opts.Structure || extra.Structure
	opts.SearchText = opts.SearchText || extra.SearchText
	opts.SearchHeaders = opts.SearchHeaders || extra.SearchHeaders
	found := make([]store.Message, 0, len(candidates))
	for start := 0; start < len(candidates); start += fetchBatch {
		batch := candidates[start:min(start+fetchBatch, len(candidates))]
		msgs, err := s.srv.backend.Messages(s.ctx, sel.mbox.ID, batch, opts)
		if err != nil {
			return nil, err
		}
		for i := range msgs {
			if trivial || search.Match(keys, &msgs[i], ctx) {
				m := msgs[i]
				if !extra.Structure && !extra.SearchText && !extra.SearchHeaders {
					m.Parsed = nil
				}
				found = append(found, m)
			}
		}
	}
	return found, nil
}

// searchContext is the search.Context of the session's view now.
func (s *session) searchContext() *search.Context {
	sel := s.sel
	return &search.Context{
		Now:       time.Now(),
		SeqOf:     sel.seqOf,
		MaxSeq:    uint32(len(sel.uids)),
		MaxUID:    sel.maxUID(),
		Recent:    func(uid uint32) bool { return s.isRecent(uid) },
		SavedUIDs: sel.searchRes,
	}
}

// writeExtendedResult writes the ESEARCH response of a searching command
// with RETURN (RFC 4731 §3.1, RFC 5267 §3.1 and §4.4): found is the whole
// result in the requested order. MIN and MAX are the first and last in
// that order; ALL lists the result in that order (ranges only where it
// ascends by one, RFC 5267 §3.2); PARTIAL low:high the results at those
// positions, or NIL. Without any result option, the answer is ALL, as for
// "RETURN ()": UPDATE and CONTEXT alone still tell the client where it
// starts from.
func (s *session) writeExtendedResult(q *searchingCommand, found []uint32) {
	nums := make([]uint32, len(found))
	for i, u := range found {
		nums[i] = s.resultNumber(u, q.uid)
	}
	all := q.has(proto.ReturnAll)
	if !all && q.partial == nil && !q.has(proto.ReturnMin) && !q.has(proto.ReturnMax) &&
		!q.has(proto.ReturnCount) && !q.has(proto.ReturnSave) {
		all = true
	}
	buf := make([]byte, 0, 64+len(nums)*4)
	buf = append(buf, "* ESEARCH (TAG "...)
	// A tag has no quoted-specials (RFC 9051 §9: ASTRING-CHAR).
	buf = append(buf, '"')
	buf = append(buf, q.tag...)
	buf = append(buf, '"', ')')
	if q.uid {
		buf = append(buf, " UID"...)
	}
	if len(nums) > 0 && q.has(proto.ReturnMin) {
		buf = append(buf, " MIN "...)
		buf = strconv.AppendUint(buf, uint64(nums[0]), 10)
	}
	if len(nums) > 0 && q.has(proto.ReturnMax) {
		buf = append(buf, " MAX "...)
		buf = strconv.AppendUint(buf, uint64(nums[len(nums)-1]), 10)
	}
	if q.has(proto.ReturnCount) {
		buf = append(buf, " COUNT "...)
		buf = strconv.AppendUint(buf, uint64(len(nums)), 10)
	}
	if len(nums) > 0 && all {
		buf = append(buf, " ALL "...)
		buf = appendUIDSet(buf, nums)
	}
	if q.partial != nil {
		buf = appendPartialResult(buf, q.partial, nums) // partial.go (RFC 9394)
	}
	s.enc.RawBytes(buf).CRLF()
}

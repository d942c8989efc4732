package server

import (
	"slices"
	"strconv"

	"roost/internal/imap/proto"
	"roost/internal/search"
	"roost/internal/store"
)

// Search and sort contexts with UPDATE (RFC 5267 §4.3): after a SEARCH or
// SORT with RETURN (UPDATE), the session keeps the command's result and
// reports how it changes, as "* ESEARCH (TAG "t") [UID] REMOVEFROM (...)
// ADDTO (...)", whenever flushUpdates reports the changes that cause it
// (new messages, flag changes, expunges), until CANCELUPDATE or the
// mailbox is deselected (the contexts live in the selected state).

// maxContexts bounds the updating contexts of one session; beyond it the
// server refuses with NOUPDATE (RFC 5267 §4.3.1 requires at least one).
const maxContexts = 8

// searchContexts are a selected mailbox's updating contexts and the
// changes noted for them since the last contextUpdates.
type searchContexts struct {
	list                     []*searchContext
	added, changed, expunged []uint32
}

// searchContext is one updating context.
type searchContext struct {
	tag      string
	uid      bool
	keys     []proto.SearchKey // sequence numbers and "$" resolved to UIDs
	criteria []proto.SortCriterion
	compare  func(a, b *store.Message) int // sort order; nil for SEARCH
	// result is the current result in the requested order; for SEARCH only
	// the UIDs are set.
	result []store.Message
	member map[uint32]bool
}

// byTag returns the context created by the command tagged tag, or nil.
func (cs *searchContexts) byTag(tag string) *searchContext {
	if cs == nil {
		return nil
	}
	for _, c := range cs.list {
		if c.tag == tag {
			return c
		}
	}
	return nil
}

// note records a change of the selected mailbox for the contexts; it is
// called by flushUpdates for every change it takes from the watcher.
func (cs *searchContexts) note(c store.Change) {
	if cs == nil || len(cs.list) == 0 {
		return
	}
	switch c.Kind {
	case store.MessageAdded:
		cs.added = append(cs.added, c.UID)
	case store.FlagsChanged:
		cs.changed = append(cs.changed, c.UID)
	case store.MessageExpunged:
		cs.expunged = append(cs.expunged, c.UID)
	}
}

// resolveContextKeys copies keys with every sequence set and "$" replaced
// by the UIDs they stand for now: RFC 5267 §4.3 evaluates them when the
// command is received, not when updates are computed.
func (s *session) resolveContextKeys(keys []proto.SearchKey) []proto.SearchKey {
	sel := s.sel
	out := make([]proto.SearchKey, len(keys))
	for i, k := range keys {
		switch {
		case (k.Op == proto.SearchSeqSet || k.Op == proto.SearchUID) && k.Set.Dollar:
			k = proto.SearchKey{Op: proto.SearchUID, Set: uidNumSet(sel.searchRes)}
		case k.Op == proto.SearchSeqSet:
			var uids []uint32
			for j, u := range sel.uids {
				if search.InSet(k.Set, uint32(j+1), uint32(len(sel.uids))) {
					uids = append(uids, u)
				}
			}
			k = proto.SearchKey{Op: proto.SearchUID, Set: uidNumSet(uids)}
		case k.Op == proto.SearchUID:
			// UIDs do not change meaning: a range stays as given, so a
			// message that arrives inside it ("UID 7:4294967295" with
			// UIDNEXT 7) joins the result. Only "*" is fixed now, as
			// the largest UID in use.
			k = proto.SearchKey{Op: proto.SearchUID, Set: pinStar(k.Set, sel.maxUID())}
		default:
			k.Keys = s.resolveContextKeys(k.Keys)
		}
		out[i] = k
	}
	return out
}

// pinStar copies set with "*" replaced by largest.
func pinStar(set proto.NumSet, largest uint32) proto.NumSet {
	out := proto.NumSet{Ranges: make([]proto.Range, len(set.Ranges))}
	for i, r := range set.Ranges {
		out.Ranges[i] = proto.Span(r.Bounds(largest))
	}
	return out
}

// uidNumSet is a UID set of exactly uids (ascending).
func uidNumSet(uids []uint32) proto.NumSet {
	var set proto.NumSet
	for i := 0; i < len(uids); {
		j := i
		for j+1 < len(uids) && uids[j+1] == uids[j]+1 {
			j++
		}
		set.Ranges = append(set.Ranges, proto.Span(uids[i], uids[j]))
		i = j + 1
	}
	if len(set.Ranges) == 0 {
		// Matches nothing: UID 0 never exists.
		set.Ranges = []proto.Range{{Start: 0, Stop: 0}}
	}
	return set
}

// keepContext creates the updating context of q, if it asked for UPDATE,
// from its result msgs (mailbox order) and found (requested order); or
// refuses with an untagged NO [NOUPDATE] when the session has too many.
func (s *session) keepContext(q *searchingCommand, resolved []proto.SearchKey, msgs []store.Message, found []uint32) {
	if !q.has(proto.ReturnUpdate) {
		return
	}
	sel := s.sel
	if sel.contexts == nil {
		sel.contexts = &searchContexts{}
	}
	if len(sel.contexts.list) >= maxContexts {
		s.writeUntaggedNo(`NOUPDATE "`+q.tag+`"`, "Too many contexts")
		return
	}
	c := &searchContext{tag: q.tag, uid: q.uid, keys: resolved, criteria: q.criteria,
		member: make(map[uint32]bool, len(found))}
	if q.criteria != nil {
		c.compare = search.SortCompare(q.criteria)
		byUID := make(map[uint32]int, len(msgs))
		for i := range msgs {
			byUID[msgs[i].UID] = i
		}
		c.result = make([]store.Message, 0, len(found))
		for _, u := range found {
			m := msgs[byUID[u]]
			c.result = append(c.result, store.Message{UID: m.UID, InternalDate: m.InternalDate, Size: m.Size, Sort: m.Sort})
		}
	} else {
		c.result = make([]store.Message, len(found))
		for i, u := range found {
			c.result[i].UID = u
		}
	}
	for _, u := range found {
		c.member[u] = true
	}
	sel.contexts.list = append(sel.contexts.list, c)
	s.okText = "Search completed, will notify."
	if q.criteria != nil {
		s.okText = "Sort completed, will notify."
	}
}

// writeUntaggedNo writes "* NO [code] text".
func (s *session) writeUntaggedNo(code, text string) { s.writeStatus("*", "NO", code, text) }

// handleCancelUpdate is CANCELUPDATE tag... (RFC 5267 §4.3.5).
func (s *session) handleCancelUpdate(cmd *proto.Command) error {
	cu, ok := cmd.Args.(*proto.CancelUpdate)
	if !ok {
		return errBad("Missing CANCELUPDATE arguments")
	}
	cs := s.sel.contexts
	for _, tag := range cu.Tags {
		if cs.byTag(tag) == nil {
			return errBad("Unknown context " + strconv.Quote(tag))
		}
	}
	for _, tag := range cu.Tags {
		c := cs.byTag(tag)
		cs.list = slices.DeleteFunc(cs.list, func(x *searchContext) bool { return x == c })
	}
	s.okText = "No further updates."
	return nil
}

// handleContextSearch answers a SEARCH whose RETURN has an option of
// RFC 5267 (UPDATE, CONTEXT, PARTIAL); handleSearch hands it over.
func (s *session) handleContextSearch(cmd *proto.Command, sr *proto.Search) error {
	q := &searchingCommand{uid: cmd.UID, keys: sr.Keys, ret: sr.Return, partial: sr.Partial}
	save := q.has(proto.ReturnSave)
	if err := s.startSearching(q, sr.Charset); err != nil {
		if save {
			s.sel.searchRes = nil // RFC 5182 §2.1
		}
		return err
	}
	var resolved []proto.SearchKey
	if q.has(proto.ReturnUpdate) {
		resolved = s.resolveContextKeys(sr.Keys)
	}
	msgs, err := s.matchMessages(sr.Keys, store.FetchOptions{})
	if err != nil {
		if save {
			s.sel.searchRes = nil
		}
		return err
	}
	found := make([]uint32, len(msgs))
	for i := range msgs {
		found[i] = msgs[i].UID
	}
	s.okText = "Search completed."
	if save {
		want := map[proto.SearchReturn]bool{}
		for _, r := range q.ret {
			want[r] = true
		}
		s.sel.searchRes = savedSearchResult(found, want, q.partial) // partial.go
	}
	s.writeExtendedResult(q, found)
	s.keepContext(q, resolved, msgs, found)
	return s.enc.Err()
}

// usesContextOptions reports whether a SEARCH has RETURN options of
// RFC 5267, which handleContextSearch implements.
func usesContextOptions(sr *proto.Search) bool {
	for _, r := range sr.Return {
		switch r {
		case proto.ReturnUpdate, proto.ReturnContext, proto.ReturnPartial:
			return true
		}
	}
	return false
}

// contextUpdates sends the ADDTO and REMOVEFROM updates of every context
// for the changes noted since the last call. flushUpdates calls it before
// any EXPUNGE response (so that sequence numbers being removed are still
// valid) and it announces new messages first (so that added sequence
// numbers are known to the client), RFC 5267 §4.3.3 and §4.3.4.
func (s *session) contextUpdates() error {
	sel := s.sel
	cs := sel.contexts
	if cs == nil {
		return nil
	}
	added, changed, expunged := cs.added, cs.changed, cs.expunged
	cs.added, cs.changed, cs.expunged = nil, nil, nil
	if len(cs.list) == 0 || len(added)+len(changed)+len(expunged) == 0 {
		return nil
	}
	s.announceExists()
	// Load, once for all contexts, the messages whose membership may have
	// changed and that are still there.
	var check []uint32
	for _, u := range slices.Concat(added, changed) {
		if sel.seqOf(u) != 0 && !sel.isExpunged(u) {
			check = append(check, u)
		}
	}
	slices.Sort(check)
	check = slices.Compact(check)
	opts := search.SortNeeds
	for _, c := range cs.list {
		n := search.Needs(c.keys)
		opts.Structure = opts.Structure || n.Structure
		opts.SearchText = opts.SearchText || n.SearchText
		opts.SearchHeaders = opts.SearchHeaders || n.SearchHeaders
	}
	var msgs []store.Message
	for start := 0; start < len(check); start += fetchBatch {
		batch, err := s.srv.backend.Messages(s.ctx, sel.mbox.ID, check[start:min(start+fetchBatch, len(check))], opts)
		if err != nil {
			return err
		}
		msgs = append(msgs, batch...)
	}
	sctx := s.searchContext()
	for _, c := range cs.list {
		var remove []uint32
		var add []*store.Message
		for _, u := range expunged {
			if c.member[u] {
				remove = append(remove, u)
			}
		}
		for i := range msgs {
			m := &msgs[i]
			match := search.Match(c.keys, m, sctx)
			switch {
			case match && !c.member[m.UID]:
				add = append(add, m)
			case !match && c.member[m.UID]:
				remove = append(remove, m.UID)
			}
		}
		if len(remove)+len(add) > 0 {
			s.writeContextUpdate(c, remove, add)
		}
	}
	return s.enc.Err()
}

// writeContextUpdate applies the changes to c's result and writes them:
// for SEARCH contexts as sets at position 0 in mailbox order, for SORT
// contexts message by message at their positions in the sorted result.
func (s *session) writeContextUpdate(c *searchContext, remove []uint32, add []*store.Message) {
	buf := append([]byte(`* ESEARCH (TAG "`), c.tag...)
	buf = append(buf, `")`...)
	if c.uid {
		buf = append(buf, " UID"...)
	}
	num := func(u uint32) uint32 { return s.resultNumber(u, c.uid) }
	if len(remove) > 0 {
		buf = append(buf, " REMOVEFROM ("...)
		if c.compare == nil {
			nums := make([]uint32, len(remove))
			for i, u := range remove {
				nums[i] = num(u)
			}
			slices.Sort(nums)
			buf = append(buf, "0 "...)
			buf = search.Compact(buf, slices.Compact(nums))
		}
		first := true
		for _, u := range remove {
			delete(c.member, u)
			at := slices.IndexFunc(c.result, func(m store.Message) bool { return m.UID == u })
			if at < 0 {
				continue
			}
			c.result = slices.Delete(c.result, at, at+1)
			if c.compare != nil {
				if !first {
					buf = append(buf, ' ')
				}
				first = false
				buf = strconv.AppendUint(buf, uint64(at+1), 10)
				buf = append(buf, ' ')
				buf = strconv.AppendUint(buf, uint64(num(u)), 10)
			}
		}
		buf = append(buf, ')')
	}
	if len(add) > 0 {
		buf = append(buf, " ADDTO ("...)
		if c.compare == nil {
			nums := make([]uint32, len(add))
			for i, m := range add {
				nums[i] = num(m.UID)
			}
			slices.Sort(nums)
			buf = append(buf, "0 "...)
			buf = search.Compact(buf, nums)
		}
		compare := c.compare
		if compare == nil {
			compare = func(a, b *store.Message) int { return int(int64(a.UID) - int64(b.UID)) }
		}
		for i, m := range add {
			c.member[m.UID] = true
			kept := store.Message{UID: m.UID, InternalDate: m.InternalDate, Size: m.Size, Sort: m.Sort}
			at, _ := slices.BinarySearchFunc(c.result, &kept, func(x store.Message, t *store.Message) int { return compare(&x, t) })
			c.result = slices.Insert(c.result, at, kept)
			if c.compare != nil {
				if i > 0 {
					buf = append(buf, ' ')
				}
				buf = strconv.AppendUint(buf, uint64(at+1), 10)
				buf = append(buf, ' ')
				buf = strconv.AppendUint(buf, uint64(num(m.UID)), 10)
			}
		}
		buf = append(buf, ')')
	}
	s.enc.RawBytes(buf).CRLF()
}

// Package search evaluates IMAP SEARCH programs (RFC 9051 §6.4.4,
// RFC 3501 §6.4.4, plus MODSEQ of RFC 7162 and OLDER/YOUNGER of RFC 5032)
// against stored messages. It knows nothing of the wire: the server parses
// the command into []proto.SearchKey, loads messages with the FetchOptions
// Needs asks for, and calls Match for each one.
package search

import (
	"slices"
	"strings"
	"time"

	"golang.org/x/text/cases"

	"roost/internal/imap/proto"
	"roost/internal/store"
)

// Context is what a search needs to know about the session evaluating it:
// sequence numbers, \Recent and the saved result are session properties,
// not stored ones.
type Context struct {
	// Now is the reference time for OLDER and YOUNGER (RFC 5032).
	Now time.Time
	// SeqOf returns the message sequence number of uid in the session's
	// view (0 if it has none). Needed only for sequence-set keys.
	SeqOf func(uid uint32) uint32
	// MaxSeq and MaxUID are what "*" stands for in sequence sets and UID
	// sets: the number of messages and the highest UID in the view.
	MaxSeq, MaxUID uint32
	// Recent reports whether uid is \Recent in this session; nil means no
	// message is.
	Recent func(uid uint32) bool
	// SavedUIDs is the saved search result "$" (RFC 5182), ascending. Nil
	// or empty means nothing was saved, and "$" matches no message.
	SavedUIDs []uint32
}

// Match reports whether m satisfies every key of keys (the top-level keys
// of a SEARCH command are ANDed). m must have been loaded with at least the
// options Needs(keys) returns; missing parse results make text keys fail and
// sent-date keys fall back to INTERNALDATE.
func Match(keys []proto.SearchKey, m *store.Message, ctx *Context) bool {
	e := evaluator{ctx: ctx, m: m}
	return e.all(keys)
}

// Needs returns what of a message must be loaded to evaluate keys: the
// search text only for string keys, the parse result only for sent dates.
func Needs(keys []proto.SearchKey) store.FetchOptions {
	// Only EMAILID reads the content address (Message.BlobID, for
	// messages stored before EMAILIDs were kept).
	opts := store.FetchOptions{NoBlobID: true}
	walk(keys, func(k *proto.SearchKey) {
		switch k.Op {
		case proto.SearchEmailID:
			opts.NoBlobID, opts.EmailID = false, true
		case proto.SearchBcc, proto.SearchCc, proto.SearchFrom, proto.SearchTo,
			proto.SearchSubject, proto.SearchHeader:
			// Header keys never look at the body text: not loaded.
			opts.SearchHeaders = true
		case proto.SearchBody, proto.SearchText:
			opts.SearchText = true
		case proto.SearchSentBefore, proto.SearchSentOn, proto.SearchSentSince:
			// The Date header's parsed value travels with the structure.
			opts.Structure = true
		case proto.SearchThreadID:
			opts.ThreadID = true
		}
	})
	return opts
}

// UsesSequenceNumbers reports whether keys contain a sequence-set key, which
// needs Context.SeqOf.
func UsesSequenceNumbers(keys []proto.SearchKey) bool {
	found := false
	walk(keys, func(k *proto.SearchKey) {
		if k.Op == proto.SearchSeqSet && !k.Set.Dollar {
			found = true
		}
	})
	return found
}

func walk(keys []proto.SearchKey, visit func(*proto.SearchKey)) {
	for i := range keys {
		visit(&keys[i])
		walk(keys[i].Keys, visit)
	}
}

// evaluator evaluates one program against one message, remembering the
// case-folded text so that several string keys fold it only once.
type evaluator struct {
	ctx *Context
	m   *store.Message

	caser       *cases.Caser
	foldedBody  *string
	foldedHeads []string // folded values, parallel to m.Parsed.Headers
	headFolded  []bool   // foldedHeads[i] has been computed
	// addrForms are the folded address forms of header field i, computed
	// on first use by FROM, TO, CC and BCC (address.go).
	addrForms map[int][]string
}

func (e *evaluator) all(keys []proto.SearchKey) bool {
	for i := range keys {
		if !e.match(&keys[i]) {
			return false
		}
	}
	return true
}

func (e *evaluator) match(k *proto.SearchKey) bool {
	m := e.m
	switch k.Op {
	case proto.SearchAll:
		return true
	case proto.SearchSeqSet:
		if k.Set.Dollar {
			return e.saved()
		}
		if e.ctx.SeqOf == nil {
			return false
		}
		seq := e.ctx.SeqOf(m.UID)
		return seq != 0 && InSet(k.Set, seq, e.ctx.MaxSeq)
	case proto.SearchUID:
		if k.Set.Dollar {
			return e.saved()
		}
		return InSet(k.Set, m.UID, e.ctx.MaxUID)

	case proto.SearchAnswered:
		return hasFlag(m, store.FlagAnswered)
	case proto.SearchDeleted:
		return hasFlag(m, store.FlagDeleted)
	case proto.SearchDraft:
		return hasFlag(m, store.FlagDraft)
	case proto.SearchFlagged:
		return hasFlag(m, store.FlagFlagged)
	case proto.SearchSeen:
		return hasFlag(m, store.FlagSeen)
	case proto.SearchUnanswered:
		return !hasFlag(m, store.FlagAnswered)
	case proto.SearchUndeleted:
		return !hasFlag(m, store.FlagDeleted)
	case proto.SearchUndraft:
		return !hasFlag(m, store.FlagDraft)
	case proto.SearchUnflagged:
		return !hasFlag(m, store.FlagFlagged)
	case proto.SearchUnseen:
		return !hasFlag(m, store.FlagSeen)
	case proto.SearchKeyword:
		return hasFlag(m, k.Value)
	case proto.SearchUnkeyword:
		return !hasFlag(m, k.Value)
	case proto.SearchRecent:
		return e.recent()
	case proto.SearchNew: // RFC 3501 §6.4.4: equivalent to (RECENT UNSEEN)
		return e.recent() && !hasFlag(m, store.FlagSeen)
	case proto.SearchOld: // equivalent to NOT RECENT
		return !e.recent()

	case proto.SearchBefore:
		return dayOf(m.InternalDate) < dayOf(k.Date.UTC())
	case proto.SearchOn:
		return dayOf(m.InternalDate) == dayOf(k.Date.UTC())
	case proto.SearchSince:
		return dayOf(m.InternalDate) >= dayOf(k.Date.UTC())
	case proto.SearchSentBefore:
		return dayOf(e.sentDate()) < dayOf(k.Date.UTC())
	case proto.SearchSentOn:
		return dayOf(e.sentDate()) == dayOf(k.Date.UTC())
	case proto.SearchSentSince:
		return dayOf(e.sentDate()) >= dayOf(k.Date.UTC())
	case proto.SearchOlder: // RFC 5032 §3: INTERNALDATE <= now - interval
		return !m.InternalDate.After(e.ctx.Now.Add(-time.Duration(k.Number) * time.Second))
	case proto.SearchYounger: // INTERNALDATE >= now - interval
		return !m.InternalDate.Before(e.ctx.Now.Add(-time.Duration(k.Number) * time.Second))

	case proto.SearchLarger:
		return m.Size > k.Number
	case proto.SearchSmaller:
		return m.Size < k.Number
	case proto.SearchModSeq: // RFC 7162 §3.1.5: mod-sequence >= the value
		return k.Number >= 0 && m.ModSeq >= uint64(k.Number)

	case proto.SearchBcc: // address.go
		return e.address("Bcc", k.Value)
	case proto.SearchCc:
		return e.address("Cc", k.Value)
	case proto.SearchFrom:
		return e.address("From", k.Value)
	case proto.SearchTo:
		return e.address("To", k.Value)
	case proto.SearchSubject:
		return e.header("Subject", k.Value)
	case proto.SearchHeader:
		return e.header(k.Field, k.Value)
	case proto.SearchBody:
		return e.body(k.Value)
	case proto.SearchText:
		return e.text(k.Value)

	case proto.SearchNot:
		return len(k.Keys) == 1 && !e.match(&k.Keys[0])
	case proto.SearchOr:
		return len(k.Keys) == 2 && (e.match(&k.Keys[0]) || e.match(&k.Keys[1]))
	case proto.SearchAnd:
		return e.all(k.Keys)
	}
	if matched, known := matchExtension(k, m); known { // extensions.go
		return matched
	}
	// An operator this evaluator does not know matches nothing rather than
	// everything: a wrong "no" is safer than deleting what a client did not
	// mean to select.
	return false
}

func (e *evaluator) saved() bool {
	_, found := slices.BinarySearch(e.ctx.SavedUIDs, e.m.UID)
	return found
}

func (e *evaluator) recent() bool {
	return e.ctx.Recent != nil && e.ctx.Recent(e.m.UID)
}

// sentDate is the Date header's value in its own zone. RFC 9051 says nothing
// of messages without a usable Date header; like SORT (RFC 5256 §2.2) they
// are taken to have been sent at their INTERNALDATE, so that SENTBEFORE and
// SENTSINCE still partition the mailbox.
func (e *evaluator) sentDate() time.Time {
	if p := e.m.Parsed; p != nil && !p.Date.IsZero() {
		return p.Date
	}
	return e.m.InternalDate
}

// hasFlag compares case-insensitively: keywords are case-insensitive
// (RFC 9051 §2.3.2) and system flags are stored in canonical spelling.
func hasFlag(m *store.Message, flag string) bool {
	for _, f := range m.Flags {
		if strings.EqualFold(f, flag) {
			return true
		}
	}
	return false
}

// dayOf numbers the calendar day of t in t's own zone, "disregarding time
// and timezone" (RFC 9051 §6.4.4), so that days compare as integers.
func dayOf(t time.Time) int64 {
	y, mo, d := t.Date()
	return int64(y)*10000 + int64(mo)*100 + int64(d)
}

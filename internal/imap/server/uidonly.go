package server

// UIDONLY (RFC 9586): once a client has enabled it, messages are named by
// UID alone. Commands that take or return message sequence numbers are
// refused with BAD [UIDREQUIRED] (§3.2), FETCH responses become
// "* uid UIDFETCH (...)" (§3.3), and expunges are announced with VANISHED,
// as with QRESYNC (§3.4). EXISTS is still sent: it is a count, not a
// sequence number. The view keeps its UID list (EXISTS needs the count,
// the other extensions the UIDs), so the saving is the client's.

import (
	"slices"

	"roost/internal/imap/proto"
)

// errUIDRequired is the answer to a sequence number once UIDONLY is on.
func errUIDRequired(text string) error {
	return &statusError{Type: "BAD", Code: "UIDREQUIRED", Text: text}
}

// enableUIDOnly turns UIDONLY on for ENABLE; it returns the name for the
// ENABLED response, "" if c is not UIDONLY or it was already on.
func (s *session) enableUIDOnly(c string) string {
	if c != "UIDONLY" || s.lowCost.uidOnly {
		return ""
	}
	s.lowCost.uidOnly = true
	return "UIDONLY"
}

// checkUIDOnly refuses, once UIDONLY is on, any command that names
// messages by sequence number: the non-UID message commands, sequence
// set search keys (also inside UID SEARCH, SORT and THREAD), and the
// sequence match data of SELECT (QRESYNC ...) (RFC 9586 §3.2).
func (s *session) checkUIDOnly(cmd *proto.Command) error {
	if !s.lowCost.uidOnly {
		return nil
	}
	var keys []proto.SearchKey
	switch a := cmd.Args.(type) {
	case *proto.Search:
		keys = a.Keys
	case *proto.Sort:
		keys = a.Keys
	case *proto.Thread:
		keys = a.Keys
	case *proto.Select:
		if a.QResync != nil && a.QResync.SeqMatch != nil {
			return errUIDRequired("Sequence match data needs message sequence numbers")
		}
		return nil
	}
	switch cmd.Name {
	case "FETCH", "STORE", "SEARCH", "COPY", "MOVE", "REPLACE", "SORT", "THREAD":
		if !cmd.UID {
			return errUIDRequired("Use the UID form of " + cmd.Name + ": UIDONLY is enabled")
		}
	}
	if hasSeqSetKey(keys) {
		return errUIDRequired("Message sequence numbers in the search program: UIDONLY is enabled")
	}
	return nil
}

// hasSeqSetKey reports whether keys use a sequence set ("$" excepted: it
// is a set of UIDs).
func hasSeqSetKey(keys []proto.SearchKey) bool {
	return slices.ContainsFunc(keys, func(k proto.SearchKey) bool {
		return (k.Op == proto.SearchSeqSet && !k.Set.Dollar) || hasSeqSetKey(k.Keys)
	})
}

// reportsVanished says whether messages leaving the view are announced
// with VANISHED rather than EXPUNGE: with QRESYNC (RFC 7162 §3.2.10) and
// with UIDONLY (RFC 9586 §3.4).
func (s *session) reportsVanished() bool { return s.qresync || s.lowCost.uidOnly }

// writeFetchStart writes the beginning of a FETCH response up to and
// including "(": "* seq FETCH (" or, with UIDONLY, "* uid UIDFETCH ("
// (RFC 9586 §3.3). withUID asks for the UID item, which the UIDFETCH form
// carries as its number instead. The result is the separator to write
// before the next item: "" if nothing was written inside the parentheses.
func (s *session) writeFetchStart(seq, uid uint32, withUID bool) string {
	if s.lowCost.uidOnly {
		s.enc.Raw("* ").Number(uint64(uid)).Raw(" UIDFETCH (")
		return ""
	}
	s.enc.Raw("* ").Number(uint64(seq)).Raw(" FETCH (")
	if !withUID {
		return ""
	}
	s.enc.Raw("UID ").Number(uint64(uid))
	return " "
}

// uidOnlyItems drops the UID item from a FETCH plan in UIDONLY mode: the
// UIDFETCH response is numbered by UID already (RFC 9586 §3.3).
func (s *session) uidOnlyItems(plan *fetchPlan) {
	if s.lowCost.uidOnly {
		plan.items = slices.DeleteFunc(plan.items, func(it proto.FetchItem) bool { return it.Attr == proto.FetchUID })
	}
}

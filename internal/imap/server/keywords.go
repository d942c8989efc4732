package server

import (
	"strings"

	"roost/internal/store"
)

// Keywords the client was told of. RFC 9051 §7.3.5 (RFC 3501 §7.2.6): the
// FLAGS response lists the flags "applicable for this mailbox", and a
// client that keeps a message model (and test suites that check it)
// refuses a FETCH whose FLAGS hold a keyword it never saw in FLAGS. So
// SELECT lists the keywords in use, and whenever a keyword new to the
// session appears (set by any session, or on an appended message) a new
// FLAGS response and its PERMANENTFLAGS go out before the first FETCH, or
// EXISTS, that could show it. The list only grows while the mailbox is
// selected, as in Dovecot: a FLAGS response that dropped a keyword still
// on a message the client has cached would be just as confusing.

// knownKeywords is the set of keywords announced in this session's FLAGS
// responses for the selected mailbox, in the order they were announced.
type knownKeywords struct {
	list  []string
	lower map[string]bool
}

// add records k; it reports whether k was new.
func (kk *knownKeywords) add(k string) bool {
	l := strings.ToLower(k)
	if kk.lower[l] {
		return false
	}
	if kk.lower == nil {
		kk.lower = make(map[string]bool)
	}
	kk.lower[l] = true
	kk.list = append(kk.list, k)
	return true
}

// isKeyword reports whether f is a keyword rather than a system flag.
func isKeyword(f string) bool { return f != "" && f[0] != '\\' }

// announceKeywords sends FLAGS and PERMANENTFLAGS if flags hold a keyword
// the client has not been told of. Call it before the response that shows
// flags starts: an untagged response cannot go out in the middle of one.
func (s *session) announceKeywords(flags []string) {
	sel := s.sel
	if sel == nil {
		return
	}
	grew := false
	for _, f := range flags {
		if isKeyword(f) && sel.keywords.add(f) {
			grew = true
		}
	}
	if grew {
		s.writeFlagsResponses()
	}
}

// writeFlagsResponses writes "* FLAGS (...)" with the system flags and the
// known keywords, and the matching "* OK [PERMANENTFLAGS (...)]": the
// flags the user may change for good, keywords included, with \* when new
// keywords may be created (RFC 9051 §7.1, RFC 4314 §5.1.1).
func (s *session) writeFlagsResponses() {
	sel := s.sel
	kw := sel.keywords.list
	s.enc.Raw("* FLAGS ")
	s.writeFlags(append(append(make([]string, 0, len(systemFlags)+len(kw)), systemFlags...), kw...), false)
	s.enc.CRLF()
	if sel.readOnly {
		s.writeUntaggedOK("PERMANENTFLAGS ()", "Read-only mailbox.")
		return
	}
	perm := []string{store.FlagAnswered, store.FlagFlagged, store.FlagDeleted, store.FlagSeen, store.FlagDraft, `\*`}
	if sel.rights != store.AllRights {
		perm = strings.Fields(strings.Trim(permanentFlags(sel.rights), "()")) // rights.go
	}
	if n := len(perm); n > 0 && perm[n-1] == `\*` { // keywords may be set
		perm = append(append(perm[:n-1:n-1], kw...), `\*`)
	}
	s.writeUntaggedOK("PERMANENTFLAGS ("+strings.Join(perm, " ")+")", "Flags permitted.")
}

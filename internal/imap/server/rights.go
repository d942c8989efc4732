package server

import (
	"strings"

	"roost/internal/store"
)

// RFC 4314 rights as the server applies them. The owner of a mailbox has
// every right; other users have what the mailbox's ACL gives them
// (store.EffectiveRights). The virtual RFC 2086 rights are mapped as the
// RFC 4314 §2.1.1 "second group" does: "c" is "k", "d" is "xte".

// has reports whether rights contains every letter of need.
func has(rights, need string) bool {
	for _, r := range need {
		if !strings.ContainsRune(rights, r) {
			return false
		}
	}
	return true
}

// hasAny reports whether rights contains one of the letters of any.
func hasAny(rights, any string) bool { return strings.ContainsAny(rights, any) }

// parseRights reads the rights of SETACL (without the +/- prefix): the
// letters of store.AllRights and the virtual "c" and "d". Anything else is
// BAD (RFC 4314 §3.1: an unrecognised right MUST NOT be ignored).
func parseRights(s string) (string, error) {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == 'c':
			b.WriteByte('k')
		case r == 'd':
			b.WriteString("xte")
		case strings.ContainsRune(store.AllRights, r):
			b.WriteRune(r)
		default:
			return "", errBad("Unsupported right " + string(r) + " (RIGHTS=texk; c and d are accepted)")
		}
	}
	return store.CanonicalRights(b.String()), nil
}

// formatRights spells rights for ACL and MYRIGHTS responses, adding the
// virtual "c" and "d" when one of their members is there (RFC 4314 §2.1.1).
func formatRights(rights string) string {
	out := store.CanonicalRights(rights)
	if strings.Contains(out, "k") {
		out += "c"
	}
	if hasAny(out, "xte") {
		out += "d"
	}
	return out
}

// flagRight is the right needed to change flag (RFC 4314 §4): "s" for
// \Seen, "t" for \Deleted, "w" for every other flag and keyword.
func flagRight(flag string) byte {
	switch flag {
	case store.FlagSeen:
		return 's'
	case store.FlagDeleted:
		return 't'
	}
	return 'w'
}

// permittedFlags keeps those of flags (canonical spelling) that rights
// allow changing.
func permittedFlags(rights string, flags []string) []string {
	out := make([]string, 0, len(flags))
	for _, f := range flags {
		if strings.IndexByte(rights, flagRight(f)) >= 0 {
			out = append(out, f)
		}
	}
	return out
}

// permanentFlags is the PERMANENTFLAGS list for rights (RFC 4314 §5.1.1:
// it must reflect what the user may change).
func permanentFlags(rights string) string {
	var f []string
	if has(rights, "w") {
		f = append(f, store.FlagAnswered, store.FlagFlagged)
	}
	if has(rights, "t") {
		f = append(f, store.FlagDeleted)
	}
	if has(rights, "s") {
		f = append(f, store.FlagSeen)
	}
	if has(rights, "w") {
		f = append(f, store.FlagDraft, `\*`)
	}
	return "(" + strings.Join(f, " ") + ")"
}

// readWriteByRights says whether SELECT answers READ-WRITE (RFC 4314
// §5.2): one of "i", "e" or the shared flag rights. \Seen is per user in
// mailboxes of others, so "s" is a shared flag right only for the owner,
// who has every right anyway.
func readWriteByRights(rights string) bool { return hasAny(rights, "iewt") }

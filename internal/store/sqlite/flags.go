package sqlite

import (
	"slices"
	"strings"

	"roost/internal/store"
)

// System flags are stored as bits of mailbox_messages.flags and returned in
// this order, followed by the keywords: \Seen \Answered \Flagged \Deleted
// \Draft (the order of store.go's constants).
var systemFlags = [...]struct {
	name string
	bit  int64
}{
	{store.FlagSeen, 1 << 0},
	{store.FlagAnswered, 1 << 1},
	{store.FlagFlagged, 1 << 2},
	{store.FlagDeleted, 1 << 3},
	{store.FlagDraft, 1 << 4},
}

const (
	bitSeen    = 1 << 0
	bitDeleted = 1 << 3
	allBits    = 1<<5 - 1
)

// flagSet is a message's flags: system bits plus keywords, which are kept
// sorted case-insensitively and unique ignoring case.
type flagSet struct {
	bits     int64
	keywords []string
}

// parseFlags reads flags as a client gave them. System flags are matched
// case-insensitively and stored in their canonical spelling; \Recent is a
// session property and is dropped (RFC 3501 §2.3.2); keywords containing
// space or control characters cannot be stored and are dropped (the
// protocol layer admits only atoms). Of keywords equal ignoring case, the
// first spelling is kept.
func parseFlags(flags []string) flagSet {
	var fs flagSet
	for _, f := range flags {
		if bit := systemBit(f); bit != 0 {
			fs.bits |= bit
			continue
		}
		if strings.EqualFold(f, `\Recent`) || !storableKeyword(f) {
			continue
		}
		fs.keywords = addKeyword(fs.keywords, f)
	}
	return fs
}

func systemBit(f string) int64 {
	if !strings.HasPrefix(f, `\`) {
		return 0
	}
	for _, sf := range systemFlags {
		if strings.EqualFold(f, sf.name) {
			return sf.bit
		}
	}
	return 0
}

func storableKeyword(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		if k[i] <= ' ' || k[i] == 0x7f {
			return false
		}
	}
	return true
}

func compareKeywords(a, b string) int {
	if c := strings.Compare(strings.ToLower(a), strings.ToLower(b)); c != 0 {
		return c
	}
	return strings.Compare(a, b)
}

// addKeyword inserts k into the sorted list unless an equal one (ignoring
// case) is already there.
func addKeyword(list []string, k string) []string {
	for _, have := range list {
		if strings.EqualFold(have, k) {
			return list
		}
	}
	i, _ := slices.BinarySearchFunc(list, k, compareKeywords)
	return slices.Insert(list, i, k)
}

func hasKeyword(list []string, k string) bool {
	for _, have := range list {
		if strings.EqualFold(have, k) {
			return true
		}
	}
	return false
}

// apply computes the flags after a STORE.
func (fs flagSet) apply(op store.FlagOp, arg flagSet) flagSet {
	switch op {
	case store.FlagsAdd:
		out := flagSet{bits: fs.bits | arg.bits, keywords: slices.Clone(fs.keywords)}
		for _, k := range arg.keywords {
			out.keywords = addKeyword(out.keywords, k)
		}
		return out
	case store.FlagsRemove:
		out := flagSet{bits: fs.bits &^ arg.bits}
		for _, k := range fs.keywords {
			if !hasKeyword(arg.keywords, k) {
				out.keywords = append(out.keywords, k)
			}
		}
		return out
	default: // FlagsSet: keywords already present keep their spelling.
		out := flagSet{bits: arg.bits}
		for _, k := range arg.keywords {
			spelling := k
			for _, have := range fs.keywords {
				if strings.EqualFold(have, k) {
					spelling = have
				}
			}
			out.keywords = addKeyword(out.keywords, spelling)
		}
		return out
	}
}

func (fs flagSet) equal(o flagSet) bool {
	return fs.bits == o.bits && slices.Equal(fs.keywords, o.keywords)
}

// keywordText is the stored form of the keywords.
func (fs flagSet) keywordText() string { return strings.Join(fs.keywords, " ") }

func decodeFlags(bits int64, keywords string) flagSet {
	fs := flagSet{bits: bits}
	if keywords != "" {
		fs.keywords = strings.Split(keywords, " ")
	}
	return fs
}

// list returns the flags as store.Message.Flags: system flags first, in the
// order of systemFlags, then keywords.
func (fs flagSet) list() []string {
	out := make([]string, 0, 5+len(fs.keywords))
	for _, sf := range systemFlags {
		if fs.bits&sf.bit != 0 {
			out = append(out, sf.name)
		}
	}
	return append(out, fs.keywords...)
}

// flagList is list() for a stored row, in one allocation of the exact
// size. Every message gets its own slice: callers may modify it.
func flagList(bits int64, keywords string) []string {
	b := uint8(bits & allBits)
	return appendFlags(make([]string, 0, flagCount(b)+keywordCount(keywords)), b, keywords)
}

// flagCount is the number of system flags set in bits.
func flagCount(bits uint8) int {
	n := 0
	for _, sf := range systemFlags {
		if int64(bits)&sf.bit != 0 {
			n++
		}
	}
	return n
}

// keywordCount is the number of keywords in their stored form.
func keywordCount(keywords string) int {
	if keywords == "" {
		return 0
	}
	return strings.Count(keywords, " ") + 1
}

// appendFlags appends the flags of a stored row to dst in the order of
// list().
func appendFlags(dst []string, bits uint8, keywords string) []string {
	for _, sf := range systemFlags {
		if int64(bits)&sf.bit != 0 {
			dst = append(dst, sf.name)
		}
	}
	for keywords != "" {
		k, rest, _ := strings.Cut(keywords, " ")
		dst = append(dst, k)
		keywords = rest
	}
	return dst
}

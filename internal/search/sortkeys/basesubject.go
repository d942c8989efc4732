package sortkeys

import "strings"

// BaseSubject extracts the base subject of a decoded Subject value
// (RFC 2047 words already turned into UTF-8) by the procedure of
// RFC 5256 §2.1, which every server and disconnected client must follow
// exactly. isReplyOrFwd reports whether the extraction removed a
// subj-refwd, a "(fwd)" subj-trailer or a subj-fwd-hdr/subj-fwd-trl pair:
// that is what makes a message "a reply or forward" for the REFERENCES
// threading algorithm (RFC 5256 §3, step 5).
//
// The result keeps its case; callers compare it through Collate.
func BaseSubject(subject string) (base string, isReplyOrFwd bool) {
	// (1) Tabs and continuations become spaces, runs of spaces one space.
	s := collapseWhitespace(subject)
	for {
		// (2) Remove trailers: "(fwd)" and WSP, repeatedly.
		var fwd bool
		s, fwd = stripTrailers(s)
		isReplyOrFwd = isReplyOrFwd || fwd
		// (3)-(5) Remove leaders and blobs until none is left.
		for {
			var refwd bool
			before := len(s)
			s, refwd = stripLeaders(s)
			isReplyOrFwd = isReplyOrFwd || refwd
			s = stripBlob(s)
			if len(s) == before {
				break
			}
		}
		// (6) "[fwd: ... ]" wrapping the whole rest: unwrap and start over
		// at step (2).
		if len(s) >= len("[fwd:")+1 && hasPrefixFold(s, "[fwd:") && s[len(s)-1] == ']' {
			s = s[len("[fwd:") : len(s)-1]
			isReplyOrFwd = true
			continue
		}
		return s, isReplyOrFwd
	}
}

// collapseWhitespace implements step (1) after RFC 2047 decoding: CR, LF
// and tabs become spaces (a continuation is CRLF followed by WSP), and
// multiple spaces become one.
func collapseWhitespace(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == ' ' || c == '\t' || c == '\r' || c == '\n' {
			if !space {
				b.WriteByte(' ')
			}
			space = true
			continue
		}
		space = false
		b.WriteByte(c)
	}
	return b.String()
}

// stripTrailers removes subj-trailer = "(fwd)" / WSP from the end as long
// as one matches (step 2); fwd reports whether a "(fwd)" went.
func stripTrailers(s string) (string, bool) {
	fwd := false
	for {
		switch {
		case strings.HasSuffix(s, " "):
			s = s[:len(s)-1]
		case len(s) >= 5 && strings.EqualFold(s[len(s)-5:], "(fwd)"):
			s = s[:len(s)-5]
			fwd = true
		default:
			return s, fwd
		}
	}
}

// stripLeaders removes every leading subj-leader = (*subj-blob subj-refwd)
// / WSP (step 3); refwd reports whether a subj-refwd went.
func stripLeaders(s string) (string, bool) {
	refwd := false
	for {
		if strings.HasPrefix(s, " ") {
			s = s[1:]
			continue
		}
		pos := 0
		for {
			n := blobLen(s[pos:])
			if n == 0 {
				break
			}
			pos += n
		}
		n := refwdLen(s[pos:])
		if n == 0 {
			return s, refwd
		}
		s = s[pos+n:]
		refwd = true
	}
}

// stripBlob removes a leading subj-blob if what remains is a non-empty
// subj-base (step 4).
func stripBlob(s string) string {
	n := blobLen(s)
	if n == 0 || n == len(s) {
		return s
	}
	return s[n:]
}

// blobLen is the length of the subj-blob = "[" *BLOBCHAR "]" *WSP at the
// start of s, 0 if there is none.
func blobLen(s string) int {
	if !strings.HasPrefix(s, "[") {
		return 0
	}
	i := 1
	for i < len(s) && s[i] != '[' && s[i] != ']' {
		i++
	}
	if i == len(s) || s[i] != ']' {
		return 0
	}
	i++
	for i < len(s) && s[i] == ' ' {
		i++
	}
	return i
}

// refwdLen is the length of the subj-refwd = ("re" / ("fw" ["d"])) *WSP
// [subj-blob] ":" at the start of s, 0 if there is none.
func refwdLen(s string) int {
	var i int
	switch {
	case hasPrefixFold(s, "re"):
		i = 2
	case hasPrefixFold(s, "fwd"):
		i = 3
	case hasPrefixFold(s, "fw"):
		i = 2
	default:
		return 0
	}
	for i < len(s) && s[i] == ' ' {
		i++
	}
	i += blobLen(s[i:])
	if i < len(s) && s[i] == ':' {
		return i + 1
	}
	return 0
}

// hasPrefixFold is strings.HasPrefix ignoring ASCII case (ABNF strings are
// case-insensitive).
func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

package mime

import (
	"bytes"
	"net/mail"
	"strings"
	"time"
)

// MaxBodyText bounds Message.BodyText: only the first 1 MiB of decoded text
// per message is kept for SEARCH BODY/TEXT. Text beyond it is not
// searchable; mail with more than a megabyte of text is rare and the limit
// keeps the per-message row small.
const MaxBodyText = 1 << 20

// decodeFields turns raw header fields into Message.Headers: unfolded,
// RFC 2047 words decoded, UTF-8.
func decodeFields(fields []rawField) []Field {
	out := make([]Field, 0, len(fields))
	for _, f := range fields {
		out = append(out, Field{
			Name:  validUTF8(f.name),
			Value: DecodeHeader(unfold(f.value)),
		})
	}
	return out
}

// DecodeHeader decodes an unstructured header value for searching: RFC 2047
// encoded-words are decoded (white space between adjacent words dropped,
// RFC 2047 §6.2), raw 8-bit text is taken as UTF-8 when valid and as
// windows-1252 otherwise, and the result is valid UTF-8.
func DecodeHeader(v []byte) string {
	if bytes.Index(v, []byte("=?")) < 0 {
		return raw8bit(v)
	}
	var out strings.Builder
	out.Grow(len(v))
	pending := -1 // start of white space after an encoded word
	i := 0
	for i < len(v) {
		if v[i] == '=' && i+1 < len(v) && v[i+1] == '?' {
			if text, n, ok := decodeWord(v[i:]); ok {
				out.WriteString(text)
				i += n
				pending = i
				continue
			}
		}
		// Copy up to the next candidate.
		j := i + 1
		for j < len(v) && !(v[j] == '=' && j+1 < len(v) && v[j+1] == '?') {
			j++
		}
		seg := v[i:j]
		if pending == i && len(bytes.Trim(seg, " \t")) == 0 && j < len(v) {
			// Only white space between two encoded words: drop it,
			// if a word really follows.
			if _, _, ok := decodeWord(v[j:]); ok {
				i = j
				continue
			}
		}
		out.WriteString(raw8bit(seg))
		i = j
		pending = -1
	}
	return out.String()
}

// raw8bit converts header bytes without encoded-words to UTF-8.
func raw8bit(b []byte) string {
	s := validUTF8(b)
	if strings.IndexRune(s, '\uFFFD') >= 0 && !bytes.Contains(b, []byte("\uFFFD")) {
		return toUTF8("windows-1252", b)
	}
	return s
}

// maxWordLen bounds an encoded-word. RFC 2047 §2 allows 75 octets; real
// mail exceeds that, so the bound is generous.
const maxWordLen = 4096

// decodeWord decodes one encoded-word "=?charset?enc?text?=" at the start of
// b, returning the text, the bytes consumed and whether it was valid.
func decodeWord(b []byte) (string, int, bool) {
	// =?charset?X?text?=
	q1 := bytes.IndexByte(b[2:min(len(b), 2+maxWordLen)], '?')
	if q1 < 1 || q1+5 > len(b)-2 {
		return "", 0, false
	}
	q1 += 2
	charset := string(b[2:q1])
	if q1+2 >= len(b) || b[q1+2] != '?' {
		return "", 0, false
	}
	enc := b[q1+1] | 0x20
	rest := b[q1+3:]
	// The text ends at "?="; white space or maxWordLen bytes without it
	// mean this is no encoded-word (bounding the scan keeps headers full
	// of "=?" linear).
	end := -1
	for i := 0; i+1 < len(rest) && i < maxWordLen; i++ {
		c := rest[i]
		if c == ' ' || c == '\t' || c == '\r' || c == '\n' {
			break
		}
		if c == '?' && rest[i+1] == '=' {
			end = i
			break
		}
	}
	if end < 0 {
		return "", 0, false
	}
	text := rest[:end]
	var raw []byte
	switch enc {
	case 'b':
		raw = decodeBase64Lenient(text)
	case 'q':
		raw = make([]byte, 0, len(text))
		for i := 0; i < len(text); i++ {
			c := text[i]
			switch {
			case c == '_':
				raw = append(raw, ' ')
			case c == '=' && i+2 < len(text) && isHex(text[i+1]) && isHex(text[i+2]):
				raw = append(raw, unhex(text[i+1])<<4|unhex(text[i+2]))
				i += 2
			default:
				raw = append(raw, c)
			}
		}
	default:
		return "", 0, false
	}
	return toUTF8(charset, raw), q1 + 3 + end + 2, true
}

// parseDate parses a Date header value (RFC 5322 §3.3, obsolete forms
// accepted by net/mail). Zero when unparseable.
func parseDate(s string) time.Time {
	s = strings.TrimSpace(s)
	if t, err := mail.ParseDate(s); err == nil {
		return t
	}
	// Drop a trailing comment such as "(PST)" and retry.
	if i := strings.IndexByte(s, '('); i > 0 {
		if t, err := mail.ParseDate(strings.TrimSpace(s[:i])); err == nil {
			return t
		}
	}
	return time.Time{}
}

// extractBodyText collects the decoded text of every text/* leaf and the
// decoded header of every encapsulated message, in message order.
func extractBodyText(root *Part, buf []byte) string {
	var out strings.Builder
	var walk func(p *Part, depth int)
	walk = func(p *Part, depth int) {
		if out.Len() >= MaxBodyText || depth > 2*maxNesting {
			return
		}
		switch {
		case p.IsMultipart():
			for _, c := range p.Children {
				walk(c, depth+1)
			}
		case p.Message != nil:
			m := p.Message
			var tp treeParser
			tp.buf = buf
			fields, _, _ := tp.readHeader(int(m.HeaderStart))
			for _, f := range fields {
				appendText(&out, string(f.name)+": "+DecodeHeader(unfold(f.value)))
			}
			walk(m, depth+1)
		case p.Flags&FlagText != 0:
			body := buf[p.BodyStart:p.BodyEnd]
			charset, _ := ParamValue(p.Params, "charset")
			appendText(&out, searchText(body, p.Encoding, charset, MaxBodyText-out.Len()))
		}
	}
	walk(root, 0)
	s := out.String()
	if len(s) > MaxBodyText {
		s = strings.ToValidUTF8(s[:MaxBodyText], "")
	}
	return s
}

// searchText decodes a text body to UTF-8 for searching. Only the first
// budget bytes of the result can be kept, so a big body is decoded by
// growing prefixes until one gives budget bytes plus a margin: staging a
// 50 MB text message then costs about a megabyte, not three copies of it.
// Every step of the decoding (lenient base64 and quoted-printable, charset
// conversion, the UTF-16 byte-order guess on the first 4 KiB) gives the
// same output for a prefix as for the whole body, except for the last few
// bytes where the prefix cuts an encoded unit; the margin keeps those out
// of the part that is kept.
func searchText(body []byte, encoding, charset string, budget int) string {
	const margin = 4 << 10
	want := budget + margin
	for n := want + 64<<10; n < len(body); n *= 2 {
		if s := toUTF8(charset, DecodeTransferLenient(encoding, body[:n])); len(s) >= want {
			return s[:want]
		}
	}
	return toUTF8(charset, DecodeTransferLenient(encoding, body))
}

func appendText(out *strings.Builder, s string) {
	if out.Len() >= MaxBodyText {
		return
	}
	if out.Len() > 0 {
		out.WriteByte('\n')
	}
	out.WriteString(s)
}

// DecodeTransferLenient undoes base64 or quoted-printable for searching,
// skipping whatever does not decode. Other encodings are returned as is.
func DecodeTransferLenient(encoding string, body []byte) []byte {
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "base64":
		return decodeBase64Lenient(body)
	case "quoted-printable":
		return decodeQPLenient(body)
	}
	return body
}

// decodeBase64Lenient decodes base64, ignoring non-alphabet bytes and
// stopping at padding.
func decodeBase64Lenient(b []byte) []byte {
	out := make([]byte, 0, len(b)*3/4)
	var acc uint32
	n := 0
	for _, c := range b {
		if c == '=' {
			break
		}
		v := Base64Value(c)
		if v < 0 {
			continue
		}
		acc = acc<<6 | uint32(v)
		n++
		if n == 4 {
			out = append(out, byte(acc>>16), byte(acc>>8), byte(acc))
			acc, n = 0, 0
		}
	}
	switch n {
	case 2:
		out = append(out, byte(acc>>4))
	case 3:
		out = append(out, byte(acc>>10), byte(acc>>2))
	}
	return out
}

// decodeQPLenient decodes quoted-printable (RFC 2045 §6.7): "=XX" escapes,
// soft line breaks; malformed escapes are kept literally.
func decodeQPLenient(b []byte) []byte {
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c != '=' {
			out = append(out, c)
			continue
		}
		if i+2 < len(b) && isHex(b[i+1]) && isHex(b[i+2]) {
			out = append(out, unhex(b[i+1])<<4|unhex(b[i+2]))
			i += 2
			continue
		}
		// Soft line break: "=" then optional white space then CRLF/LF.
		j := i + 1
		for j < len(b) && (b[j] == ' ' || b[j] == '\t') {
			j++
		}
		if j < len(b) && b[j] == '\r' && j+1 < len(b) && b[j+1] == '\n' {
			i = j + 1
			continue
		}
		if j < len(b) && b[j] == '\n' {
			i = j
			continue
		}
		if j == len(b) {
			i = j
			continue
		}
		out = append(out, c)
	}
	return out
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

package mime

import (
	"html"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Preview text (RFC 8970 FETCH PREVIEW), computed once at parse time and
// stored with the message, so that a FETCH of previews for a whole mailbox
// reads no message files.
const (
	// PreviewMaxChars is the preview length in characters: RFC 8970 §3.3
	// says SHOULD be at most 200 and MUST NOT exceed 256.
	PreviewMaxChars = 200
	// previewScan bounds how much of a body is decoded for the preview:
	// enough text for 200 characters even after markup is stripped.
	previewScan = 64 << 10
)

// Preview returns the preview of a parsed message whose bytes r holds:
// the first inline text/plain part, else the first text/html part with its
// markup removed, with white space collapsed, at most PreviewMaxChars
// characters. It reads only the start of that one part. It is "" when the
// message has no such text (RFC 8970 §3.2: an empty string means no
// meaningful preview).
func Preview(m *Message, r io.ReaderAt) (string, error) {
	if m == nil || m.Root == nil {
		return "", nil
	}
	part, isHTML := previewPart(m.Root)
	if part == nil || part.BodyStart > part.BodyEnd {
		return "", nil
	}
	// Encoded text is longer than decoded: read what decodes to
	// previewScan bytes at worst (base64 and quoted-printable at most
	// triple the size).
	n := min(part.BodyEnd-part.BodyStart, 3*previewScan)
	body := make([]byte, n)
	if k, err := r.ReadAt(body, part.BodyStart); err != nil && !(err == io.EOF && int64(k) == n) {
		return "", err
	}
	charset, _ := ParamValue(part.Params, "charset")
	text := toUTF8(charset, DecodeTransferLenient(part.Encoding, body))
	if isHTML {
		text = stripHTML(text)
	}
	return normalizePreview(text, PreviewMaxChars), nil
}

// previewPart finds the part Preview shows. Encapsulated messages
// (forwards) are not the message's own text and are not looked into.
func previewPart(root *Part) (part *Part, isHTML bool) {
	var plain, htmlPart *Part
	var walk func(p *Part, depth int)
	walk = func(p *Part, depth int) {
		if plain != nil || depth > 2*maxNesting {
			return
		}
		switch {
		case p.IsMultipart():
			for _, c := range p.Children {
				walk(c, depth+1)
			}
		case p.Flags&FlagText != 0 && !strings.EqualFold(p.Disposition, "attachment"):
			switch {
			case p.Has&HasContentType == 0 || strings.EqualFold(p.Subtype, "plain"):
				plain = p
			case strings.EqualFold(p.Subtype, "html") && htmlPart == nil:
				htmlPart = p
			}
		}
	}
	walk(root, 0)
	if plain != nil {
		return plain, false
	}
	return htmlPart, htmlPart != nil
}

// stripHTML turns HTML into its visible text, roughly: the content of
// script, style and head elements and of comments is dropped, tags become
// white space, and character references are decoded. A preview needs no
// more than that (RFC 8970 §3.3: "remove any formatting markup").
func stripHTML(s string) string {
	var out strings.Builder
	out.Grow(len(s))
	lower := strings.ToLower(s)
	for i := 0; i < len(s); {
		c := s[i]
		if c != '<' {
			j := strings.IndexByte(s[i:], '<')
			if j < 0 {
				j = len(s) - i
			}
			out.WriteString(s[i : i+j])
			i += j
			continue
		}
		if strings.HasPrefix(s[i:], "<!--") {
			end := strings.Index(s[i+4:], "-->")
			if end < 0 {
				break
			}
			i += 4 + end + 3
			continue
		}
		skipped := false
		for _, elem := range []string{"script", "style", "head", "title"} {
			if hasTagPrefix(lower[i+1:], elem) {
				end := strings.Index(lower[i:], "</"+elem)
				if end < 0 {
					i = len(s)
				} else {
					i += end + 2 + len(elem)
				}
				skipped = true
				break
			}
		}
		if skipped {
			if j := strings.IndexByte(s[i:], '>'); j >= 0 {
				i += j + 1
			}
			out.WriteByte(' ')
			continue
		}
		end := strings.IndexByte(s[i:], '>')
		if end < 0 {
			break
		}
		i += end + 1
		out.WriteByte(' ')
	}
	return html.UnescapeString(out.String())
}

// hasTagPrefix reports whether s (lower case, after "<") starts the
// element name, followed by the end of the name.
func hasTagPrefix(s, name string) bool {
	if !strings.HasPrefix(s, name) {
		return false
	}
	if len(s) == len(name) {
		return true
	}
	c := s[len(name)]
	return c == '>' || c == '/' || c == ' ' || c == '\t' || c == '\r' || c == '\n'
}

// normalizePreview collapses every run of white space and control
// characters into one space, trims the ends, and cuts the text to max
// characters (at a character boundary, never inside a UTF-8 sequence).
func normalizePreview(s string, max int) string {
	var out strings.Builder
	n := 0
	space := false
	for _, r := range s {
		if r == utf8.RuneError || unicode.IsSpace(r) || unicode.IsControl(r) {
			space = out.Len() > 0
			continue
		}
		if space {
			if n+1 >= max {
				break
			}
			out.WriteByte(' ')
			n++
			space = false
		}
		out.WriteRune(r)
		if n++; n >= max {
			break
		}
	}
	return out.String()
}

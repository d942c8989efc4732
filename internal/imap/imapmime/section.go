package imapmime

import (
	"bytes"
	"io"
	"strings"

	"roost/internal/imap/proto"
	"roost/internal/mime"
)

// findPart resolves part numbers (RFC 9051 §6.4.5): a message that is not
// multipart has the single part 1 (its body); the parts of a multipart are
// 1, 2, ...; inside a message/rfc822 part n, the parts of the encapsulated
// message's body are n.1, n.2, ... (n.1 being the body itself when it is
// not multipart). It returns nil for a part that does not exist.
func findPart(root *mime.Part, nums []int) *mime.Part {
	if root == nil {
		return nil
	}
	list := messageParts(root)
	var p *mime.Part
	for i, n := range nums {
		if n < 1 || n > len(list) {
			return nil
		}
		p = list[n-1]
		if i == len(nums)-1 {
			break
		}
		switch {
		case p.IsMultipart():
			list = p.Children
		case p.Message != nil:
			list = messageParts(p.Message)
		default:
			return nil
		}
	}
	return p
}

// lookupPart is findPart that also reports the invisible empty part: part
// 1 of a multipart without any parts, which Dovecot shows as an empty
// text/plain (see appendEmptyBody).
func lookupPart(root *mime.Part, nums []int) (p *mime.Part, empty bool) {
	if p = findPart(root, nums); p != nil {
		return p, false
	}
	if nums[len(nums)-1] != 1 {
		return nil, false
	}
	if len(nums) == 1 {
		return nil, root.IsMultipart() && len(root.Children) == 0
	}
	parent := findPart(root, nums[:len(nums)-1])
	if parent == nil {
		return nil, false
	}
	if parent.Message != nil {
		parent = parent.Message
	}
	return nil, parent.IsMultipart() && len(parent.Children) == 0
}

// messageParts returns the numbered parts of a message whose top part is m.
func messageParts(m *mime.Part) []*mime.Part {
	if m.IsMultipart() {
		return m.Children
	}
	return []*mime.Part{m}
}

// BodySection returns the content of BODY[sec] (sec.Offset/Count ignored:
// the caller applies the partial) read from the message bytes in blob, as a
// reader of known size. The reader is also an io.Seeker (and io.ReaderAt),
// so a partial fetch skips to its origin without reading up to it. NUL
// bytes are shown as 0x80 as Dovecot does (a BODY[] literal may not
// contain NUL, RFC 9051 §4.3).
//
// A part that does not exist gives an empty string, as Dovecot answers:
// RFC 9051 does not define the response, and an empty string lets a
// client that fetches several sections still get the others.
// HEADER, HEADER.FIELDS[.NOT] and TEXT after a part number apply to the
// encapsulated message of a message/rfc822 part; on any other part they
// apply to the part's own header and body.
func BodySection(m *mime.Message, blob io.ReaderAt, sec *proto.Section) (io.Reader, int64, error) {
	if m == nil || m.Root == nil {
		return strings.NewReader(""), 0, nil
	}
	var p *mime.Part
	if len(sec.Part) == 0 {
		p = m.Root
		if sec.Specifier == proto.SectionAll {
			return nulFilter(blob, 0, p.BodyEnd)
		}
		if sec.Specifier == proto.SectionMIME {
			return strings.NewReader(""), 0, nil
		}
	} else {
		p = findPart(m.Root, sec.Part)
		if p == nil {
			return strings.NewReader(""), 0, nil
		}
		switch sec.Specifier {
		case proto.SectionAll:
			return nulFilter(blob, p.BodyStart, p.BodySize())
		case proto.SectionMIME:
			return nulFilter(blob, p.HeaderStart, p.HeaderSize())
		}
		if p.Message != nil {
			p = p.Message
		}
	}
	switch sec.Specifier {
	case proto.SectionHeader:
		return nulFilter(blob, p.HeaderStart, p.HeaderSize())
	case proto.SectionText:
		return nulFilter(blob, p.BodyStart, p.BodySize())
	case proto.SectionHeaderFields, proto.SectionHeaderFieldsNot:
		hdr := make([]byte, p.HeaderSize())
		if _, err := blob.ReadAt(hdr, p.HeaderStart); err != nil && !(err == io.EOF && len(hdr) == 0) {
			if err != io.EOF {
				return nil, 0, err
			}
		}
		out := filterHeader(hdr, sec.Fields, sec.Specifier == proto.SectionHeaderFieldsNot)
		replaceNUL(out)
		return bytes.NewReader(out), int64(len(out)), nil
	}
	return strings.NewReader(""), 0, nil
}

// filterHeader keeps (or, with not, drops) the fields named in names, each
// with its continuation lines, in message order, and ends with the blank
// line (RFC 9051 §6.4.5: the subset of the header, then CRLF).
func filterHeader(hdr []byte, names []string, not bool) []byte {
	out := make([]byte, 0, 256)
	pos := 0
	for pos < len(hdr) {
		if hdr[pos] == '\n' || (hdr[pos] == '\r' && pos+1 < len(hdr) && hdr[pos+1] == '\n') {
			break // the blank line
		}
		end := pos
		for {
			i := bytes.IndexByte(hdr[end:], '\n')
			if i < 0 {
				end = len(hdr)
				break
			}
			end += i + 1
			if end >= len(hdr) || (hdr[end] != ' ' && hdr[end] != '\t') {
				break
			}
		}
		field := hdr[pos:end]
		name := field
		if c := bytes.IndexByte(field, ':'); c >= 0 {
			name = bytes.TrimRight(field[:c], " \t")
		} else {
			name = nil
		}
		match := false
		if name != nil {
			for _, n := range names {
				if strings.EqualFold(n, string(name)) {
					match = true
					break
				}
			}
		}
		if match != not && name != nil {
			out = append(out, field...)
		}
		pos = end
	}
	return append(out, '\r', '\n')
}

// nulFilter returns a reader of size bytes at off in blob with NUL bytes
// replaced by 0x80.
// WholeMessage returns the content of BODY[], the whole message, read
// from blob as BodySection does.
func WholeMessage(blob interface {
	io.ReaderAt
	Size() int64
}) (io.Reader, int64, error) {
	return nulFilter(blob, 0, blob.Size())
}

func nulFilter(blob io.ReaderAt, off, size int64) (io.Reader, int64, error) {
	if size <= 0 {
		return strings.NewReader(""), 0, nil
	}
	return &nulReader{r: io.NewSectionReader(blob, off, size)}, size, nil
}

// nulReader is seekable so that a partial fetch jumps to its origin
// instead of reading (and discarding) everything before it.
type nulReader struct{ r *io.SectionReader }

// Seek implements io.Seeker over the section.
func (n *nulReader) Seek(offset int64, whence int) (int64, error) { return n.r.Seek(offset, whence) }

// ReadAt implements io.ReaderAt over the section.
func (n *nulReader) ReadAt(b []byte, off int64) (int, error) {
	k, err := n.r.ReadAt(b, off)
	replaceNUL(b[:k])
	return k, err
}

func (n *nulReader) Read(b []byte) (int, error) {
	k, err := n.r.Read(b)
	replaceNUL(b[:k])
	return k, err
}

func replaceNUL(b []byte) {
	for {
		i := bytes.IndexByte(b, 0)
		if i < 0 {
			return
		}
		b[i] = 0x80
		b = b[i+1:]
	}
}

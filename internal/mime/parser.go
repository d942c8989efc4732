package mime

import (
	"bytes"
	"strings"
)

// Limits that keep hostile input bounded. They match Dovecot 2.3's, so part
// numbering agrees with it on deep or huge messages.
const (
	// maxBoundaryLen: boundaries are compared on their first 80 octets
	// (RFC 2046 §5.1.1 allows 70; Dovecot allows 70+10).
	maxBoundaryLen = 80
	// maxNesting bounds multipart/message nesting; deeper parts are leaves.
	maxNesting = 100
	// maxParts bounds the number of parts; after it no more boundaries are
	// recognised, so the last part takes the rest.
	maxParts = 10000
)

// boundary is one active multipart delimiter.
type boundary struct {
	s    []byte
	part *Part
}

// treeParser builds the part tree of one message held in buf. It scans
// sequentially like a streaming parser would, so that ambiguous input
// (nested boundaries that are prefixes of each other, missing close
// delimiters) is resolved the same way Dovecot resolves it.
type treeParser struct {
	buf    []byte
	bounds []boundary
	nparts int
	// fields is scratch space reused for each header.
	fields []rawField
	// onHeader, if set, is called with the fields of every header that
	// gets an envelope (the root and every encapsulated message).
	onHeader func(p *Part, fields []rawField)
}

// hit describes where a scan stopped: at a boundary line (index into
// bounds, line start, whether it is a close delimiter) or at the end.
type hit struct {
	at int // start of the boundary line, or len(buf)
	// end is where the body before the boundary ends: the line break in
	// front of a delimiter belongs to the delimiter (RFC 2046 §5.1.1),
	// unless that line break already ended a header line or an earlier
	// delimiter line, i.e. the boundary is the first line scanned.
	end   int
	index int // -1 at end of data
	close bool
}

// findBoundary checks whether the line at ls is a delimiter of an active
// multipart. The longest matching boundary wins; an exact match ends the
// search early (innermost first, RFC 2046 §5.1.2 nesting).
func (tp *treeParser) findBoundary(ls int) (int, bool) {
	buf := tp.buf
	if len(tp.bounds) == 0 || ls+2 > len(buf) || buf[ls] != '-' || buf[ls+1] != '-' {
		return -1, false
	}
	if tp.nparts >= maxParts {
		return -1, false
	}
	rest := buf[ls+2:]
	data := rest
	if i := bytes.IndexByte(data, '\n'); i >= 0 {
		data = data[:i]
		if n := len(data); n > 0 && data[n-1] == '\r' {
			data = data[:n-1]
		}
	}
	trailingDash := len(data) > 2 && data[len(data)-1] == '-' && data[len(data)-2] == '-'
	best := -1
	for i := len(tp.bounds) - 1; i >= 0; i-- {
		b := tp.bounds[i].s
		if len(b) <= len(data) && bytes.HasPrefix(data, b) && (best < 0 || len(tp.bounds[best].s) < len(b)) {
			best = i
			if len(b) == len(data) || (trailingDash && len(b) == len(data)-2) {
				break
			}
		}
	}
	if best < 0 {
		return -1, false
	}
	n := len(tp.bounds[best].s)
	closing := len(rest) >= n+2 && rest[n] == '-' && rest[n+1] == '-'
	return best, closing
}

// scan looks for the next boundary line at or after pos (a line start).
func (tp *treeParser) scan(pos int) hit {
	end := hit{at: len(tp.buf), end: len(tp.buf), index: -1}
	if len(tp.bounds) == 0 || tp.nparts >= maxParts {
		return end
	}
	start := pos
	for pos < len(tp.buf) {
		if idx, closing := tp.findBoundary(pos); idx >= 0 {
			h := hit{at: pos, end: pos, index: idx, close: closing}
			if pos > start && tp.buf[pos-1] == '\n' {
				h.end--
				if h.end > start && tp.buf[h.end-1] == '\r' {
					h.end--
				}
			}
			return h
		}
		i := bytes.Index(tp.buf[pos:], []byte("\n--"))
		if i < 0 {
			break
		}
		pos += i + 1
	}
	return end
}

// readHeader collects the header fields starting at pos. It stops after the
// blank line, at the end of data, or before a boundary line (a part without
// a blank line after its header). It returns where the body starts and, if
// stopped by a boundary, the hit.
func (tp *treeParser) readHeader(pos int) (fields []rawField, bodyStart int, h hit) {
	buf := tp.buf
	fields = tp.fields[:0]
	h.index = -1
	for pos < len(buf) {
		if blank, next := isBlankLine(buf, pos); blank {
			tp.fields = fields
			return fields, next, h
		}
		if idx, closing := tp.findBoundary(pos); idx >= 0 {
			tp.fields = fields
			return fields, pos, hit{at: pos, end: pos, index: idx, close: closing}
		}
		end := lineEnd(buf, pos)
		for end < len(buf) && (buf[end] == ' ' || buf[end] == '\t') {
			end = lineEnd(buf, end)
		}
		if f, ok := splitField(trimLineBreak(buf[pos:end])); ok {
			fields = append(fields, f)
		}
		pos = end
	}
	tp.fields = fields
	return fields, len(buf), hit{at: len(buf), end: len(buf), index: -1}
}

// parsePart parses the part whose header starts at pos and returns where it
// stopped. depth counts enclosing multiparts and messages.
func (tp *treeParser) parsePart(p *Part, pos int, depth int, inDigest bool, envelope bool) hit {
	p.HeaderStart = int64(pos)
	fields, bodyStart, h := tp.readHeader(pos)
	var boundaryParam []byte
	hasBoundary, seenCTE := false, false
	for _, f := range fields {
		applyContentField(p, f, &boundaryParam, &hasBoundary, &seenCTE)
	}
	if envelope && !declaresMIME(fields) {
		p.Flags |= FlagNotMIME
	}
	if envelope {
		p.Envelope = buildEnvelope(fields)
		if tp.onHeader != nil {
			tp.onHeader(p, fields)
		}
	}
	p.BodyStart = int64(bodyStart)
	classify(p, inDigest)
	switch {
	case h.index >= 0:
		// The header ran into a boundary: the part has no body.
	case p.Flags&FlagMultipart != 0 && hasBoundary && depth < maxNesting:
		p.Has |= HasBoundary
		h = tp.parseMultipart(p, bodyStart, depth, boundaryParam)
	case p.Flags&FlagMessage != 0 && depth < maxNesting && tp.nparts < maxParts:
		// Parsed even when base64/QP encoded, as Dovecot does; the
		// renderer then shows an empty structure (see imapmime).
		inner := &Part{}
		tp.nparts++
		p.Message = inner
		h = tp.parsePart(inner, bodyStart, depth+1, false, true)
	default:
		h = tp.scan(bodyStart)
	}
	p.BodyEnd = int64(h.end)
	if h.index >= 0 && h.at == bodyStart && len(p.Children) == 0 {
		// A delimiter right after the header takes the header's last
		// line break (RFC 2046 §5.1.1: the CRLF before "--" belongs to
		// the delimiter), so the header is one line break shorter and
		// the body is empty. Enclosing parts keep that line break.
		end := bodyStart
		if end > pos && tp.buf[end-1] == '\n' {
			end--
			if end > pos && tp.buf[end-1] == '\r' {
				end--
			}
		}
		p.BodyStart, p.BodyEnd = int64(end), int64(end)
		if m := p.Message; m != nil {
			// The encapsulated message was empty: keep it inside.
			m.HeaderStart, m.BodyStart, m.BodyEnd, m.Lines = p.BodyEnd, p.BodyEnd, p.BodyEnd, 0
		}
	}
	p.Lines = int64(bytes.Count(tp.buf[p.BodyStart:p.BodyEnd], []byte{'\n'}))
	return h
}

// parseMultipart parses the body of multipart p: preamble, body parts,
// epilogue (RFC 2046 §5.1.1).
func (tp *treeParser) parseMultipart(p *Part, bodyStart int, depth int, b []byte) hit {
	if len(b) > maxBoundaryLen {
		b = b[:maxBoundaryLen]
	}
	my := len(tp.bounds)
	tp.bounds = append(tp.bounds, boundary{s: b, part: p})
	digest := strings.EqualFold(p.Subtype, "digest")
	h := tp.scan(bodyStart)
	for {
		if h.index != my {
			// End of data, or an enclosing multipart's delimiter.
			tp.bounds = tp.bounds[:my]
			return h
		}
		if h.close {
			tp.bounds = tp.bounds[:my]
			return tp.scan(lineEnd(tp.buf, h.at))
		}
		child := &Part{}
		tp.nparts++
		p.Children = append(p.Children, child)
		// A delimiter also ends any inner multipart still open.
		tp.bounds = tp.bounds[:my+1]
		h = tp.parsePart(child, lineEnd(tp.buf, h.at), depth+1, digest, false)
	}
}

// declaresMIME reports whether a message header has MIME-Version or
// Content-Type: either makes its Content-* fields count, as in Dovecot,
// which does not insist on MIME-Version (RFC 2045 §4 asks for it). Body
// parts of a multipart are MIME without either.
func declaresMIME(fields []rawField) bool {
	for _, f := range fields {
		if equalFold(f.name, "mime-version") || equalFold(f.name, "content-type") {
			return true
		}
	}
	return false
}

// classify sets the type flags: the effective media type when Content-Type
// is absent is text/plain, or message/rfc822 directly inside
// multipart/digest (RFC 2046 §5.1.5).
func classify(p *Part, inDigest bool) {
	if p.Has&HasContentType == 0 {
		if inDigest {
			p.Flags |= FlagMessage | FlagDefaultRFC822
		} else {
			p.Flags |= FlagText
		}
		return
	}
	switch {
	case strings.EqualFold(p.Type, "message") && strings.EqualFold(p.Subtype, "rfc822"):
		p.Flags |= FlagMessage
	case strings.EqualFold(p.Type, "text"):
		p.Flags |= FlagText
	case strings.EqualFold(p.Type, "multipart") && p.Subtype != "":
		p.Flags |= FlagMultipart
	}
}

// IdentityEncoding reports whether the part's body is not transfer-encoded
// (no CTE, 7bit, 8bit or binary). RFC 2046 §5.2.1 allows only these for
// message/rfc822.
func IdentityEncoding(p *Part) bool {
	if p.Has&HasEncoding == 0 {
		return true
	}
	e := p.Encoding
	return strings.EqualFold(e, "7bit") || strings.EqualFold(e, "8bit") || strings.EqualFold(e, "binary")
}

// applyContentField records one Content-* field in p. The first
// Content-Type decides the type and the boundary.
func applyContentField(p *Part, f rawField, boundaryParam *[]byte, hasBoundary, seenCTE *bool) {
	if len(f.name) < 8 || !equalFold(f.name[:8], "content-") {
		return
	}
	name := f.name[8:]
	// The first of repeated fields counts, as in Dovecot.
	switch {
	case equalFold(name, "type"):
		if p.Has&HasContentType != 0 {
			return
		}
		p.Has |= HasContentType
		parseContentType(p, f.value)
		for _, pr := range p.Params {
			if strings.EqualFold(pr.Name, "boundary") {
				*boundaryParam = []byte(pr.Value)
				*hasBoundary = true
				break
			}
		}
	case equalFold(name, "transfer-encoding"):
		p.Transfer = classifyTransfer(f.value)
		if *seenCTE {
			return
		}
		*seenCTE = true
		// RFC 2045 §6.1: a single token. Anything else ("8 bit",
		// "quoted-printable;", "text/html") is ignored, which leaves
		// the default 7bit, as in Dovecot.
		t := tokenizer{s: f.value}
		t.skipCFWS()
		tok := t.mimeToken()
		if len(tok) > 0 && t.eof() {
			p.Encoding = string(tok)
			p.Has |= HasEncoding
		} else {
			p.Encoding = ""
			p.Has &^= HasEncoding
		}
	case equalFold(name, "id"):
		if p.Has&HasID != 0 {
			return
		}
		p.ID = string(unfold(f.value))
		p.Has |= HasID
	case equalFold(name, "description"):
		if p.Has&HasDescription != 0 {
			return
		}
		p.Description = string(unfold(f.value))
		p.Has |= HasDescription
	case equalFold(name, "md5"):
		if p.Has&HasMD5 != 0 {
			return
		}
		p.MD5 = string(unfold(f.value))
		p.Has |= HasMD5
	case equalFold(name, "location"):
		if p.Has&HasLocation != 0 {
			return
		}
		p.Location = string(unfold(f.value))
		p.Has |= HasLocation
	case equalFold(name, "disposition"):
		// A later field replaces one without parameters (Dovecot).
		if p.Has&HasDisposition != 0 && len(p.DispositionParams) > 0 {
			return
		}
		parseDisposition(p, f.value)
		p.Has |= HasDisposition
	case equalFold(name, "language"):
		// The last field counts (Dovecot).
		p.Language = parseLanguage(f.value)
		p.Has |= HasLanguage
	}
}

// classifyTransfer reads the leading token of a Content-Transfer-Encoding
// value the way a decoder does: "quoted-printable;" is quoted-printable,
// "8 bit" or "text/html" are unknown.
func classifyTransfer(value []byte) TransferEncoding {
	t := tokenizer{s: value}
	t.skipCFWS()
	tok := t.mimeToken()
	switch {
	case equalFold(tok, "7bit"), equalFold(tok, "8bit"), equalFold(tok, "binary"):
		return TransferIdentity
	case equalFold(tok, "base64"):
		return TransferBase64
	case equalFold(tok, "quoted-printable"):
		return TransferQuotedPrintable
	}
	return TransferUnknown
}

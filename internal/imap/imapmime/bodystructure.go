package imapmime

import (
	"strconv"
	"strings"

	"roost/internal/mime"
)

// AppendBodyStructure appends BODYSTRUCTURE (extended=true) or BODY
// (extended=false) (RFC 9051 §7.5.2). Like Dovecot, BODYSTRUCTURE always
// carries every extension field.
func AppendBodyStructure(dst []byte, m *mime.Message, extended bool, utf8 bool) []byte {
	if m == nil || m.Root == nil {
		return appendEmptyBody(dst, extended)
	}
	if root := contentView(m.Root); isPlainText(root) {
		// Dovecot answers a message that is nothing but plain US-ASCII
		// text with a fixed, lower-case structure, whatever the case of
		// its header fields: clients see what Dovecot sends.
		dst = append(dst, `("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" `...)
		dst = strconv.AppendInt(dst, root.BodySize(), 10)
		dst = append(dst, ' ')
		dst = strconv.AppendInt(dst, root.Lines, 10)
		if extended {
			dst = append(dst, " NIL NIL NIL NIL"...)
		}
		return append(dst, ')')
	}
	return appendPart(dst, m.Root, extended, utf8, 0)
}

// isPlainText reports whether a top-level part is text/plain whose only
// parameter, if any, is charset=us-ascii (any case), with no Content-ID,
// -Description, -MD5, -Disposition, -Language or -Location, and no
// transfer encoding other than 7bit: RFC 2045 §5.2 and §6.1 defaults.
func isPlainText(p *mime.Part) bool {
	if p.Flags&mime.FlagText == 0 || p.IsMultipart() || p.IsMessage() {
		return false
	}
	if p.Has&mime.HasContentType != 0 && !strings.EqualFold(p.Subtype, "plain") {
		return false
	}
	switch len(p.Params) {
	case 0:
	case 1:
		if !strings.EqualFold(p.Params[0].Name, "charset") || !strings.EqualFold(p.Params[0].Value, "us-ascii") {
			return false
		}
	default:
		return false
	}
	const extra = mime.HasID | mime.HasDescription | mime.HasMD5 | mime.HasDisposition | mime.HasLocation
	if p.Has&extra != 0 || len(p.Language) > 0 {
		return false
	}
	return p.Has&mime.HasEncoding == 0 || strings.EqualFold(p.Encoding, "7bit")
}

// contentView returns p as BODYSTRUCTURE sees it: p itself, or, for a
// header that is not MIME (mime.FlagNotMIME), a copy without its
// Content-* fields other than the (absent) Content-Type.
func contentView(p *mime.Part) *mime.Part {
	if p.Flags&mime.FlagNotMIME == 0 {
		return p
	}
	q := *p
	q.Has &^= mime.HasID | mime.HasDescription | mime.HasEncoding | mime.HasMD5 | mime.HasLocation |
		mime.HasDisposition | mime.HasLanguage
	q.ID, q.Description, q.Encoding, q.MD5, q.Location = "", "", "", "", ""
	q.Disposition, q.DispositionParams, q.Language = "", nil, nil
	return &q
}

// maxRenderDepth stops recursion on a corrupt stored tree.
const maxRenderDepth = 256

// appendEmptyBody is the body Dovecot invents where a structure is missing:
// a multipart without parts, or an encapsulated message it did not parse.
func appendEmptyBody(dst []byte, extended bool) []byte {
	dst = append(dst, `("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 0 0`...)
	if extended {
		dst = append(dst, " NIL NIL NIL NIL"...)
	}
	return append(dst, ')')
}

func appendPart(dst []byte, p *mime.Part, extended, utf8 bool, depth int) []byte {
	if depth > maxRenderDepth {
		return appendEmptyBody(dst, extended)
	}
	if p.IsMultipart() {
		return appendMultipart(dst, p, extended, utf8, depth)
	}
	p = contentView(p)
	dst = append(dst, '(')
	typ, sub := p.Type, p.Subtype
	switch {
	case p.IsMessage():
		// Dovecot writes message/rfc822 in lower case whatever the
		// header said.
		typ, sub = "message", "rfc822"
	case p.Has&mime.HasContentType == 0:
		typ, sub = "text", "plain"
	}
	dst = appendString(dst, typ, utf8)
	dst = append(dst, ' ')
	dst = appendString(dst, sub, utf8)
	dst = append(dst, ' ')
	dst = appendParams(dst, p.Params, p.Flags&mime.FlagText != 0, utf8)
	dst = append(dst, ' ')
	dst = appendNString(dst, p.ID, p.Has&mime.HasID != 0, utf8)
	dst = append(dst, ' ')
	dst = appendNString(dst, p.Description, p.Has&mime.HasDescription != 0, utf8)
	dst = append(dst, ' ')
	if p.Has&mime.HasEncoding != 0 && p.Encoding != "" {
		dst = appendString(dst, p.Encoding, utf8)
	} else {
		dst = append(dst, `"7bit"`...)
	}
	dst = append(dst, ' ')
	dst = strconv.AppendInt(dst, p.BodySize(), 10)
	switch {
	case p.Flags&mime.FlagText != 0:
		dst = append(dst, ' ')
		dst = strconv.AppendInt(dst, p.Lines, 10)
	case p.IsMessage():
		dst = append(dst, ' ')
		if p.Message == nil || !mime.IdentityEncoding(p) {
			dst = append(dst, nilEnvelope...)
			dst = append(dst, ' ')
			dst = appendEmptyBody(dst, extended)
		} else {
			dst = appendEnvelope(dst, p.Message.Envelope, utf8)
			dst = append(dst, ' ')
			dst = appendPart(dst, p.Message, extended, utf8, depth+1)
		}
		dst = append(dst, ' ')
		dst = strconv.AppendInt(dst, p.Lines, 10)
	}
	if extended {
		dst = append(dst, ' ')
		dst = appendNString(dst, p.MD5, p.Has&mime.HasMD5 != 0, utf8)
		dst = appendExtension(dst, p, utf8)
	}
	return append(dst, ')')
}

func appendMultipart(dst []byte, p *mime.Part, extended, utf8 bool, depth int) []byte {
	dst = append(dst, '(')
	if len(p.Children) == 0 {
		dst = appendEmptyBody(dst, extended)
	}
	for _, c := range p.Children {
		dst = appendPart(dst, c, extended, utf8, depth+1)
	}
	dst = append(dst, ' ')
	dst = appendString(dst, p.Subtype, utf8)
	if extended {
		dst = append(dst, ' ')
		dst = appendParams(dst, p.Params, false, utf8)
		dst = appendExtension(dst, p, utf8)
	}
	return append(dst, ')')
}

// appendExtension appends " dsp lang loc", the extension fields shared by
// multipart and single parts.
func appendExtension(dst []byte, p *mime.Part, utf8 bool) []byte {
	dst = append(dst, ' ')
	if p.Has&mime.HasDisposition != 0 {
		dst = append(dst, '(')
		dst = appendString(dst, p.Disposition, utf8)
		dst = append(dst, ' ')
		dst = appendParams(dst, p.DispositionParams, false, utf8)
		dst = append(dst, ')')
	} else {
		dst = append(dst, "NIL"...)
	}
	dst = append(dst, ' ')
	if len(p.Language) > 0 {
		dst = append(dst, '(')
		for i, l := range p.Language {
			if i > 0 {
				dst = append(dst, ' ')
			}
			dst = appendString(dst, l, utf8)
		}
		dst = append(dst, ')')
	} else {
		dst = append(dst, "NIL"...)
	}
	dst = append(dst, ' ')
	return appendNString(dst, p.Location, p.Has&mime.HasLocation != 0, utf8)
}

// appendParams appends a body-fld-param list, or NIL when empty. Text parts
// without a charset parameter get ("charset" "us-ascii"), the RFC 2045 §5.2
// default, as Dovecot does.
func appendParams(dst []byte, params []mime.Param, text bool, utf8 bool) []byte {
	addCharset := text
	if addCharset {
		for _, pr := range params {
			if strings.EqualFold(pr.Name, "charset") {
				addCharset = false
				break
			}
		}
	}
	if len(params) == 0 && !addCharset {
		return append(dst, "NIL"...)
	}
	dst = append(dst, '(')
	for i, pr := range params {
		if i > 0 {
			dst = append(dst, ' ')
		}
		dst = appendString(dst, pr.Name, utf8)
		dst = append(dst, ' ')
		dst = appendString(dst, pr.Value, utf8)
	}
	if addCharset {
		if len(params) > 0 {
			dst = append(dst, ' ')
		}
		dst = append(dst, `"charset" "us-ascii"`...)
	}
	return append(dst, ')')
}

package proto

import (
	"errors"
	"io"
	"time"

	"roost/internal/imap/wire"
)

// readAppend reads the mailbox of APPEND; the messages are read by
// ReadAppendMessage.
func (p *Parser) readAppend() (*Append, error) {
	if err := p.sp("APPEND"); err != nil {
		return nil, err
	}
	mbox, err := p.mailbox()
	if err != nil {
		return nil, err
	}
	if !p.d.PeekIs(' ') {
		return nil, expected(orSyntax(p.d.SP()), "Expected SP after mailbox")
	}
	return &Append{Mailbox: mbox}, nil
}

// ReadAppendMessage reads SP [flag-list SP] [date-time SP] literal of the
// current APPEND (RFC 9051 §6.3.12, RFC 3502 MULTIAPPEND, RFC 3516
// literal8) and returns a reader of the message, which must be consumed
// before AppendEnd. A literal over MaxLiteral gives an Error with No and
// Code TOOBIG; nothing of it is read into memory.
func (p *Parser) ReadAppendMessage() (*AppendMessage, io.Reader, error) {
	if p.appendTag == "" {
		return nil, nil, errors.New("proto: ReadAppendMessage outside APPEND")
	}
	m, r, err := p.readAppendMessage()
	if err != nil {
		tag := p.appendTag
		p.appendTag = ""
		var le *wire.LimitError
		if errors.As(err, &le) && le.Literal {
			err = &Error{No: true, Code: "TOOBIG", Text: "Message too large: " + le.Msg}
		}
		return nil, nil, p.fail(tag, err)
	}
	return m, r, nil
}

func (p *Parser) readAppendMessage() (*AppendMessage, io.Reader, error) {
	if err := p.sp("mailbox"); err != nil {
		return nil, nil, err
	}
	m := &AppendMessage{}
	if p.d.PeekIs('(') {
		flags, err := p.flagList()
		if err != nil {
			return nil, nil, err
		}
		m.Flags = flags
		if err := p.sp("flag list"); err != nil {
			return nil, nil, err
		}
	}
	if p.d.PeekIs('"') {
		s, err := p.d.Quoted()
		if err != nil {
			return nil, nil, invalid(err, "Invalid date-time")
		}
		if m.Date, err = parseDateTime(s); err != nil {
			return nil, nil, badf("Invalid date-time %q", s)
		}
		if err := p.sp("date-time"); err != nil {
			return nil, nil, err
		}
	}
	utf8Data, err := p.appendUTF8Open() // extensions_parse.go
	if err != nil {
		return nil, nil, err
	}
	if !p.d.PeekIs('{') && !p.d.Literal8Next() {
		if _, err := p.d.Peek(); err != nil {
			return nil, nil, err
		}
		return nil, nil, badf("Expected message literal")
	}
	r, info, err := p.d.Literal(0, true)
	if err != nil {
		return nil, nil, invalid(err, "Invalid message literal")
	}
	m.Binary, m.Size, m.UTF8 = info.Binary, info.Size, utf8Data
	p.appendUTF8 = utf8Data
	return m, r, nil
}

// AppendEnd finishes one APPEND message: more is true when another message
// follows (MULTIAPPEND), false when the command line ended.
func (p *Parser) AppendEnd() (more bool, err error) {
	if p.appendTag == "" {
		return false, errors.New("proto: AppendEnd outside APPEND")
	}
	b, err := p.d.Peek() // also skips what is left of the literal
	if err != nil {
		return false, p.endAppendFail(err)
	}
	if p.appendUTF8 {
		// The ")" closing UTF8 (~{n}) of RFC 6855 §4.
		p.appendUTF8 = false
		if err := p.d.Byte(')'); err != nil {
			return false, p.endAppendFail(expected(err, "Expected \")\" after UTF8 message literal"))
		}
		if b, err = p.d.Peek(); err != nil {
			return false, p.endAppendFail(err)
		}
	}
	if b == ' ' {
		return true, nil
	}
	if err := p.d.CRLF(); err != nil {
		return false, p.endAppendFail(expected(err, "Expected SP or end of line after message literal"))
	}
	p.appendTag = ""
	return false, nil
}

func (p *Parser) endAppendFail(err error) error {
	tag := p.appendTag
	p.appendTag = ""
	return p.fail(tag, err)
}

// parseDateTime parses date-time: "dd-Mon-yyyy hh:mm:ss +zzzz" where the
// day may be space-padded (RFC 9051 §9); month names in any case.
func parseDateTime(s string) (time.Time, error) {
	if len(s) > 0 && s[0] == ' ' {
		s = s[1:]
	}
	return time.Parse("2-Jan-2006 15:04:05 -0700", s)
}

// parseDate parses date-text: d-Mon-yyyy (RFC 9051 §9), as midnight UTC.
func parseDate(s string) (time.Time, error) {
	return time.Parse("2-Jan-2006", s)
}

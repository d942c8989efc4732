package proto

import (
	"errors"
	"fmt"
	"unicode/utf8"

	"roost/internal/imap/utf7"
	"roost/internal/imap/wire"
)

// Error is a command the client got wrong. After a non-Fatal Error, the rest
// of that command has been consumed (non-synchronizing literals in it
// skipped without buffering, no continuation sent for synchronizing ones),
// so the next ReadCommand starts fresh. The server answers "<Tag> BAD
// <Text>" ("* BAD" if Tag is "") or, with No set, "<Tag> NO [<Code>] <Text>".
// Fatal: the stream cannot be resynchronised: answer "* BYE <Text>" and
// close.
type Error struct {
	Tag   string
	No    bool   // answer NO instead of BAD (e.g. literal over MaxLiteral on APPEND: NO [TOOBIG])
	Code  string // response code without brackets, or ""
	Text  string
	Fatal bool
}

func (e *Error) Error() string {
	kind := "BAD"
	switch {
	case e.Fatal:
		kind = "BYE"
	case e.No:
		kind = "NO"
	}
	tag := e.Tag
	if tag == "" {
		tag = "*"
	}
	if e.Code != "" {
		return fmt.Sprintf("%s %s [%s] %s", tag, kind, e.Code, e.Text)
	}
	return fmt.Sprintf("%s %s %s", tag, kind, e.Text)
}

// Parser reads commands from a wire.Decoder.
type Parser struct {
	// UTF8: mailbox names are UTF-8 (IMAP4rev2 or UTF8=ACCEPT enabled);
	// else modified UTF-7 (decoded to UTF-8).
	UTF8 bool

	d          *wire.Decoder
	appendTag  string // tag of the APPEND (or REPLACE) being read, "" when none
	appendUTF8 bool   // the message being read is UTF8 (~{n}): ")" follows it
	keys       int    // search keys read in the current command
}

// NewParser returns a Parser reading from d.
func NewParser(d *wire.Decoder) *Parser { return &Parser{d: d} }

// Limits of SEARCH programs.
const (
	maxSearchDepth = 100
	maxSearchKeys  = 10000
)

// ReadCommand reads one whole command including its CRLF. Mailbox names
// come back as UTF-8; "INBOX" in any case is returned as "INBOX". For APPEND
// it stops after the mailbox name: then call ReadAppendMessage, consume the
// returned reader fully, and call AppendEnd.
//
// Errors are *Error for what the client got wrong; anything else (io.EOF,
// network errors) means the connection is gone.
func (p *Parser) ReadCommand() (*Command, error) {
	if p.appendTag != "" {
		// The caller gave up on an APPEND half way: drop the rest of it.
		p.appendTag = ""
		if err := p.d.Discard(); err != nil {
			return nil, p.fail("", err)
		}
	}
	p.d.Begin()
	p.keys = 0
	p.appendUTF8 = false
	cmd := &Command{}
	if err := p.readCommand(cmd); err != nil {
		return nil, p.fail(cmd.Tag, err)
	}
	if cmd.Name == "APPEND" || cmd.Name == "REPLACE" {
		p.appendTag = cmd.Tag
	}
	return cmd, nil
}

// ReadLine reads one raw line without its CRLF (AUTHENTICATE continuation,
// IDLE's DONE), limited by MaxLine.
func (p *Parser) ReadLine() ([]byte, error) {
	line, err := p.d.Line()
	if err != nil {
		var le *wire.LimitError
		if errors.As(err, &le) {
			return nil, &Error{Text: "Line too long"}
		}
		var fe *wire.FatalError
		if errors.As(err, &fe) {
			return nil, &Error{Text: "Line too long", Fatal: true}
		}
		return nil, err
	}
	return line, nil
}

// fail turns err into the *Error the server answers, after consuming the
// rest of the command; connection errors pass through.
func (p *Parser) fail(tag string, err error) error {
	var perr *Error
	var se *wire.SyntaxError
	var le *wire.LimitError
	var fe *wire.FatalError
	switch {
	case errors.As(err, &perr):
	case errors.As(err, &se):
		perr = &Error{Text: capitalize(se.Msg)}
	case errors.As(err, &le):
		perr = &Error{Text: capitalize(le.Msg)}
		if le.Literal {
			perr.Text = "Literal too big: " + le.Msg
		}
	case errors.As(err, &fe):
		return &Error{Tag: tag, Text: capitalize(fe.Msg), Fatal: true}
	default:
		return err
	}
	perr.Tag = tag
	if perr.Fatal {
		return perr
	}
	if derr := p.d.Discard(); derr != nil {
		if errors.As(derr, &fe) {
			return &Error{Tag: tag, Text: capitalize(fe.Msg), Fatal: true}
		}
		// The connection broke while skipping; the next read reports it.
	}
	return perr
}

func capitalize(s string) string {
	if s != "" && s[0] >= 'a' && s[0] <= 'z' {
		return string(s[0]-'a'+'A') + s[1:]
	}
	return s
}

// badf is a BAD error with a formatted reason.
func badf(format string, args ...any) error {
	return &Error{Text: fmt.Sprintf(format, args...)}
}

// expected replaces a syntax error with a clearer message; other errors
// (limits, I/O) pass through.
func expected(err error, msg string) error {
	var se *wire.SyntaxError
	if errors.As(err, &se) {
		return &Error{Text: msg}
	}
	return err
}

// invalid prefixes a syntax error's message with what was being read.
func invalid(err error, what string) error {
	var se *wire.SyntaxError
	if errors.As(err, &se) {
		return &Error{Text: what + ": " + se.Msg}
	}
	return err
}

// sp reads the SP that follows what.
func (p *Parser) sp(after string) error {
	return expected(p.d.SP(), "Expected SP after "+after)
}

// end reads the CRLF that ends cmd.
func (p *Parser) end(cmd string) error {
	extra := p.d.PeekIs(' ')
	if err := p.d.CRLF(); err != nil {
		if extra {
			return expected(err, "Too many arguments to "+cmd)
		}
		return expected(err, "Expected end of line after "+cmd+" arguments")
	}
	return nil
}

// keyword reads an atom and upper-cases it.
func (p *Parser) keyword(what string) (string, error) {
	a, err := p.d.Atom()
	if err != nil {
		return "", invalid(err, "Expected "+what)
	}
	return wire.ToUpper(a), nil
}

// readCommand reads tag SP name and the command's arguments.
func (p *Parser) readCommand(cmd *Command) error {
	empty := p.d.EOL()
	tag, err := p.d.Tag()
	if err != nil {
		if empty {
			return expected(err, "Empty command line")
		}
		return expected(err, "Missing or invalid tag")
	}
	if p.d.EOL() {
		cmd.Tag = tag // a fine tag: answer on it
		return badf("Missing command")
	}
	if err := p.d.SP(); err != nil {
		return expected(err, "Invalid tag")
	}
	cmd.Tag = tag
	name, err := p.d.Atom()
	if err != nil {
		return invalid(err, "Invalid command name")
	}
	cmd.Name = wire.ToUpper(name)
	if cmd.Name == "UID" {
		return p.readUID(cmd)
	}
	return p.readArgs(cmd)
}

// readUID reads the command after UID (RFC 9051 §6.4.9).
func (p *Parser) readUID(cmd *Command) error {
	if err := p.sp("UID"); err != nil {
		return err
	}
	name, err := p.keyword("command after UID")
	if err != nil {
		return err
	}
	switch name {
	case "FETCH", "SEARCH", "STORE", "COPY", "MOVE", "EXPUNGE", "SORT", "THREAD", "REPLACE":
	default:
		return badf("Invalid command after UID: %q", name)
	}
	cmd.Name, cmd.UID = name, true
	return p.readArgs(cmd)
}

// readArgs reads the arguments of cmd.Name up to and including the CRLF
// (APPEND: up to the mailbox).
func (p *Parser) readArgs(cmd *Command) error {
	var err error
	switch cmd.Name {
	case "CAPABILITY", "NOOP", "LOGOUT", "STARTTLS", "CHECK", "CLOSE", "UNSELECT",
		"IDLE", "NAMESPACE", "UNAUTHENTICATE":
		return p.end(cmd.Name)
	case "EXPUNGE":
		if !cmd.UID {
			return p.end(cmd.Name)
		}
		cmd.Args, err = p.readUIDExpunge()
	case "LOGIN":
		cmd.Args, err = p.readLogin()
	case "AUTHENTICATE":
		cmd.Args, err = p.readAuthenticate()
	case "ENABLE":
		cmd.Args, err = p.readEnable()
	case "ID":
		cmd.Args, err = p.readID()
	case "SELECT", "EXAMINE":
		cmd.Args, err = p.readSelect(cmd.Name == "EXAMINE")
	case "CREATE":
		cmd.Args, err = p.readCreate()
	case "DELETE", "SUBSCRIBE", "UNSUBSCRIBE":
		cmd.Args, err = p.readMailboxArg(cmd.Name)
	case "RENAME":
		cmd.Args, err = p.readRename()
	case "LIST":
		cmd.Args, err = p.readList()
	case "LSUB":
		cmd.Args, err = p.readLsub()
	case "STATUS":
		cmd.Args, err = p.readStatus()
	case "APPEND":
		cmd.Args, err = p.readAppend()
	case "REPLACE": // extensions_parse.go
		cmd.Args, err = p.readReplace()
	case "FETCH":
		cmd.Args, err = p.readFetch(cmd.UID)
	case "STORE":
		cmd.Args, err = p.readStore()
	case "COPY", "MOVE":
		cmd.Args, err = p.readCopy(cmd.Name)
	case "SEARCH":
		cmd.Args, err = p.readSearch()
	case "SORT": // sort_parse.go
		cmd.Args, err = p.readSort()
	case "THREAD": // thread_parse.go
		cmd.Args, err = p.readThread()
	case "CANCELUPDATE":
		cmd.Args, err = p.readCancelUpdate()
	case "COMPRESS":
		cmd.Args, err = p.readCompress()
	case "NOTIFY":
		cmd.Args, err = p.readNotify()
	case "UIDBATCHES": // uidbatches_parse.go
		cmd.Args, err = p.readUIDBatches()
	case "SETACL", "DELETEACL", "GETACL", "LISTRIGHTS", "MYRIGHTS": // acl_parse.go
		cmd.Args, err = p.readACL(cmd.Name)
	case "GETQUOTA": // quota_parse.go
		cmd.Args, err = p.readGetQuota()
	case "GETQUOTAROOT":
		cmd.Args, err = p.readGetQuotaRoot()
	case "SETQUOTA":
		cmd.Args, err = p.readSetQuota()
	case "GETMETADATA": // metadata_parse.go
		cmd.Args, err = p.readGetMetadata()
	case "SETMETADATA":
		cmd.Args, err = p.readSetMetadata()
	default:
		return badf("Unknown command %q", cmd.Name)
	}
	return err
}

// mailbox reads a mailbox name (astring) and normalises it.
func (p *Parser) mailbox() (string, error) {
	s, err := p.d.AString()
	if err != nil {
		return "", invalid(err, "Invalid mailbox name")
	}
	return p.mailboxName(s)
}

// mailboxName turns a mailbox name as sent into UTF-8: "INBOX" in any case
// is INBOX (RFC 9051 §5.1); IMAP4rev1 names are modified UTF-7 (RFC 3501
// §5.1.3), but a name that is not valid modified UTF-7 is kept as sent, as
// Dovecot does, if it is valid UTF-8.
func (p *Parser) mailboxName(s string) (string, error) {
	if wire.EqualFold(s, "INBOX") {
		return "INBOX", nil
	}
	if !p.UTF8 {
		if d, err := utf7.Decode(s); err == nil {
			if wire.EqualFold(d, "INBOX") {
				return "INBOX", nil
			}
			return d, nil
		}
	}
	if !utf8.ValidString(s) {
		return "", badf("Mailbox name is not valid UTF-8")
	}
	return s, nil
}

// pattern decodes a LIST reference or pattern like a mailbox name, except
// that INBOX is not normalised (wildcards are plain ASCII and survive).
func (p *Parser) pattern(s string) (string, error) {
	if !p.UTF8 {
		if d, err := utf7.Decode(s); err == nil {
			return d, nil
		}
	}
	if !utf8.ValidString(s) {
		return "", badf("Mailbox pattern is not valid UTF-8")
	}
	return s, nil
}

// set reads a sequence set.
func (p *Parser) set() (NumSet, error) {
	s, err := p.d.While(isSeqSetChar, "sequence set")
	if err != nil {
		return NumSet{}, expected(err, "Expected sequence set")
	}
	set, err := ParseNumSet(s)
	if err != nil {
		return NumSet{}, badf("Invalid sequence set: %q", s)
	}
	return set, nil
}

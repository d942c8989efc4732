package proto

import (
	"errors"
	"io"
	"strconv"
	"strings"

	"roost/internal/imap/wire"
)

// Parsing of the METADATA commands (RFC 5464 §5).

// MaxMetadataValue is the largest entry value SETMETADATA accepts (RFC 5464
// §4.1 requires at least 1024). A larger literal is refused unread with
// NO [METADATA MAXSIZE n] (§4.3).
const MaxMetadataValue = 64 << 10

// maxMetadataCommand bounds the values of one SETMETADATA together.
const maxMetadataCommand = 16 * MaxMetadataValue

// DepthInfinity is GetMetadata.Depth for "DEPTH infinity".
const DepthInfinity = -1

// GetMetadata is GETMETADATA [options] mailbox entries. Mailbox "" means
// the server's entries.
type GetMetadata struct {
	Mailbox string
	MaxSize int64 // MAXSIZE option; -1 if absent
	Depth   int   // DEPTH option: 0 (default), 1 or DepthInfinity
	Entries []string
}

// SetMetadata is SETMETADATA mailbox (entry value ...).
type SetMetadata struct {
	Mailbox string
	Entries []MetadataValue
}

// MetadataValue is one entry-value pair; Nil means the entry is removed.
type MetadataValue struct {
	Entry string // lower case
	Value []byte
	Nil   bool
}

// readGetMetadata accepts the options before the mailbox, as RFC 5464's
// ABNF has them, and after it, as its examples (and many clients) do.
func (p *Parser) readGetMetadata() (*GetMetadata, error) {
	if err := p.sp("GETMETADATA"); err != nil {
		return nil, err
	}
	cmd := &GetMetadata{MaxSize: -1}
	seenOptions := false
	if p.d.PeekIs('(') {
		if err := p.readMetadataOptions(cmd); err != nil {
			return nil, err
		}
		seenOptions = true
		if err := p.sp("options"); err != nil {
			return nil, err
		}
	}
	mbox, err := p.mailbox()
	if err != nil {
		return nil, err
	}
	cmd.Mailbox = mbox
	if err := p.sp("mailbox"); err != nil {
		return nil, err
	}
	// "(" followed by a letter is an option list; entries start with "/"
	// or a quote.
	if next := p.d.PeekN(2); !seenOptions && len(next) == 2 && next[0] == '(' && isLetter(next[1]) {
		if err := p.readMetadataOptions(cmd); err != nil {
			return nil, err
		}
		if err := p.sp("options"); err != nil {
			return nil, err
		}
	}
	entry := func() error {
		e, err := p.metadataEntry(false)
		if err == nil {
			cmd.Entries = append(cmd.Entries, e)
		}
		return err
	}
	if p.d.PeekIs('(') {
		err = p.d.List(entry)
		if err == nil && len(cmd.Entries) == 0 {
			err = badf("Empty entry list")
		}
	} else {
		err = entry()
	}
	if err != nil {
		return nil, invalid(err, "Invalid entries")
	}
	return cmd, p.end("GETMETADATA")
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// readMetadataOptions reads "(" option *(SP option) ")" (RFC 5464 §4.2.1,
// §4.2.2).
func (p *Parser) readMetadataOptions(cmd *GetMetadata) error {
	err := p.d.List(func() error {
		name, err := p.keyword("GETMETADATA option")
		if err != nil {
			return err
		}
		if err := p.sp(name); err != nil {
			return err
		}
		switch name {
		case "MAXSIZE":
			n, err := p.d.Number()
			if err != nil {
				return invalid(err, "Invalid MAXSIZE")
			}
			cmd.MaxSize = int64(n)
		case "DEPTH":
			v, err := p.d.Atom()
			if err != nil {
				return invalid(err, "Invalid DEPTH")
			}
			switch strings.ToLower(v) {
			case "0":
				cmd.Depth = 0
			case "1":
				cmd.Depth = 1
			case "infinity":
				cmd.Depth = DepthInfinity
			default:
				return badf("Invalid DEPTH %q (want 0, 1 or infinity)", v)
			}
		default:
			return badf("Unknown GETMETADATA option %q", name)
		}
		return nil
	})
	return invalid(err, "Invalid GETMETADATA options")
}

func (p *Parser) readSetMetadata() (*SetMetadata, error) {
	if err := p.sp("SETMETADATA"); err != nil {
		return nil, err
	}
	mbox, err := p.mailbox()
	if err != nil {
		return nil, err
	}
	if err := p.sp("mailbox"); err != nil {
		return nil, err
	}
	cmd := &SetMetadata{Mailbox: mbox}
	total := 0
	err = p.d.List(func() error {
		e, err := p.metadataEntry(true)
		if err != nil {
			return err
		}
		if err := p.sp("entry"); err != nil {
			return err
		}
		v, err := p.metadataValue()
		if err != nil {
			return err
		}
		if total += len(v.Value); total > maxMetadataCommand {
			return &Error{No: true, Code: "LIMIT", Text: "Too much metadata in one command"}
		}
		v.Entry = e
		cmd.Entries = append(cmd.Entries, v)
		return nil
	})
	if err == nil && len(cmd.Entries) == 0 {
		err = badf("Empty entry list")
	}
	if err != nil {
		return nil, invalid(err, "Invalid entry values")
	}
	return cmd, p.end("SETMETADATA")
}

// metadataEntry reads an entry name and checks it (RFC 5464 §3.2): it
// starts with /private or /shared, has no empty component, no "*", "%",
// control or non-ASCII characters. It is returned lower case. For
// SETMETADATA (set) it must name an entry below the scope, and vendor
// entries need a name below /vendor/<token> (§3.2).
func (p *Parser) metadataEntry(set bool) (string, error) {
	s, err := p.d.AString()
	if err != nil {
		return "", invalid(err, "Invalid entry name")
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '*' || c == '%' {
			return "", badf("Invalid character in entry name %q", s)
		}
	}
	s = strings.ToLower(s)
	parts := strings.Split(s, "/")
	switch {
	case len(parts) < 2 || parts[0] != "" || (parts[1] != "private" && parts[1] != "shared"):
		return "", badf("Entry name %q must start with /private or /shared", s)
	case strings.Contains(s, "//") || strings.HasSuffix(s, "/"):
		return "", badf("Empty component in entry name %q", s)
	case set && len(parts) < 3:
		return "", badf("Entry name %q names a whole scope", s)
	case set && parts[2] == "vendor" && len(parts) < 5:
		return "", badf("Vendor entry name %q needs a name below /vendor/<vendor-token>", s)
	}
	return s, nil
}

// metadataValue reads value = nstring / literal8 (RFC 5464 §5).
func (p *Parser) metadataValue() (MetadataValue, error) {
	b, err := p.d.Peek()
	if err != nil {
		return MetadataValue{}, err
	}
	switch {
	case b == '"':
		s, err := p.d.Quoted()
		return MetadataValue{Value: []byte(s)}, err
	case b == '{' || p.d.Literal8Next(): // "~foo" is an atom, not a value
		r, info, err := p.d.Literal(MaxMetadataValue, true)
		if err != nil {
			var le *wire.LimitError
			if errors.As(err, &le) && le.Literal {
				return MetadataValue{}, &Error{No: true, Code: "METADATA MAXSIZE " + strconv.Itoa(MaxMetadataValue),
					Text: "Metadata value too big"}
			}
			return MetadataValue{}, err
		}
		buf := make([]byte, info.Size)
		if _, err := io.ReadFull(r, buf); err != nil {
			return MetadataValue{}, err
		}
		return MetadataValue{Value: buf}, nil
	}
	a, err := p.d.Atom()
	if err != nil {
		return MetadataValue{}, invalid(err, "Expected value")
	}
	if !strings.EqualFold(a, "NIL") {
		return MetadataValue{}, badf("Expected string or NIL as value, found %q", a)
	}
	return MetadataValue{Nil: true}, nil
}

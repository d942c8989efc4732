package mime

// Part is one node of the MIME tree.
//
// Offsets are byte positions in the message as stored: the part's header is
// buf[HeaderStart:BodyStart] (including the blank line that ends it, if any)
// and its body is buf[BodyStart:BodyEnd]. The line break in front of a
// boundary delimiter belongs to the delimiter, not to the part (RFC 2046
// §5.1.1).
//
// String fields keep the bytes of the header as they were (original case,
// no decoding), because BODYSTRUCTURE shows them that way. Whether a field
// was present at all (IMAP NIL versus a string) is recorded in Has.
type Part struct {
	HeaderStart int64
	BodyStart   int64
	BodyEnd     int64
	// Lines is the number of LF bytes in the body (body-fld-lines).
	Lines int64

	// Has says which optional header fields were present.
	Has Presence

	// Type and Subtype of Content-Type in their original case. When the
	// header is absent (or not MIME), both are empty and the effective type
	// is the default (text/plain, or message/rfc822 inside
	// multipart/digest): see MediaType.
	Type    string
	Subtype string
	Params  []Param

	ID          string
	Description string
	Encoding    string // Content-Transfer-Encoding as written
	MD5         string
	Location    string

	Disposition       string
	DispositionParams []Param
	Language          []string

	// Children are the body parts of a multipart.
	Children []*Part
	// Message is the encapsulated message of a message/rfc822 part (nil
	// if the part is not one, or its body was not parsed as a message,
	// e.g. because it is base64-encoded). Its header is the encapsulated
	// message's header and its Envelope is set.
	Message *Part
	// Envelope is set on the root part and on every Message part.
	Envelope *Envelope

	// Flags are parser findings that matter for output.
	Flags PartFlags
	// Transfer is how BINARY decodes the body. It follows the last
	// Content-Transfer-Encoding field and only its leading token, as
	// Dovecot's decoder does, so it can differ from Encoding (the first
	// field, which must be a lone token to count).
	Transfer TransferEncoding
}

// TransferEncoding classifies a Content-Transfer-Encoding for decoding
// (RFC 2045 §6.1, RFC 3516).
type TransferEncoding uint8

// Transfer encodings.
const (
	// TransferIdentity: no CTE, 7bit, 8bit or binary.
	TransferIdentity TransferEncoding = iota
	TransferBase64
	TransferQuotedPrintable
	// TransferUnknown: a CTE the server cannot decode.
	TransferUnknown
)

// Presence is a bit set of optional header fields that were present.
type Presence uint16

// Presence bits.
const (
	HasContentType Presence = 1 << iota
	HasID
	HasDescription
	HasEncoding
	HasMD5
	HasLocation
	HasDisposition
	HasLanguage
	HasBoundary // a multipart with a usable boundary parameter
)

// PartFlags record how the parser treated a part.
type PartFlags uint8

// Part flags.
const (
	// FlagMultipart: the part was parsed as a multipart (Children valid).
	FlagMultipart PartFlags = 1 << iota
	// FlagMessage: the part is message/rfc822 (Message may be nil when
	// its body could not be parsed as a message).
	FlagMessage
	// FlagText: the effective type is text/*.
	FlagText
	// FlagHasNUL: the part's header or body contains a NUL byte.
	FlagHasNUL
	// FlagDefaultRFC822: no Content-Type, inside multipart/digest.
	FlagDefaultRFC822
	// FlagNotMIME: a message header (top level or encapsulated) with
	// neither MIME-Version nor Content-Type. Its other Content-* fields
	// are recorded but are not MIME (RFC 2045 §4): BODYSTRUCTURE shows
	// the defaults, as Dovecot does. Decoding for BINARY and SEARCH still
	// follows Content-Transfer-Encoding, as Dovecot's decoders do.
	FlagNotMIME
)

// Param is one Content-Type or Content-Disposition parameter, name and
// value as written (quotes removed, RFC 2231 continuations joined but not
// decoded).
type Param struct {
	Name  string
	Value string
}

// Envelope holds the header fields that make up an IMAP ENVELOPE (RFC 9051
// §7.5.2), kept raw (not RFC 2047-decoded), as IMAP requires.
type Envelope struct {
	Has       EnvelopePresence
	Date      string
	Subject   string
	From      []Address
	Sender    []Address
	ReplyTo   []Address
	To        []Address
	Cc        []Address
	Bcc       []Address
	InReplyTo string
	MessageID string
}

// EnvelopePresence is a bit set of envelope fields that were present.
type EnvelopePresence uint16

// EnvelopePresence bits. Address lists are present when non-nil.
const (
	HasDate EnvelopePresence = 1 << iota
	HasSubject
	HasInReplyTo
	HasMessageID
	HasFrom
	HasSender
	HasReplyTo
	HasTo
	HasCc
	HasBcc
)

// Address is one element of an ENVELOPE address list. A group start has
// GroupStart set with Mailbox holding the group name; a group end has
// GroupEnd set. Strings absent in the source are recorded in Has.
type Address struct {
	Name    string
	Route   string
	Mailbox string
	Host    string
	Has     AddressPresence
}

// AddressPresence says which address fields are present (non-NIL).
type AddressPresence uint8

// AddressPresence bits.
const (
	AddrName AddressPresence = 1 << iota
	AddrRoute
	AddrMailbox
	AddrHost
)

// IsMultipart reports whether p was parsed as a multipart.
func (p *Part) IsMultipart() bool { return p.Flags&FlagMultipart != 0 }

// IsMessage reports whether p is a message/rfc822 part.
func (p *Part) IsMessage() bool { return p.Flags&FlagMessage != 0 }

// HeaderSize is the size of the part's header including its blank line.
func (p *Part) HeaderSize() int64 { return p.BodyStart - p.HeaderStart }

// BodySize is the size of the part's body.
func (p *Part) BodySize() int64 { return p.BodyEnd - p.BodyStart }

package proto

// FetchAttr names a FETCH data item.
type FetchAttr string

const (
	FetchFlags         FetchAttr = "FLAGS"
	FetchInternalDate  FetchAttr = "INTERNALDATE"
	FetchRFC822Size    FetchAttr = "RFC822.SIZE"
	FetchEnvelope      FetchAttr = "ENVELOPE"
	FetchBody          FetchAttr = "BODY" // the structure, no section
	FetchBodyStructure FetchAttr = "BODYSTRUCTURE"
	FetchUID           FetchAttr = "UID"
	FetchModSeq        FetchAttr = "MODSEQ"
	FetchRFC822        FetchAttr = "RFC822"        // = BODY[]
	FetchRFC822Header  FetchAttr = "RFC822.HEADER" // = BODY.PEEK[HEADER]
	FetchRFC822Text    FetchAttr = "RFC822.TEXT"   // = BODY[TEXT]
	FetchBodySection   FetchAttr = "BODY[]"        // BODY[...] / BODY.PEEK[...]
	FetchBinary        FetchAttr = "BINARY[]"      // BINARY[...] / BINARY.PEEK[...]
	FetchBinarySize    FetchAttr = "BINARY.SIZE[]"
)

// SectionSpecifier is the part of a body section after the part numbers.
type SectionSpecifier string

const (
	SectionAll             SectionSpecifier = ""
	SectionHeader          SectionSpecifier = "HEADER"
	SectionHeaderFields    SectionSpecifier = "HEADER.FIELDS"
	SectionHeaderFieldsNot SectionSpecifier = "HEADER.FIELDS.NOT"
	SectionText            SectionSpecifier = "TEXT"
	SectionMIME            SectionSpecifier = "MIME"
)

// Section is BODY[<Part>.<Specifier> (<Fields>)]<Partial>.
type Section struct {
	Part      []int            // part numbers, e.g. 1.2.3; empty: the whole message
	Specifier SectionSpecifier //
	Fields    []string         // for HEADER.FIELDS[.NOT], as the client sent them
	// Partial is <Offset.Count>; Count < 0 means no partial.
	Offset int64
	Count  int64
}

// FetchItem is one requested data item.
type FetchItem struct {
	Attr    FetchAttr
	Peek    bool     // BODY.PEEK / BINARY.PEEK: do not set \Seen
	Lazy    bool     // PREVIEW (LAZY), RFC 8970 §4.1
	Section *Section // for BODY[], BINARY[], BINARY.SIZE[]
}

// Fetch is FETCH/UID FETCH. The macros ALL, FAST and FULL are expanded by
// the parser. For UID FETCH the parser does not add UID; the server does.
type Fetch struct {
	Set   NumSet
	Items []FetchItem
	// Modifiers (RFC 4466), e.g. CHANGEDSINCE (RFC 7162); 0 if absent.
	ChangedSince uint64
	Vanished     bool
	// Partial is the PARTIAL modifier of UID FETCH (RFC 9394 §3.3), nil
	// if absent.
	Partial *PartialRange
}

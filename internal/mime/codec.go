package mime

import (
	"encoding/binary"
	"errors"
	"time"
)

// Storage encoding of a Message. It is a hand-written binary format because
// FETCH decodes it for every message it answers (up to 100,000 at a time):
// varints for numbers, length-prefixed strings, the tree depth-first. The
// decoder turns the input into one string once and slices every string
// field out of it, so a decode costs a handful of allocations.
//
// Layout (all integers uvarint unless said otherwise):
//
//	version(byte=1) dateFlag(byte) [unixSec(varint) zoneOffsetSec(varint)]
//	nHeaders {name value} bodyText part
//	part = headerStart bodyStart-headerStart bodyEnd-bodyStart lines has flags(byte) transfer(byte)
//	       type subtype params id description encoding md5 location
//	       disposition dispositionParams nLanguage {language}
//	       nChildren {part} hasMessage(byte) [part] hasEnvelope(byte) [envelope]
//	params = n {name value}
//	envelope = has date subject from sender replyTo to cc bcc inReplyTo messageID
//	addresses = n {has name route mailbox host}
const codecVersion = 1

// maxDecodeDepth bounds recursion when decoding untrusted bytes.
const maxDecodeDepth = 2*maxNesting + 8

var errCorrupt = errors.New("mime: corrupt encoded message")

type encoder struct{ b []byte }

func (e *encoder) uint(v uint64) { e.b = binary.AppendUvarint(e.b, v) }
func (e *encoder) int(v int64)   { e.b = binary.AppendVarint(e.b, v) }
func (e *encoder) byte(v byte)   { e.b = append(e.b, v) }
func (e *encoder) str(s string)  { e.uint(uint64(len(s))); e.b = append(e.b, s...) }
func (e *encoder) bool(v bool)   { e.byte(boolByte(v)) }
func (e *encoder) params(p []Param) {
	e.uint(uint64(len(p)))
	for _, x := range p {
		e.str(x.Name)
		e.str(x.Value)
	}
}

func boolByte(v bool) byte {
	if v {
		return 1
	}
	return 0
}

// Marshal encodes m compactly for storage; Unmarshal is its inverse.
func Marshal(m *Message) ([]byte, error) {
	if m == nil || m.Root == nil {
		return nil, errors.New("mime.Marshal: nil message")
	}
	e := encoder{b: make([]byte, 0, 256+len(m.BodyText))}
	e.byte(codecVersion)
	if m.Date.IsZero() {
		e.byte(0)
	} else {
		e.byte(1)
		_, off := m.Date.Zone()
		e.int(m.Date.Unix())
		e.int(int64(off))
	}
	e.uint(uint64(len(m.Headers)))
	for _, f := range m.Headers {
		e.str(f.Name)
		e.str(f.Value)
	}
	e.str(m.BodyText)
	e.part(m.Root)
	return e.b, nil
}

func (e *encoder) part(p *Part) {
	e.uint(uint64(p.HeaderStart))
	e.uint(uint64(p.BodyStart - p.HeaderStart))
	e.uint(uint64(p.BodyEnd - p.BodyStart))
	e.uint(uint64(p.Lines))
	e.uint(uint64(p.Has))
	e.byte(byte(p.Flags))
	e.byte(byte(p.Transfer))
	e.str(p.Type)
	e.str(p.Subtype)
	e.params(p.Params)
	e.str(p.ID)
	e.str(p.Description)
	e.str(p.Encoding)
	e.str(p.MD5)
	e.str(p.Location)
	e.str(p.Disposition)
	e.params(p.DispositionParams)
	e.uint(uint64(len(p.Language)))
	for _, l := range p.Language {
		e.str(l)
	}
	e.uint(uint64(len(p.Children)))
	for _, c := range p.Children {
		e.part(c)
	}
	e.bool(p.Message != nil)
	if p.Message != nil {
		e.part(p.Message)
	}
	e.bool(p.Envelope != nil)
	if p.Envelope != nil {
		e.envelope(p.Envelope)
	}
}

func (e *encoder) envelope(v *Envelope) {
	e.uint(uint64(v.Has))
	e.str(v.Date)
	e.str(v.Subject)
	for _, l := range [...][]Address{v.From, v.Sender, v.ReplyTo, v.To, v.Cc, v.Bcc} {
		e.uint(uint64(len(l)))
		for _, a := range l {
			e.byte(byte(a.Has))
			e.str(a.Name)
			e.str(a.Route)
			e.str(a.Mailbox)
			e.str(a.Host)
		}
	}
	e.str(v.InReplyTo)
	e.str(v.MessageID)
}

// decoder reads the encoding; errors are sticky.
type decoder struct {
	s   string // the whole input, strings are sliced from it
	pos int
	err error
}

func (d *decoder) fail() {
	if d.err == nil {
		d.err = errCorrupt
	}
	d.pos = len(d.s)
}

func (d *decoder) uint() uint64 {
	var v uint64
	var shift uint
	for i := 0; i < binary.MaxVarintLen64; i++ {
		if d.pos >= len(d.s) {
			d.fail()
			return 0
		}
		c := d.s[d.pos]
		d.pos++
		v |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return v
		}
		shift += 7
	}
	d.fail()
	return 0
}

func (d *decoder) int() int64 {
	u := d.uint()
	v := int64(u >> 1)
	if u&1 != 0 {
		v = ^v
	}
	return v
}

func (d *decoder) byte() byte {
	if d.pos >= len(d.s) {
		d.fail()
		return 0
	}
	c := d.s[d.pos]
	d.pos++
	return c
}

func (d *decoder) str() string {
	n := d.uint()
	if n > uint64(len(d.s)-d.pos) {
		d.fail()
		return ""
	}
	s := d.s[d.pos : d.pos+int(n)]
	d.pos += int(n)
	return s
}

// count reads a list length, refusing lengths the remaining input cannot
// hold (each element takes at least min bytes).
func (d *decoder) count(min int) int {
	n := d.uint()
	if n > uint64((len(d.s)-d.pos)/min) {
		d.fail()
		return 0
	}
	return int(n)
}

func (d *decoder) params() []Param {
	n := d.count(2)
	if n == 0 {
		return nil
	}
	p := make([]Param, n)
	for i := range p {
		p[i].Name = d.str()
		p[i].Value = d.str()
	}
	return p
}

// Unmarshal decodes what Marshal produced.
func Unmarshal(b []byte) (*Message, error) {
	d := decoder{s: string(b)}
	if d.byte() != codecVersion {
		return nil, errCorrupt
	}
	m := &Message{}
	if d.byte() == 1 {
		sec := d.int()
		off := d.int()
		m.Date = time.Unix(sec, 0).In(time.FixedZone("", int(off)))
	}
	if n := d.count(2); n > 0 {
		m.Headers = make([]Field, n)
		for i := range m.Headers {
			m.Headers[i].Name = d.str()
			m.Headers[i].Value = d.str()
		}
	}
	m.BodyText = d.str()
	m.Root = d.part(0)
	if d.err != nil {
		return nil, d.err
	}
	return m, nil
}

func (d *decoder) part(depth int) *Part {
	if depth > maxDecodeDepth {
		d.fail()
		return &Part{}
	}
	p := &Part{}
	p.HeaderStart = int64(d.uint())
	p.BodyStart = p.HeaderStart + int64(d.uint())
	p.BodyEnd = p.BodyStart + int64(d.uint())
	p.Lines = int64(d.uint())
	p.Has = Presence(d.uint())
	p.Flags = PartFlags(d.byte())
	p.Transfer = TransferEncoding(d.byte())
	p.Type = d.str()
	p.Subtype = d.str()
	p.Params = d.params()
	p.ID = d.str()
	p.Description = d.str()
	p.Encoding = d.str()
	p.MD5 = d.str()
	p.Location = d.str()
	p.Disposition = d.str()
	p.DispositionParams = d.params()
	if n := d.count(1); n > 0 {
		p.Language = make([]string, n)
		for i := range p.Language {
			p.Language[i] = d.str()
		}
	}
	if n := d.count(8); n > 0 {
		p.Children = make([]*Part, n)
		for i := range p.Children {
			p.Children[i] = d.part(depth + 1)
		}
	}
	if d.byte() == 1 {
		p.Message = d.part(depth + 1)
	}
	if d.byte() == 1 {
		p.Envelope = d.envelope()
	}
	return p
}

func (d *decoder) envelope() *Envelope {
	v := &Envelope{}
	v.Has = EnvelopePresence(d.uint())
	v.Date = d.str()
	v.Subject = d.str()
	for _, l := range [...]*[]Address{&v.From, &v.Sender, &v.ReplyTo, &v.To, &v.Cc, &v.Bcc} {
		n := d.count(5)
		if n == 0 {
			continue
		}
		as := make([]Address, n)
		for i := range as {
			as[i].Has = AddressPresence(d.byte())
			as[i].Name = d.str()
			as[i].Route = d.str()
			as[i].Mailbox = d.str()
			as[i].Host = d.str()
		}
		*l = as
	}
	v.InReplyTo = d.str()
	v.MessageID = d.str()
	return v
}

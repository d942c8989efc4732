package proto

// UIDBatches is UIDBATCHES size [first:last]
// (draft-ietf-mailmaint-imap-uidbatches): the UID ranges that split the
// selected mailbox into batches of Size messages, newest first, optionally
// only batches First through Last (1-based).
type UIDBatches struct {
	Size uint32
	// First and Last select batches; both 0 when no range was given.
	First, Last uint32
}

// readUIDBatches reads SP nz-number [SP nz-number ":" nz-number].
func (p *Parser) readUIDBatches() (*UIDBatches, error) {
	if err := p.sp("UIDBATCHES"); err != nil {
		return nil, err
	}
	size, err := p.d.NZNumber()
	if err != nil {
		return nil, invalid(err, "Invalid batch size")
	}
	b := &UIDBatches{Size: size}
	if p.d.PeekIs(' ') {
		if err := p.sp("batch size"); err != nil {
			return nil, err
		}
		first, err := p.d.NZNumber()
		if err != nil {
			return nil, invalid(err, "Invalid batch range")
		}
		if err := p.d.Byte(':'); err != nil {
			return nil, expected(err, "Expected \":\" in batch range")
		}
		last, err := p.d.NZNumber()
		if err != nil {
			return nil, invalid(err, "Invalid batch range")
		}
		b.First, b.Last = min(first, last), max(first, last)
	}
	return b, p.end("UIDBATCHES")
}

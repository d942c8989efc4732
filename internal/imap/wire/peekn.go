package wire

// PeekN returns up to the next n bytes of command text without consuming
// them and without waiting for more input: only bytes already received
// are returned (at least one unless the input failed). It is for the rare
// places of the grammar that need more than one byte of look-ahead, such
// as telling "PREVIEW (LAZY)" (RFC 8970) from a FETCH modifier list. The
// bytes are only valid until the next read.
func (d *Decoder) PeekN(n int) []byte {
	if _, err := d.Peek(); err != nil {
		return nil
	}
	b, _ := d.r.Peek(min(n, d.r.Buffered()))
	return b
}

package mime

// buildEnvelope extracts the ENVELOPE fields (RFC 9051 §7.5.2) from a
// header. Repeated fields (which RFC 5322 §3.6 forbids) are handled as
// Dovecot does: the last Date/Subject/In-Reply-To/Message-ID wins, and
// the addresses of repeated address fields are all listed. Values are kept
// undecoded (RFC 2047 words stay as they are, as IMAP requires); Subject
// keeps its folding, which the renderer turns into single spaces, while
// Date, In-Reply-To and Message-ID only lose their line breaks.
func buildEnvelope(fields []rawField) *Envelope {
	e := &Envelope{}
	for _, f := range fields {
		n := f.name
		if len(n) < 2 {
			continue
		}
		switch n[0] | 0x20 {
		case 'd':
			if equalFold(n, "date") {
				e.Date, e.Has = string(removeLineBreaks(f.value)), e.Has|HasDate
			}
		case 's':
			if equalFold(n, "subject") {
				e.Subject, e.Has = string(f.value), e.Has|HasSubject
			} else if equalFold(n, "sender") {
				e.Sender, e.Has = appendAddresses(e.Sender, f.value), e.Has|HasSender
			}
		case 'f':
			if equalFold(n, "from") {
				e.From, e.Has = appendAddresses(e.From, f.value), e.Has|HasFrom
			}
		case 'r':
			if equalFold(n, "reply-to") {
				e.ReplyTo, e.Has = appendAddresses(e.ReplyTo, f.value), e.Has|HasReplyTo
			}
		case 't':
			if equalFold(n, "to") {
				e.To, e.Has = appendAddresses(e.To, f.value), e.Has|HasTo
			}
		case 'c':
			if equalFold(n, "cc") {
				e.Cc, e.Has = appendAddresses(e.Cc, f.value), e.Has|HasCc
			}
		case 'b':
			if equalFold(n, "bcc") {
				e.Bcc, e.Has = appendAddresses(e.Bcc, f.value), e.Has|HasBcc
			}
		case 'i':
			if equalFold(n, "in-reply-to") {
				e.InReplyTo, e.Has = string(removeLineBreaks(f.value)), e.Has|HasInReplyTo
			}
		case 'm':
			if equalFold(n, "message-id") {
				e.MessageID, e.Has = string(removeLineBreaks(f.value)), e.Has|HasMessageID
			}
		}
	}
	return e
}

// removeLineBreaks drops CR and LF bytes (folding) and keeps everything
// else, including the white space that followed each break.
func removeLineBreaks(b []byte) []byte {
	n := 0
	for _, c := range b {
		if c == '\r' || c == '\n' {
			n++
		}
	}
	if n == 0 {
		return b
	}
	out := make([]byte, 0, len(b)-n)
	for _, c := range b {
		if c != '\r' && c != '\n' {
			out = append(out, c)
		}
	}
	return out
}

// appendAddresses adds the addresses of one more header field to a list.
func appendAddresses(list []Address, value []byte) []Address {
	more := parseAddressList(value)
	if list == nil {
		return more
	}
	return append(list, more...)
}

package imapmime

import "roost/internal/mime"

// AppendEnvelope appends the ENVELOPE value "(date subject from sender
// reply-to to cc bcc in-reply-to message-id)" (RFC 9051 §7.5.2).
func AppendEnvelope(dst []byte, m *mime.Message, utf8 bool) []byte {
	if m == nil || m.Root == nil {
		return appendEnvelope(dst, nil, utf8)
	}
	return appendEnvelope(dst, m.Root.Envelope, utf8)
}

// nilEnvelope is what Dovecot shows for an encapsulated message it could not
// parse (e.g. a base64-encoded message/rfc822 part).
const nilEnvelope = "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)"

func appendEnvelope(dst []byte, e *mime.Envelope, utf8 bool) []byte {
	if e == nil {
		return append(dst, nilEnvelope...)
	}
	dst = append(dst, '(')
	dst = appendNString(dst, e.Date, e.Has&mime.HasDate != 0, utf8)
	dst = append(dst, ' ')
	dst = appendHumanString(dst, e.Subject, e.Has&mime.HasSubject != 0, utf8)
	dst = append(dst, ' ')
	dst = appendAddressList(dst, e.From, utf8)
	dst = append(dst, ' ')
	// RFC 9051 §7.5.2: Sender and Reply-To default to From.
	sender, replyTo := e.Sender, e.ReplyTo
	if sender == nil {
		sender = e.From
	}
	if replyTo == nil {
		replyTo = e.From
	}
	dst = appendAddressList(dst, sender, utf8)
	dst = append(dst, ' ')
	dst = appendAddressList(dst, replyTo, utf8)
	dst = append(dst, ' ')
	dst = appendAddressList(dst, e.To, utf8)
	dst = append(dst, ' ')
	dst = appendAddressList(dst, e.Cc, utf8)
	dst = append(dst, ' ')
	dst = appendAddressList(dst, e.Bcc, utf8)
	dst = append(dst, ' ')
	dst = appendNString(dst, e.InReplyTo, e.Has&mime.HasInReplyTo != 0, utf8)
	dst = append(dst, ' ')
	dst = appendNString(dst, e.MessageID, e.Has&mime.HasMessageID != 0, utf8)
	return append(dst, ')')
}

// appendAddressList appends "(" 1*address ")" or NIL. Group syntax
// (RFC 9051 §7.5.2): a group start is (NIL NIL name NIL), its end is
// (NIL NIL NIL NIL); the parser stored them that way.
func appendAddressList(dst []byte, list []mime.Address, utf8 bool) []byte {
	if len(list) == 0 {
		return append(dst, "NIL"...)
	}
	dst = append(dst, '(')
	for i := range list {
		a := &list[i]
		dst = append(dst, '(')
		dst = appendHumanString(dst, a.Name, a.Has&mime.AddrName != 0, utf8)
		dst = append(dst, ' ')
		dst = appendNString(dst, a.Route, a.Has&mime.AddrRoute != 0, utf8)
		dst = append(dst, ' ')
		dst = appendNString(dst, a.Mailbox, a.Has&mime.AddrMailbox != 0, utf8)
		dst = append(dst, ' ')
		dst = appendNString(dst, a.Host, a.Has&mime.AddrHost != 0, utf8)
		dst = append(dst, ')')
	}
	return append(dst, ')')
}

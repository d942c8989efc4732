// Package sortkeys derives from a parsed message the keys that SORT and
// THREAD (RFC 5256, RFC 5957) compare: base subject, first addresses,
// normalized Message-ID and references. The store computes them once, at
// Append (and when migrating older databases), and keeps them with the
// message; nothing here is IMAP syntax, so the store can use it.
package sortkeys

import (
	"strings"

	"roost/internal/mime"
	"roost/internal/store"
)

// Compute returns the sort keys of p, which needs Headers (for Subject,
// References, In-Reply-To and Message-ID), Root.Envelope (for the
// addresses) and Date. Missing parts give empty keys.
func Compute(p *mime.Message) *store.SortKeys {
	k := &store.SortKeys{}
	if p == nil {
		return k
	}
	if !p.Date.IsZero() {
		k.SentDate = p.Date.UTC()
	}
	var subject, references, inReplyTo, messageID string
	var hasRefs bool
	for _, f := range p.Headers {
		// The last field wins, as for ENVELOPE (mime.buildEnvelope).
		switch {
		case strings.EqualFold(f.Name, "Subject"):
			subject = f.Value
		case strings.EqualFold(f.Name, "References"):
			references, hasRefs = f.Value, true
		case strings.EqualFold(f.Name, "In-Reply-To"):
			inReplyTo = f.Value
		case strings.EqualFold(f.Name, "Message-ID"):
			messageID = f.Value
		}
	}
	base, reply := BaseSubject(subject)
	k.Subject, k.SubjectReply = Collate(base), reply
	k.MessageID = FirstMessageID(messageID)
	// RFC 5256 §3 REFERENCES: the IDs of References; without any valid
	// one, the first valid ID of In-Reply-To as the only reference.
	var refs []string
	if hasRefs {
		refs = MessageIDs(references)
	}
	if len(refs) == 0 {
		if id := FirstMessageID(inReplyTo); id != "" {
			refs = []string{id}
		}
	}
	if len(refs) > maxReferences {
		refs = refs[len(refs)-maxReferences:]
	}
	k.References = refs
	if p.Root != nil && p.Root.Envelope != nil {
		e := p.Root.Envelope
		from, to, cc := firstAddress(e.From), firstAddress(e.To), firstAddress(e.Cc)
		k.From, k.To, k.Cc = Collate(from.Mailbox), Collate(to.Mailbox), Collate(cc.Mailbox)
		k.DisplayFrom, k.DisplayTo = Collate(displayName(from)), Collate(displayName(to))
	}
	return k
}

// firstAddress returns the first address of an address list as ENVELOPE
// has it (RFC 5256 §3: "the first ... address"), zero if none. A list that
// starts with a group starts with the group's start marker, whose mailbox
// is the group name (RFC 9051 §7.5.2), so such a message sorts by the
// group name, as in Dovecot.
func firstAddress(list []mime.Address) mime.Address {
	if len(list) == 0 {
		return mime.Address{}
	}
	return list[0]
}

// displayName is the RFC 5957 display string of an address: its display
// name with RFC 2047 words decoded, or, if that is empty, its addr-spec;
// for a group start (no host), the group name.
func displayName(a mime.Address) string {
	if name := strings.TrimSpace(mime.DecodeHeader([]byte(a.Name))); name != "" {
		return name
	}
	if a.Mailbox == "" {
		return ""
	}
	if a.Has&mime.AddrHost == 0 {
		return a.Mailbox
	}
	return a.Mailbox + "@" + a.Host
}

package search

import (
	"strings"

	"roost/internal/mime"
)

// FROM, TO, CC and BCC (RFC 9051 §6.4.4: the field "contains the specified
// string") match the field's text and, as Dovecot does, each address the
// field holds: its addr-spec "mailbox@host" and its display name. So
// FROM "user@example.org" finds "From: <user (comment)@ example.org>",
// whose text does not contain that string. HEADER From is the text alone.

// addressFields are the fields whose search keys also match addresses.
var addressFields = [...]string{"From", "To", "Cc", "Bcc"}

// isAddressField reports whether name (any case) is one of addressFields.
func isAddressField(name string) bool {
	for _, f := range addressFields {
		if strings.EqualFold(name, f) {
			return true
		}
	}
	return false
}

// addressForms returns the folded forms besides the text that FROM, TO, CC
// and BCC compare with for one field whose decoded value is value (folded:
// folded): per address, "mailbox@host" and the display name, each only
// when it is there (group names and the parser's placeholders are not
// addresses) and not already part of the text, where any needle it
// contains would match anyway (the common "Name <user@host>" needs none).
// value is the decoded text (RFC 2047 undone), which is what the stored
// header fields hold; a decoded display name with a comma in it parses as
// two words, but its text still matches through the field's value.
func addressForms(fold func(string) string, value, folded string) []string {
	var forms []string
	add := func(form string) {
		if form = fold(form); !strings.Contains(folded, form) {
			forms = append(forms, form)
		}
	}
	for _, a := range mime.ParseAddressList([]byte(value)) {
		if a.Has&mime.AddrHost != 0 && a.Mailbox != "" && !mime.IsPlaceholder(a.Mailbox) && !mime.IsPlaceholder(a.Host) {
			add(a.Mailbox + "@" + a.Host)
		}
		if name := strings.TrimSpace(a.Name); name != "" {
			add(name)
		}
	}
	return forms
}

// address implements FROM, TO, CC and BCC on field: some field of that
// name has a value or an address form that contains value.
func (e *evaluator) address(field, value string) bool {
	p := e.m.Parsed
	if p == nil {
		return false
	}
	needle := e.fold(value)
	for i, f := range p.Headers {
		if !strings.EqualFold(f.Name, field) {
			continue
		}
		if strings.Contains(e.headerValue(i), needle) {
			return true
		}
		if e.addrForms == nil {
			e.addrForms = make(map[int][]string)
		}
		forms, done := e.addrForms[i]
		if !done {
			forms = addressForms(e.fold, f.Value, e.headerValue(i))
			e.addrForms[i] = forms
		}
		for _, form := range forms {
			if strings.Contains(form, needle) {
				return true
			}
		}
	}
	return false
}

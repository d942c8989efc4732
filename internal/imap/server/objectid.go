package server

import (
	"roost/internal/objectid"
	"roost/internal/store"
)

// mailboxIDCode is the MAILBOXID response code of RFC 8474 §4.1/§4.2,
// "MAILBOXID (id)", for CREATE's tagged OK and SELECT's untagged OK.
func mailboxIDCode(mb *store.Mailbox) string {
	return "MAILBOXID (" + objectid.MailboxID(mb.ID, mb.UIDValidity) + ")"
}

package server

import (
	"errors"
	"strings"

	"roost/internal/imap/proto"
	"roost/internal/store"
)

// statusError is a handler's failure that becomes the command's tagged
// response: "<tag> NO [Code] Text" or "<tag> BAD Text". Type "BYE" ends the
// session: "* BYE Text" is sent and the connection closed.
type statusError struct {
	Type string // "NO", "BAD" or "BYE"
	Code string // response code without brackets (e.g. "TRYCREATE"), or ""
	Text string
}

func (e *statusError) Error() string {
	var b strings.Builder
	b.WriteString(e.Type)
	if e.Code != "" {
		b.WriteString(" [")
		b.WriteString(e.Code)
		b.WriteString("]")
	}
	if e.Text != "" {
		b.WriteString(" ")
		b.WriteString(e.Text)
	}
	return b.String()
}

// errNo is a NO response with an optional response code (RFC 9051 §7.1).
func errNo(code, text string) error { return &statusError{Type: "NO", Code: code, Text: text} }

// errBad is a BAD response: the client sent something invalid.
func errBad(text string) error { return &statusError{Type: "BAD", Text: text} }

// errBye ends the session after sending "* BYE text".
func errBye(text string) error { return &statusError{Type: "BYE", Text: text} }

// errServerBug is the answer to an unexpected internal failure; the cause
// is logged, not shown to the client.
var errServerBug = &statusError{Type: "NO", Code: "SERVERBUG", Text: "Internal error occurred. Refer to server log for more information."}

// errNoSpace answers a write the store could not make for lack of disk
// space. RFC 5530 has no code for it: OVERQUOTA would blame the user's quota
// (and send them deleting mail that is not the cause), LIMIT means the
// request itself is too big, SERVERBUG that the server is broken.
// UNAVAILABLE ("temporary failure because a subsystem is down", §3) fits:
// the same command works again once space is freed (diskfull_test.go).
var errNoSpace = &statusError{Type: "NO", Code: "UNAVAILABLE", Text: "Not enough disk space on the server; try again later."}

// asStatusError converts err to the response it should produce. Parser
// errors keep their BAD/NO form; anything unexpected is reported as
// SERVERBUG (and logged by the caller, which sees ok == false).
func asStatusError(err error) (se *statusError, ok bool) {
	if errors.As(err, &se) {
		return se, true
	}
	var pe *proto.Error
	if errors.As(err, &pe) {
		return fromProtoError(pe), true
	}
	return errServerBug, false
}

// fromProtoError maps a parser error to its response (contract in
// proto.Error): Fatal ones end the session.
func fromProtoError(pe *proto.Error) *statusError {
	switch {
	case pe.Fatal:
		return &statusError{Type: "BYE", Text: pe.Text}
	case pe.No:
		return &statusError{Type: "NO", Code: pe.Code, Text: pe.Text}
	default:
		return &statusError{Type: "BAD", Code: pe.Code, Text: pe.Text}
	}
}

// storeError maps a store sentinel error to its IMAP response (RFC 5530
// response codes); other errors pass through and become SERVERBUG.
func storeError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrNoMailbox):
		return errNo("NONEXISTENT", "Mailbox doesn't exist.")
	case errors.Is(err, store.ErrMailboxExists):
		return errNo("ALREADYEXISTS", "Mailbox already exists.")
	case errors.Is(err, store.ErrHasChildren):
		return errNo("HASCHILDREN", "Mailbox has children, delete them first.")
	case errors.Is(err, store.ErrInvalidName):
		return errNo("CANNOT", "Invalid mailbox name.")
	case errors.Is(err, store.ErrNotSelectable):
		return errNo("CANNOT", "Mailbox isn't selectable.")
	case errors.Is(err, store.ErrInboxDelete):
		return errNo("CANNOT", "INBOX can't be deleted.")
	case errors.Is(err, store.ErrNoSpace):
		return errNoSpace
	case errors.Is(err, store.ErrTooLarge):
		return errNo("TOOBIG", "Message too large.")
	case errors.Is(err, store.ErrModified):
		return errNo("MODIFIED", "Message was modified.")
	case errors.Is(err, store.ErrOverQuota): // quota.go
		return errOverQuota
	}
	return err
}

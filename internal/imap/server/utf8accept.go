package server

// UTF8=ACCEPT (RFC 6855). Once enabled, mailbox names and quoted strings
// are UTF-8 both ways, exactly as in IMAP4rev2 mode (the parser's and
// encoder's UTF8 switches), and APPEND may carry UTF8 (~{n}) data.
// Header fields in ENVELOPE and BODYSTRUCTURE are always sent as stored,
// which RFC 6855 §3 allows once the client has enabled it.
//
// Deviation: RFC 6855 §4 says a server advertising UTF8=ACCEPT MUST
// refuse an APPEND with 8-bit header fields from a client that did not
// enable it. Roost accepts such messages, as before: real clients append
// raw 8-bit sent mail without enabling anything, and refusing it would
// lose their mail (see docs/compliance.md).

// errUTF8AppendNotEnabled answers UTF8 (~{n}) APPEND data from a client
// that did not enable UTF8=ACCEPT: the data item exists only for clients
// that did (RFC 6855 §4).
var errUTF8AppendNotEnabled = errBad("UTF8 APPEND data requires ENABLE UTF8=ACCEPT")

// enableUTF8Accept turns UTF8=ACCEPT on for "ENABLE UTF8=ACCEPT" (cap is
// upper case) and returns the name to list in ENABLED, or "" if cap is
// something else or was already enabled (RFC 5161 §3.1: ENABLED lists
// only what the command newly enabled).
func (s *session) enableUTF8Accept(cap string) string {
	if cap != "UTF8=ACCEPT" || s.utf8Accept {
		return ""
	}
	s.utf8Accept = true
	s.setUTF8(true)
	return "UTF8=ACCEPT"
}

// utf8SearchCharsetError is the answer to SEARCH CHARSET after ENABLE
// UTF8=ACCEPT: the client MUST NOT send one and the server SHOULD answer
// BAD (RFC 6855 §3); nil otherwise.
func (s *session) utf8SearchCharsetError(charset string) error {
	if s.utf8Accept && charset != "" {
		return errBad("SEARCH CHARSET is not allowed after ENABLE UTF8=ACCEPT")
	}
	return nil
}

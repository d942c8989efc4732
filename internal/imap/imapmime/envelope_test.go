package imapmime

import "testing"

// Addresses inside "<...>" are read as Dovecot 2.3.19 reads them: a local
// part, an optional "@domain", then ">"; no display name comes from inside
// the brackets, and on a syntax error what was read is kept with the host
// "SYNTAX_ERROR" (RFC 5322 §3.4 angle-addr, obsolete forms of §4.4). The
// other cases are the same parser's handling of broken dot-atoms, groups
// and lists.
func TestEnvelopeAngleAddresses(t *testing.T) {
	cases := []struct{ to, want string }{
		{"<Undisclosed-Recipient:@mailman.enron.com;>", `((NIL NIL "Undisclosed-Recipient" "SYNTAX_ERROR"))`},
		{"<Undisclosed Recipients>", `((NIL NIL "Undisclosed" "SYNTAX_ERROR"))`},
		{"<user-from (comment)@ (comment) domain.org>", `((NIL NIL "user-from" "domain.org"))`},
		{"Name (c) <user (comment) @ domain.org (more)>", `(("Name" NIL "user" "domain.org"))`},
		{"Name <>", `(("Name" NIL "MISSING_MAILBOX" "MISSING_DOMAIN"))`},
		{"<foo@bar", `((NIL NIL "foo" "SYNTAX_ERROR"))`},
		{"<foo", `((NIL NIL "foo" "SYNTAX_ERROR"))`},
		{"<foo@>", `((NIL NIL "foo" "SYNTAX_ERROR"))`},
		{"<@:x@y>", `((NIL "INVALID_ROUTE" "MISSING_MAILBOX" "SYNTAX_ERROR"))`},
		{"<@a.example,,@b.example:x@y>", `((NIL "@a.example,@b.example" "x" "y"))`},
		{`<""@x.example>`, `((NIL NIL "" "x.example"))`},
		// Parsing stops after the broken address, as Dovecot's does.
		{"a@b, <c d>, e@f", `((NIL NIL "a" "b")(NIL NIL "c" "SYNTAX_ERROR"))`},
		{"a@b, <c>, e@f", `((NIL NIL "a" "b")(NIL NIL "c" "MISSING_DOMAIN")(NIL NIL "e" "f"))`},
		// A dot needs an atom after it.
		{"a.@b.example", `((NIL NIL "MISSING_MAILBOX" "b.example"))`},
		{"a@b.example.", `((NIL NIL "a" "MISSING_DOMAIN"))`},
		// A broken mailbox does not end its group.
		{"team: a@b, c d, e@f;", `((NIL NIL "team" NIL)(NIL NIL "a" "b")("c d" NIL "MISSING_MAILBOX" "MISSING_DOMAIN")(NIL NIL "e" "f")(NIL NIL NIL NIL))`},
		// An unterminated comment after a comma is an empty address.
		{"a@b, (unterminated", `((NIL NIL "a" "b")(NIL NIL "MISSING_MAILBOX" "MISSING_DOMAIN"))`},
		// Outside brackets the comment is still the display name.
		{"user-from (comment)@ (comment) domain.org", `(("comment" NIL "user-from" "domain.org"))`},
	}
	for _, c := range cases {
		m := parseString(t, "To: "+c.to+"\r\n\r\n")
		env := string(AppendEnvelope(nil, m, false))
		want := `(NIL NIL NIL NIL NIL ` + c.want + ` NIL NIL NIL NIL)`
		if env != want {
			t.Errorf("To: %s\n got %s\nwant %s", c.to, env, want)
		}
	}
}

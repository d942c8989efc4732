package sortkeys

import (
	"slices"
	"testing"
	"time"

	"roost/internal/mime"
)

func TestBaseSubject(t *testing.T) {
	cases := []struct {
		in    string
		base  string
		reply bool
	}{
		{"", "", false},
		{"hello", "hello", false},
		{"  hello   world  ", "hello world", false},
		{"hello\t\r\n world", "hello world", false},
		{"Re: hello", "hello", true},
		{"RE: Re: re: hello", "hello", true},
		{"Fw: hello", "hello", true},
		{"FWD: hello", "hello", true},
		{"fwd : hello", "hello", true},
		{"Re[2]: hello", "hello", true},
		{"Re [list]: hello", "hello", true},
		{"[list] Re: hello", "hello", true},
		{"[list] hello", "hello", false},
		{"[list] [other] hello", "hello", false},
		{"[list]", "[list]", false},          // step 4: removing would leave nothing
		{"[list] [other]", "[other]", false}, // the last blob is the base
		{"Re: [list]", "[list]", true},
		{"hello (fwd)", "hello", true},
		{"hello (FWD) (fwd)  ", "hello", true},
		{"(fwd)", "", true},
		{"[Fwd: hello]", "hello", true},
		{"[fwd: Re: hello] (fwd)", "hello", true},
		{"Re: [Fwd: [list] hello]", "hello", true},
		{"[fwd: hello", "[fwd: hello", false},
		{"Rex: hello", "Rex: hello", false},
		{"Fw d: hello", "Fw d: hello", false},
		{"re:", "", true},
		{"Re: Re:", "", true},
		{"hello re: there", "hello re: there", false},
		{"[a]re:hello", "hello", true},
		{"Antw: Hallo", "Antw: Hallo", false}, // translations are not removed (RFC 5256 §7)
		{"Grüße [x]", "Grüße [x]", false},
	}
	for _, c := range cases {
		base, reply := BaseSubject(c.in)
		if base != c.base || reply != c.reply {
			t.Errorf("BaseSubject(%q) = %q, %v; want %q, %v", c.in, base, reply, c.base, c.reply)
		}
	}
}

func TestCollate(t *testing.T) {
	cases := []struct{ a, b string }{
		{"hello", "HELLO"},
		{"Grüße", "GRÜSSE"[:0] + "GRÜßE"},
		{"é", "e\u0301"}, // precomposed and decomposed
		{"ǆ", "ǅ"},       // titlecase of the dz digraph
	}
	for _, c := range cases {
		if Collate(c.a) != Collate(c.b) {
			t.Errorf("Collate(%q) = %q, Collate(%q) = %q; want equal", c.a, Collate(c.a), c.b, Collate(c.b))
		}
	}
	if got := Collate("abc_d"); got != "ABC_D" {
		t.Errorf("Collate(abc_d) = %q", got)
	}
	if !(Collate("apple") < Collate("Banana")) {
		t.Error("apple should collate before Banana")
	}
}

func TestMessageIDs(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"<a@b>", []string{"a@b"}},
		{` <"01KF8JCEOCBS0045PS"@xxx.yyy.com> `, []string{"01KF8JCEOCBS0045PS@xxx.yyy.com"}},
		{"<a@b> <c@d>\r\n <e@f>", []string{"a@b", "c@d", "e@f"}},
		{"<a@b> (comment <x@y>) <c@d>", []string{"a@b", "c@d"}},
		{"<a @ b>", []string{"a@b"}},
		{`<"a\"q"@b>`, []string{`a"q@b`}},
		{"<nohost>", nil},
		{"<a@b", nil},
		{"<a<b@c>", []string{"b@c"}},
		{"<a@b> from John at example", []string{"a@b"}},
		{"<>", nil},
		{`<"a b"@c>`, nil}, // white space inside a quoted ID cannot be stored
	}
	for _, c := range cases {
		if got := MessageIDs(c.in); !slices.Equal(got, c.want) {
			t.Errorf("MessageIDs(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestCompute(t *testing.T) {
	date := time.Date(2024, 5, 1, 10, 0, 0, 0, time.FixedZone("", -8*3600))
	m := mime.ParseBytes([]byte("Date: Wed, 01 May 2024 10:00:00 -0800\r\n" +
		"From: =?utf-8?q?J=C3=B6rg?= <joerg@example.de>, bob@example.com\r\n" +
		"To: list: ann@example.org, ben@example.org;, carl@example.org\r\n" +
		"Cc: <cc@example.net>\r\n" +
		"Subject: Re: [team] =?utf-8?q?Gr=C3=BC=C3=9Fe?= (fwd)\r\n" +
		"Message-ID: <\"id.1\"@example.de>\r\n" +
		"In-Reply-To: <parent@example.de>\r\n" +
		"References: <root@example.de>\r\n <parent@example.de>\r\n" +
		"\r\nbody\r\n"))
	k := Compute(m)
	if !k.SentDate.Equal(date) || k.SentDate.Location() != time.UTC {
		t.Errorf("SentDate = %v", k.SentDate)
	}
	want := map[string]string{
		"Subject":     Collate("Grüße"),
		"From":        "JOERG",
		"To":          "LIST", // a group: its name (the first ENVELOPE address)
		"Cc":          "CC",
		"DisplayFrom": Collate("Jörg"),
		"DisplayTo":   "LIST",
		"MessageID":   "id.1@example.de",
	}
	got := map[string]string{
		"Subject": k.Subject, "From": k.From, "To": k.To, "Cc": k.Cc,
		"DisplayFrom": k.DisplayFrom, "DisplayTo": k.DisplayTo, "MessageID": k.MessageID,
	}
	for f, w := range want {
		if got[f] != w {
			t.Errorf("%s = %q, want %q", f, got[f], w)
		}
	}
	if !k.SubjectReply {
		t.Error("SubjectReply = false")
	}
	if !slices.Equal(k.References, []string{"root@example.de", "parent@example.de"}) {
		t.Errorf("References = %q", k.References)
	}

	// Without References, the first ID of In-Reply-To; no Date, no keys.
	k = Compute(mime.ParseBytes([]byte("In-Reply-To: junk <p@x> <q@x>\r\nReferences: none\r\n\r\n")))
	if !slices.Equal(k.References, []string{"p@x"}) || !k.SentDate.IsZero() || k.Subject != "" || k.From != "" || k.MessageID != "" {
		t.Errorf("fallback keys = %+v", k)
	}
	// A list that starts with a group, even an empty one, sorts by the
	// group name (RFC 5256 §3, RFC 5957 §3.1; Dovecot does the same).
	k = Compute(mime.ParseBytes([]byte("From: empty:;\r\nTo: \"The Team\": a@b.example, c@d.example;\r\nCc: team: x@y.example;, z@w.example\r\n\r\n")))
	if k.From != "EMPTY" || k.DisplayFrom != "EMPTY" || k.To != Collate("The Team") || k.DisplayTo != Collate("The Team") || k.Cc != "TEAM" {
		t.Errorf("group keys = %+v", k)
	}
	if k := Compute(nil); k == nil || k.Subject != "" {
		t.Errorf("Compute(nil) = %+v", k)
	}
}

package proto

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"roost/internal/imap/wire"
)

func newTestParser(in string, opts wire.DecoderOptions) *Parser {
	return NewParser(wire.NewDecoder(strings.NewReader(in), opts))
}

// parseOne parses in (one command line, CRLF added) and checks that a NOOP
// after it still parses, so every case also tests resynchronisation.
func parseOne(t *testing.T, in string, utf8 bool) (*Command, error) {
	t.Helper()
	p := newTestParser(in+"\r\nz9 NOOP\r\n", wire.DecoderOptions{})
	p.UTF8 = utf8
	cmd, err := p.ReadCommand()
	next, nerr := p.ReadCommand()
	if nerr != nil || next.Tag != "z9" || next.Name != "NOOP" {
		t.Errorf("%q: command after it: %+v, %v", in, next, nerr)
	}
	return cmd, err
}

type cmdTest struct {
	in   string
	want *Command // nil: expect err
	err  string   // Error().Error()
}

func runCmdTests(t *testing.T, tests []cmdTest, utf8 bool) {
	t.Helper()
	for _, tt := range tests {
		cmd, err := parseOne(t, tt.in, utf8)
		if tt.want != nil {
			if err != nil {
				t.Errorf("%q: unexpected error %v", tt.in, err)
				continue
			}
			if d := cmp.Diff(tt.want, cmd); d != "" {
				t.Errorf("%q: (-want +got)\n%s", tt.in, d)
			}
			continue
		}
		var perr *Error
		if !errors.As(err, &perr) {
			t.Errorf("%q: got %+v, %v; want error %q", tt.in, cmd, err, tt.err)
			continue
		}
		if perr.Error() != tt.err {
			t.Errorf("%q: error %q, want %q", tt.in, perr.Error(), tt.err)
		}
	}
}

func TestSimpleCommands(t *testing.T) {
	var tests []cmdTest
	for _, name := range []string{"CAPABILITY", "NOOP", "LOGOUT", "STARTTLS", "CHECK", "CLOSE",
		"UNSELECT", "IDLE", "NAMESPACE", "UNAUTHENTICATE", "EXPUNGE"} {
		tests = append(tests,
			cmdTest{in: "a1 " + name, want: &Command{Tag: "a1", Name: name}},
			cmdTest{in: "a1 " + strings.ToLower(name), want: &Command{Tag: "a1", Name: name}},
			cmdTest{in: "a1 " + name + " x", err: "a1 BAD Too many arguments to " + name},
		)
	}
	tests = append(tests,
		cmdTest{in: "A.0]1 noop", want: &Command{Tag: "A.0]1", Name: "NOOP"}},
		cmdTest{in: "a1 FOO bar {5}", err: `a1 BAD Unknown command "FOO"`},
		cmdTest{in: "", err: "* BAD Empty command line"},
		cmdTest{in: "+ NOOP", err: "* BAD Missing or invalid tag"},
		cmdTest{in: "(a) NOOP", err: "* BAD Missing or invalid tag"},
		cmdTest{in: "a1", err: "a1 BAD Missing command"},
		cmdTest{in: "a+1 NOOP", err: "* BAD Invalid tag"},
		cmdTest{in: "a1  NOOP", err: `a1 BAD Invalid command name: expected atom, found SP`},
		cmdTest{in: "a1 NOOP(", err: "a1 BAD Expected end of line after NOOP arguments"},
		cmdTest{in: "a1 UID", err: "a1 BAD Expected SP after UID"},
		cmdTest{in: "a1 UID SELECT INBOX", err: `a1 BAD Invalid command after UID: "SELECT"`},
		cmdTest{in: "a1 UID EXPUNGE 1:3,5", want: &Command{Tag: "a1", Name: "EXPUNGE", UID: true,
			Args: &Expunge{Set: NumSet{Ranges: []Range{{1, 3}, {5, 5}}}}}},
		cmdTest{in: "a1 UID EXPUNGE", err: "a1 BAD Expected SP after EXPUNGE"},
	)
	runCmdTests(t, tests, false)
}

func TestAuthCommands(t *testing.T) {
	runCmdTests(t, []cmdTest{
		{in: `a LOGIN fred "fat man"`, want: &Command{Tag: "a", Name: "LOGIN", Args: &Login{"fred", "fat man"}}},
		{in: "a LOGIN {11+}\r\nFRED FOOBAR {7+}\r\nfat man", want: &Command{Tag: "a", Name: "LOGIN", Args: &Login{"FRED FOOBAR", "fat man"}}},
		{in: `a LOGIN "a\"b" p]w`, want: &Command{Tag: "a", Name: "LOGIN", Args: &Login{`a"b`, "p]w"}}},
		{in: `a LOGIN fred`, err: "a BAD Expected SP after user name"},
		{in: `a LOGIN fred "x\y"`, err: `a BAD Invalid password: invalid escape "y" in quoted string`},
		{in: `a LOGIN fred pw extra`, err: "a BAD Too many arguments to LOGIN"},
		{in: "a AUTHENTICATE plain", want: &Command{Tag: "a", Name: "AUTHENTICATE", Args: &Authenticate{Mechanism: "PLAIN"}}},
		{in: "a AUTHENTICATE PLAIN AGZyZWQAcHc=", want: &Command{Tag: "a", Name: "AUTHENTICATE",
			Args: &Authenticate{Mechanism: "PLAIN", HasInitial: true, Initial: []byte("\x00fred\x00pw")}}},
		{in: "a AUTHENTICATE EXTERNAL =", want: &Command{Tag: "a", Name: "AUTHENTICATE",
			Args: &Authenticate{Mechanism: "EXTERNAL", HasInitial: true, Initial: []byte{}}}},
		{in: "a AUTHENTICATE PLAIN AGZyZWQAcHc", err: "a BAD Invalid base64 in initial response"},
		{in: "a AUTHENTICATE PLAIN ***", err: `a BAD Invalid initial response: expected initial response, found "*"`},
		{in: "a ENABLE CONDSTORE utf8=accept", want: &Command{Tag: "a", Name: "ENABLE", Args: &Enable{Caps: []string{"CONDSTORE", "UTF8=ACCEPT"}}}},
		{in: "a ENABLE", err: "a BAD Expected SP after ENABLE"},
		{in: `a ID ("name" "Thunderbird" "version" "115.0" "os" NIL)`, want: &Command{Tag: "a", Name: "ID",
			Args: &ID{Params: map[string]string{"name": "Thunderbird", "version": "115.0", "os": ""}}}},
		{in: `a ID nil`, want: &Command{Tag: "a", Name: "ID", Args: &ID{}}},
		{in: `a ID ()`, want: &Command{Tag: "a", Name: "ID", Args: &ID{Params: map[string]string{}}}},
		{in: `a ID name`, err: "a BAD Expected parameter list or NIL after ID"},
		{in: `a ID ("name")`, err: "a BAD Expected SP after ID field name"},
	}, false)
}

func TestMailboxCommands(t *testing.T) {
	runCmdTests(t, []cmdTest{
		{in: "a SELECT inbox", want: &Command{Tag: "a", Name: "SELECT", Args: &Select{Mailbox: "INBOX"}}},
		{in: `a EXAMINE "Entw&APw-rfe"`, want: &Command{Tag: "a", Name: "EXAMINE", Args: &Select{Mailbox: "Entwürfe", ReadOnly: true}}},
		{in: "a SELECT &AGE-&AGI-", want: &Command{Tag: "a", Name: "SELECT", Args: &Select{Mailbox: "&AGE-&AGI-"}}},
		{in: "a SELECT \"Entw\xc3\xbcrfe\"", want: &Command{Tag: "a", Name: "SELECT", Args: &Select{Mailbox: "Entwürfe"}}},
		{in: "a SELECT \"bad\xff\"", err: "a BAD Mailbox name is not valid UTF-8"},
		{in: "a SELECT INBOX (CONDSTORE)", want: &Command{Tag: "a", Name: "SELECT", Args: &Select{Mailbox: "INBOX", CondStore: true}}},
		{in: "a SELECT INBOX (QRESYNC (67890007 20050715194045000 41,43:211,214:541))", want: &Command{Tag: "a", Name: "SELECT",
			Args: &Select{Mailbox: "INBOX", QResync: &QResyncParam{UIDValidity: 67890007, ModSeq: 20050715194045000,
				KnownUIDs: NumSet{Ranges: []Range{{41, 41}, {43, 211}, {214, 541}}}}}}},
		{in: "a SELECT INBOX (QRESYNC (67890007 90060115194045000 1:29997 (5000,7500,9000,9990:9999 15000,22500,27000,29970,29973,29976:29999)))", want: &Command{Tag: "a", Name: "SELECT",
			Args: &Select{Mailbox: "INBOX", QResync: &QResyncParam{UIDValidity: 67890007, ModSeq: 90060115194045000,
				KnownUIDs: NumSet{Ranges: []Range{{1, 29997}}},
				SeqMatch: &[2]NumSet{{Ranges: []Range{{5000, 5000}, {7500, 7500}, {9000, 9000}, {9990, 9999}}},
					{Ranges: []Range{{15000, 15000}, {22500, 22500}, {27000, 27000}, {29970, 29970}, {29973, 29973}, {29976, 29999}}}}}}}},
		{in: "a SELECT INBOX (QRESYNC (1 2))", want: &Command{Tag: "a", Name: "SELECT",
			Args: &Select{Mailbox: "INBOX", QResync: &QResyncParam{UIDValidity: 1, ModSeq: 2}}}},
		{in: "a SELECT INBOX (QRESYNC (0 2))", err: "a BAD Invalid QRESYNC UIDVALIDITY: expected a non-zero number"},
		{in: "a SELECT INBOX (FOO)", err: `a BAD Unknown SELECT parameter "FOO"`},
		{in: "a SELECT", err: "a BAD Expected SP after command"},
		{in: "a SELECT INBOX x", err: `a BAD Invalid SELECT parameters: expected "(", found "x"`},
		{in: "a CREATE foo/bar", want: &Command{Tag: "a", Name: "CREATE", Args: &Create{Mailbox: "foo/bar"}}},
		{in: `a CREATE Drafts (USE (\drafts \Foo))`, want: &Command{Tag: "a", Name: "CREATE",
			Args: &Create{Mailbox: "Drafts", SpecialUse: []string{`\Drafts`, `\Foo`}}}},
		{in: `a CREATE Drafts (SIZE 5)`, err: `a BAD Unknown CREATE parameter "SIZE"`},
		{in: "a DELETE {3}\r\nfoo", want: &Command{Tag: "a", Name: "DELETE", Args: &Mailbox{Name: "foo"}}},
		{in: "a SUBSCRIBE \"a b\"", want: &Command{Tag: "a", Name: "SUBSCRIBE", Args: &Mailbox{Name: "a b"}}},
		{in: "a UNSUBSCRIBE INBOX.x", want: &Command{Tag: "a", Name: "UNSUBSCRIBE", Args: &Mailbox{Name: "INBOX.x"}}},
		{in: "a RENAME old &ZeVnLIqe-", want: &Command{Tag: "a", Name: "RENAME", Args: &Rename{From: "old", To: "日本語"}}},
		{in: "a RENAME old", err: "a BAD Expected SP after mailbox"},
		{in: "a STATUS INBOX (messages uidnext UIDVALIDITY UNSEEN DELETED SIZE RECENT HIGHESTMODSEQ APPENDLIMIT messages)", want: &Command{Tag: "a", Name: "STATUS",
			Args: &Status{Mailbox: "INBOX", Items: []string{"MESSAGES", "UIDNEXT", "UIDVALIDITY", "UNSEEN", "DELETED", "SIZE", "RECENT", "HIGHESTMODSEQ", "APPENDLIMIT"}}}},
		{in: "a STATUS INBOX (FOO)", err: `a BAD Unknown status item "FOO"`},
		{in: "a STATUS INBOX ()", err: "a BAD Empty status item list"},
		{in: "a STATUS INBOX MESSAGES", err: `a BAD Invalid status items: expected "(", found "M"`},
	}, false)
}

func TestMailboxNamesUTF8(t *testing.T) {
	runCmdTests(t, []cmdTest{
		{in: "a SELECT Entw&APw-rfe", want: &Command{Tag: "a", Name: "SELECT", Args: &Select{Mailbox: "Entw&APw-rfe"}}},
		{in: "a SELECT \"日本語\"", want: &Command{Tag: "a", Name: "SELECT", Args: &Select{Mailbox: "日本語"}}},
		{in: "a SELECT \"\xff\"", err: "a BAD Mailbox name is not valid UTF-8"},
		{in: "a SELECT iNbOx", want: &Command{Tag: "a", Name: "SELECT", Args: &Select{Mailbox: "INBOX"}}},
	}, true)
}

func TestList(t *testing.T) {
	list := func(l *List) *Command { return &Command{Tag: "a", Name: "LIST", Args: l} }
	runCmdTests(t, []cmdTest{
		{in: `a LIST "" *`, want: list(&List{Patterns: []string{"*"}})},
		{in: `a LIST "" ""`, want: list(&List{Patterns: []string{""}})},
		{in: `a LIST ~/Mail/ %/&AOk-]`, want: list(&List{Reference: "~/Mail/", Patterns: []string{"%/é]"}})},
		{in: `a LIST (SUBSCRIBED RECURSIVEMATCH subscribed) "" (INBOX "Sent*")`, want: list(&List{
			Select: []string{"SUBSCRIBED", "RECURSIVEMATCH"}, Patterns: []string{"INBOX", "Sent*"}, Extended: true})},
		{in: `a LIST () "" % RETURN (CHILDREN SUBSCRIBED SPECIAL-USE STATUS (MESSAGES UNSEEN))`, want: list(&List{
			Select: []string{}, Patterns: []string{"%"}, Extended: true, ReturnChildren: true, ReturnSubscribed: true,
			ReturnSpecialUse: true, ReturnStatus: []string{"MESSAGES", "UNSEEN"}})},
		{in: `a LIST "" % RETURN ()`, want: list(&List{Patterns: []string{"%"}, Extended: true})},
		{in: `a LIST (RECURSIVEMATCH) "" %`, err: "a BAD RECURSIVEMATCH requires another selection option"},
		{in: `a LIST (FOO) "" %`, err: `a BAD Unknown LIST selection option "FOO"`},
		{in: `a LIST "" % RETURN (MYRIGHTS)`, err: `a BAD Unknown LIST return option "MYRIGHTS"`},
		{in: `a LIST "" % FOO`, err: `a BAD Expected RETURN after mailbox pattern`},
		{in: `a LIST "" ()`, err: `a BAD Empty LIST pattern list`},
		{in: `a LIST ""`, err: `a BAD Expected SP after reference name`},
		{in: `a LSUB "" *`, want: &Command{Tag: "a", Name: "LSUB", Args: &List{LSUB: true, Patterns: []string{"*"}}}},
		{in: `a LSUB "" (a)`, err: `a BAD Invalid mailbox pattern: expected mailbox pattern, found "("`},
	}, false)
}

func TestSeqSets(t *testing.T) {
	tests := []struct {
		in   string
		want NumSet
		err  bool
	}{
		{"1", NumSet{Ranges: []Range{{1, 1}}}, false},
		{"*", NumSet{Ranges: []Range{{Star, Star}}}, false},
		{"1:*", NumSet{Ranges: []Range{{1, Star}}}, false},
		{"*:4", NumSet{Ranges: []Range{{Star, 4}}}, false},
		{"5:2,7,9:*", NumSet{Ranges: []Range{{5, 2}, {7, 7}, {9, Star}}}, false},
		{"$", NumSet{Dollar: true}, false},
		// The largest number is a number, not "*" (RFC 9051 §9).
		{"4294967295", NumSet{Ranges: []Range{{4294967295, 4294967295}}}, false},
		{"3:4294967295", NumSet{Ranges: []Range{{3, 4294967295}}}, false},
		{"4294967295:*", NumSet{Ranges: []Range{{4294967295, Star}}}, false},
		{"0", NumSet{}, true},
		{"1:0", NumSet{}, true},
		{"1,", NumSet{}, true},
		{",1", NumSet{}, true},
		{"1::2", NumSet{}, true},
		{"1:2:3", NumSet{}, true},
		{"$,1", NumSet{}, true},
		{"1$", NumSet{}, true},
		{"4294967296", NumSet{}, true},
		{"", NumSet{}, true},
	}
	for _, tt := range tests {
		got, err := ParseNumSet(tt.in)
		if (err != nil) != tt.err || !cmp.Equal(got, tt.want) {
			t.Errorf("ParseNumSet(%q) = %+v, %v", tt.in, got, err)
		}
		if err == nil && got.String() != tt.in {
			t.Errorf("String() = %q, want %q", got.String(), tt.in)
		}
	}
	runCmdTests(t, []cmdTest{
		{in: "a COPY 0 x", err: `a BAD Invalid sequence set: "0"`},
		{in: "a COPY 1:0,3 x", err: `a BAD Invalid sequence set: "1:0,3"`},
		{in: "a COPY x y", err: `a BAD Expected sequence set`},
		{in: "a COPY $ Trash", want: &Command{Tag: "a", Name: "COPY", Args: &Copy{Set: NumSet{Dollar: true}, Mailbox: "Trash"}}},
		{in: "a UID MOVE 1:* Trash", want: &Command{Tag: "a", Name: "MOVE", UID: true, Args: &Copy{Set: NumSet{Ranges: []Range{{1, Star}}}, Mailbox: "Trash"}}},
		{in: "a MOVE 1", err: `a BAD Expected SP after sequence set`},
	}, false)
}

func TestStore(t *testing.T) {
	store := func(s *Store) *Command { return &Command{Tag: "a", Name: "STORE", Args: s} }
	one := NumSet{Ranges: []Range{{1, 1}}}
	runCmdTests(t, []cmdTest{
		{in: `a STORE 1 FLAGS (\seen \ANSWERED \Flagged \deleted \draft $Forwarded foo)`, want: store(&Store{Set: one, Op: StoreSet,
			Flags: []string{`\Seen`, `\Answered`, `\Flagged`, `\Deleted`, `\Draft`, "$Forwarded", "foo"}})},
		{in: `a STORE 1 +flags.silent \Seen`, want: store(&Store{Set: one, Op: StoreAdd, Silent: true, Flags: []string{`\Seen`}})},
		{in: `a STORE 1 -FLAGS \Seen $Junk \seen`, want: store(&Store{Set: one, Op: StoreRemove, Flags: []string{`\Seen`, "$Junk"}})},
		{in: `a STORE 1 FLAGS ()`, want: store(&Store{Set: one, Op: StoreSet, Flags: []string{}})},
		{in: `a UID STORE 1 (UNCHANGEDSINCE 0) +FLAGS (\Deleted)`, want: &Command{Tag: "a", Name: "STORE", UID: true,
			Args: &Store{Set: one, Op: StoreAdd, Flags: []string{`\Deleted`}, HasUnchanged: true}}},
		{in: `a STORE 1 (UNCHANGEDSINCE 12345) FLAGS.SILENT (\Recent)`, want: store(&Store{Set: one, Op: StoreSet, Silent: true,
			Flags: []string{`\Recent`}, UnchangedSince: 12345, HasUnchanged: true})},
		{in: `a STORE 1 FLAGS (\Foo)`, err: `a BAD Unknown system flag "\\Foo"`},
		{in: `a STORE 1 FLAGS \*`, err: `a BAD Invalid flag: expected atom, found "*"`},
		{in: `a STORE 1 FLAGS`, err: `a BAD Expected SP after FLAGS`},
		{in: `a STORE 1 FLAG (\Seen)`, err: `a BAD Invalid STORE data item "FLAG"`},
		{in: `a STORE 1 (FOO 1) FLAGS (\Seen)`, err: `a BAD Unknown STORE modifier "FOO"`},
		{in: `a STORE 1 FLAGS (a]`, err: `a BAD Invalid flag list: expected SP or ")" in list, found "]"`},
	}, false)
}

// TestTildeAtoms: "~" starts a literal8 only when "{" follows (RFC 3516
// §4.2: literal8 = "~{" number64 "}" CRLF *OCTET); otherwise it is an
// ATOM-CHAR and "~foo" an atom wherever an atom or astring may stand.
func TestTildeAtoms(t *testing.T) {
	cmd := func(name string, args any) *Command { return &Command{Tag: "a", Name: name, Args: args} }
	runCmdTests(t, []cmdTest{
		{in: `a LIST "" ~foo`, want: cmd("LIST", &List{Patterns: []string{"~foo"}})},
		{in: `a LIST ~ ~`, want: cmd("LIST", &List{Reference: "~", Patterns: []string{"~"}})},
		{in: `a LIST "" (~foo ~bar/%)`, want: cmd("LIST", &List{Patterns: []string{"~foo", "~bar/%"}, Extended: true})},
		{in: `a LSUB ~ref ~*`, want: cmd("LSUB", &List{LSUB: true, Reference: "~ref", Patterns: []string{"~*"}})},
		{in: `a CREATE ~foo`, want: cmd("CREATE", &Create{Mailbox: "~foo"})},
		{in: `a SELECT ~foo`, want: cmd("SELECT", &Select{Mailbox: "~foo"})},
		{in: `a STATUS ~foo (MESSAGES)`, want: cmd("STATUS", &Status{Mailbox: "~foo", Items: []string{"MESSAGES"}})},
		{in: `a STORE 1 +FLAGS (~foo)`, want: cmd("STORE", &Store{Set: NumSet{Ranges: []Range{{1, 1}}}, Op: StoreAdd, Flags: []string{"~foo"}})},
		{in: `a SEARCH SUBJECT ~foo KEYWORD ~k`, want: cmd("SEARCH", &Search{Keys: []SearchKey{
			{Op: SearchSubject, Value: "~foo"}, {Op: SearchKeyword, Value: "~k"}}})},
		{in: `a SETMETADATA INBOX (/private/comment ~foo)`, err: `a BAD Expected string or NIL as value, found "~foo"`},
		// A real literal8 stays refused where only a string may stand.
		{in: "a LIST \"\" ~{3+}\r\nabc", err: "a BAD Invalid mailbox pattern: literal8 not allowed here"},
		{in: "a CREATE ~{3+}\r\nabc", err: "a BAD Invalid mailbox name: literal8 not allowed here"},
		{in: "a SEARCH SUBJECT ~{3+}\r\nabc", err: "a BAD Invalid SUBJECT string: literal8 not allowed here"},
	}, false)
}

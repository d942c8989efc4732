package server

import (
	"strings"
	"testing"

	"roost/internal/store"
)

const (
	flagsSystem = `* FLAGS (\Answered \Flagged \Deleted \Seen \Draft`
	permSystem  = `* OK [PERMANENTFLAGS (\Answered \Flagged \Deleted \Seen \Draft`
)

// flagsLines are the FLAGS and PERMANENTFLAGS responses of a writable
// mailbox whose known keywords are kw.
func flagsLines(kw ...string) []string {
	list := ""
	for _, k := range kw {
		list += " " + k
	}
	return []string{flagsSystem + list + ")", permSystem + list + ` \*)] Flags permitted.`}
}

// RFC 9051 §7.3.5: a keyword new to the mailbox is announced with FLAGS
// (and PERMANENTFLAGS) before any FETCH shows it, to the session that set
// it and to the others, whether they poll (NOOP) or IDLE.
func TestNewKeywordAnnounced(t *testing.T) {
	ts := newTestServer(t, nil)
	ts.appendMsg(t, "INBOX", "Subject: 1\r\n\r\n1\r\n", "$Old")
	a := ts.login(t)
	b := ts.login(t)
	a.ok("ENABLE IMAP4rev2")
	b.ok("ENABLE IMAP4rev2")
	// SELECT lists the keywords already in use.
	untagged, st := a.do("SELECT INBOX")
	if !strings.HasPrefix(st, "OK [READ-WRITE]") || strings.Join(untagged[:2], "|") != strings.Join(flagsLines("$Old"), "|") {
		t.Fatalf("SELECT: %s %q", st, untagged)
	}
	b.ok("SELECT INBOX")

	// The session's own STORE: FLAGS first, then the FETCH.
	b.want("STORE 1 +FLAGS (NewKw)", "OK Store completed.",
		append(flagsLines("$Old", "NewKw"), `* 1 FETCH (FLAGS ($Old NewKw))`)...)
	// Another session's: on NOOP.
	a.want("NOOP", "OK NOOP completed.",
		append(flagsLines("$Old", "NewKw"), `* 1 FETCH (UID 1 FLAGS ($Old NewKw))`)...)
	// A keyword already known (in any case) is not announced again.
	b.want("STORE 1 +FLAGS (newkw \\Seen)", "OK Store completed.", `* 1 FETCH (FLAGS (\Seen $Old NewKw))`)
	a.want("NOOP", "OK NOOP completed.", `* 1 FETCH (UID 1 FLAGS (\Seen $Old NewKw))`)

	// During IDLE.
	a.writeLine("I1 IDLE")
	a.wantLine("+ idling")
	b.want("STORE 1 +FLAGS (Idlekw)", "OK Store completed.",
		append(flagsLines("$Old", "NewKw", "Idlekw"), `* 1 FETCH (FLAGS (\Seen $Old Idlekw NewKw))`)...)
	for _, l := range append(flagsLines("$Old", "NewKw", "Idlekw"), `* 1 FETCH (UID 1 FLAGS (\Seen $Old Idlekw NewKw))`) {
		a.wantLine(l)
	}
	a.writeLine("DONE")
	a.wantLine("I1 OK IDLE completed.")

	// APPEND with a new keyword: announced before the EXISTS, to both.
	untagged, st = b.do("APPEND INBOX (AppKw) {5+}\r\nhello")
	want := append(flagsLines("$Old", "NewKw", "Idlekw", "AppKw"), "* 2 EXISTS")
	if !strings.HasPrefix(st, "OK [APPENDUID ") || strings.Join(untagged, "|") != strings.Join(want, "|") {
		t.Fatalf("APPEND: %s %q, want %q", st, untagged, want)
	}
	a.want("NOOP", "OK NOOP completed.", want...)
	a.want("FETCH 2 FLAGS", "OK Fetch completed.", `* 2 FETCH (FLAGS (AppKw))`)

	// A keyword set straight through the store (delivery, another
	// process' tools) is announced the same way.
	ts.storeFlags(t, "INBOX", 2, store.FlagsAdd, "$Store")
	a.want("NOOP", "OK NOOP completed.",
		append(flagsLines("$Old", "NewKw", "Idlekw", "AppKw", "$Store"), `* 2 FETCH (UID 2 FLAGS ($Store AppKw))`)...)
}

// A read-only session hears of new keywords too, with the read-only
// PERMANENTFLAGS; a FETCH of a message whose keyword it has not heard of
// (it was set in the same poll) announces it first.
func TestNewKeywordAnnouncedReadOnly(t *testing.T) {
	ts := newTestServer(t, nil)
	ts.appendMsg(t, "INBOX", "Subject: 1\r\n\r\n1\r\n")
	a := ts.login(t)
	a.ok("ENABLE IMAP4rev2")
	a.ok("EXAMINE INBOX")
	ts.storeFlags(t, "INBOX", 1, store.FlagsAdd, "Ro")
	// The FETCH answer comes first; the change it raced is reported
	// after it, before the tagged OK.
	a.want("FETCH 1 (FLAGS)", "OK Fetch completed.",
		flagsSystem+" Ro)", `* OK [PERMANENTFLAGS ()] Read-only mailbox.`, `* 1 FETCH (FLAGS (Ro))`,
		`* 1 FETCH (UID 1 FLAGS (Ro))`)
	a.want("NOOP", "OK NOOP completed.")
}

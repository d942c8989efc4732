package server

import (
	"fmt"
	"strings"
	"testing"

	"roost/internal/store"
)

// do with an explicit tag: RFC 5267 contexts are named by their tags.
func (c *rawClient) tagged(tag, command string) (untagged []string, status string) {
	c.t.Helper()
	c.writeLine(tag + " " + command)
	return c.collect(tag)
}

func (c *rawClient) wantTagged(tag, command, status string, untagged ...string) {
	c.t.Helper()
	got, st := c.tagged(tag, command)
	if st != status || strings.Join(got, "\n") != strings.Join(untagged, "\n") {
		c.t.Fatalf("%s %s:\n got: %q\n      %q\nwant: %q\n      %q", tag, command, got, st, untagged, status)
	}
}

// TestContextUpdates: SORT and SEARCH with RETURN (UPDATE) report how
// their results change when another session appends, changes flags and
// expunges (RFC 5267 §4.3), until CANCELUPDATE.
func TestContextUpdates(t *testing.T) {
	ts := sortServer(t) // seq 1-5 = UID 2-6; ARRIVAL order UIDs 4 6 3 2 5
	c := ts.login(t)
	c.ok("ENABLE IMAP4rev2")
	c.ok("SELECT INBOX")
	c.wantTagged("s1", "UID SORT RETURN (UPDATE) (ARRIVAL) UTF-8 UNSEEN", "OK Sort completed, will notify.",
		`* ESEARCH (TAG "s1") UID ALL 4,6,3,2,5`)
	c.wantTagged("s2", "SEARCH RETURN (UPDATE COUNT) SUBJECT banana", "OK Search completed, will notify.",
		`* ESEARCH (TAG "s2") COUNT 2`)
	c.wantTagged("s2", "SORT RETURN (UPDATE) (DATE) UTF-8 ALL", "BAD Tag reuse")
	// A tag without UPDATE may be used again.
	c.wantTagged("s3", "UID SORT RETURN (COUNT) (DATE) UTF-8 1", "OK Sort completed.", `* ESEARCH (TAG "s3") UID COUNT 1`)

	// Another session appends UID 7, arrived between UIDs 6 and 3.
	ts.appendAt(t, "INBOX", "Subject: banana split", 300, sortDay(3))
	c.want("NOOP", "OK NOOP completed.",
		"* 6 EXISTS",
		`* ESEARCH (TAG "s1") UID ADDTO (3 7)`,
		`* ESEARCH (TAG "s2") ADDTO (0 6)`)

	// UID 3 (seq 2) becomes \Seen: it leaves the UNSEEN sort, at position 4.
	ts.storeFlags(t, "INBOX", 3, store.FlagsAdd, store.FlagSeen)
	c.want("NOOP", "OK NOOP completed.",
		`* 2 FETCH (UID 3 FLAGS (\Seen))`,
		`* ESEARCH (TAG "s1") UID REMOVEFROM (4 3)`)

	// UID 2 (seq 1) is expunged: the REMOVEFROMs come before the EXPUNGE,
	// while sequence number 1 is still valid.
	ts.expunge(t, "INBOX", 2)
	c.want("NOOP", "OK NOOP completed.",
		`* 1 FETCH (UID 2 FLAGS (\Deleted))`,
		`* ESEARCH (TAG "s1") UID REMOVEFROM (4 2)`,
		`* ESEARCH (TAG "s2") REMOVEFROM (0 1)`,
		"* 1 EXPUNGE")

	// Our own STORE changes results too; \Seen removed puts 3 back.
	c.want("UID STORE 3 -FLAGS.SILENT (\\Seen)", "OK Store completed.",
		`* ESEARCH (TAG "s1") UID ADDTO (4 3)`)

	c.want(`CANCELUPDATE "s1"`, "OK No further updates.")
	c.want(`CANCELUPDATE "s1"`, `BAD Unknown context "s1"`)
	ts.appendAt(t, "INBOX", "Subject: Re: Banana", 300, sortDay(7))
	c.want("NOOP", "OK NOOP completed.", "* 6 EXISTS", `* ESEARCH (TAG "s2") ADDTO (0 6)`)

	// Sequence numbers in the program are those of when it ran.
	c.wantTagged("s4", "SEARCH RETURN (UPDATE) 1:2 UNSEEN", "OK Search completed, will notify.",
		`* ESEARCH (TAG "s4") ALL 1:2`)
	ts.expunge(t, "INBOX", 3) // seq 1
	c.want("NOOP", "OK NOOP completed.",
		`* 1 FETCH (UID 3 FLAGS (\Deleted))`,
		`* ESEARCH (TAG "s4") REMOVEFROM (0 1)`,
		"* 1 EXPUNGE")
	ts.appendAt(t, "INBOX", "Subject: new", 300, sortDay(8)) // seq 6, not in 1:2 of then
	c.want("NOOP", "OK NOOP completed.", "* 6 EXISTS")

	// Deselecting ends every context.
	c.ok("UNSELECT")
	c.ok("SELECT INBOX")
	c.want(`CANCELUPDATE "s2"`, `BAD Unknown context "s2"`)

	// Beyond maxContexts, UPDATE is refused with NOUPDATE; the rest works.
	for i := range maxContexts {
		c.wantTagged(fmt.Sprintf("u%d", i), "SEARCH RETURN (UPDATE COUNT) ALL", "OK Search completed, will notify.",
			fmt.Sprintf(`* ESEARCH (TAG "u%d") COUNT 6`, i))
	}
	c.wantTagged("u9", "UID SORT RETURN (UPDATE COUNT) (ARRIVAL) UTF-8 ALL", "OK Sort completed.",
		`* ESEARCH (TAG "u9") UID COUNT 6`, `* NO [NOUPDATE "u9"] Too many contexts`)
}

// TestContextUpdatesDuringIdle: updates reach an idling client.
func TestContextUpdatesDuringIdle(t *testing.T) {
	ts := sortServer(t)
	c := ts.login(t)
	c.ok("ENABLE IMAP4rev2")
	c.ok("SELECT INBOX")
	c.wantTagged("s1", "UID SEARCH RETURN (UPDATE MIN) SUBJECT banana", "OK Search completed, will notify.",
		`* ESEARCH (TAG "s1") UID MIN 2`)
	c.writeLine("i IDLE")
	c.wantLine("+ idling")
	ts.appendMsg(t, "INBOX", "Subject: Fwd: banana\r\n\r\n")
	c.wantLine("* 6 EXISTS")
	c.wantLine(`* ESEARCH (TAG "s1") UID ADDTO (0 7)`)
	c.writeLine("DONE")
	c.wantLine("i OK IDLE completed.")
}

// TestContextUIDRanges: a UID range in an updating search keeps its
// meaning, so a message arriving inside it is added; 4294967295 is a
// number, while "*" was the largest UID when the search ran.
func TestContextUIDRanges(t *testing.T) {
	ts := sortServer(t) // UIDs 2-6, UIDNEXT 7
	c := ts.login(t)
	c.ok("ENABLE IMAP4rev2")
	c.ok("SELECT INBOX")
	c.wantTagged("r1", "UID SEARCH RETURN (UPDATE) UID 7:4294967295", "OK Search completed, will notify.",
		`* ESEARCH (TAG "r1") UID`)
	c.wantTagged("r2", "UID SEARCH RETURN (UPDATE) UID 6:*", "OK Search completed, will notify.",
		`* ESEARCH (TAG "r2") UID ALL 6`)
	c.wantTagged("r3", "SEARCH RETURN (UPDATE COUNT) UID 3:4", "OK Search completed, will notify.",
		`* ESEARCH (TAG "r3") COUNT 2`)
	ts.appendMsg(t, "INBOX", "Subject: late\r\n\r\n") // UID 7
	c.want("NOOP", "OK NOOP completed.",
		"* 6 EXISTS",
		`* ESEARCH (TAG "r1") UID ADDTO (0 7)`)
}

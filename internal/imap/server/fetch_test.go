package server

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"
)

// The test messages are built from pieces so that every section's exact
// bytes are known.
const (
	simpleHeader = "From: Alice <alice@example.com>\r\n" +
		"To: Bob <bob@example.com>\r\n" +
		"Subject: Hello\r\n" +
		"Date: Mon, 01 Jan 2024 10:00:00 +0100\r\n" +
		"Message-ID: <1@example.com>\r\n" +
		"\r\n"
	simpleBody = "Hello Bob,\r\nthis is the body.\r\n"
	simpleMsg  = simpleHeader + simpleBody
)

// multipart/mixed with a quoted-printable text part, a base64 part whose
// decoded content holds NUL bytes, and a message/rfc822 part.
var (
	mpHeader = "From: Dora <dora@example.org>\r\n" +
		"Subject: Multi\r\n" +
		"MIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=\"XX\"\r\n" +
		"\r\n"
	mpPart1Header = "Content-Type: text/plain; charset=utf-8\r\n" +
		"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
	mpPart1Body    = "Gr=C3=BC=C3=9Fe aus K=C3=B6ln\r\nzweite Zeile"
	mpPart1Decoded = "Grüße aus Köln\r\nzweite Zeile"
	mpPart2Header  = "Content-Type: application/octet-stream\r\n" +
		"Content-Transfer-Encoding: base64\r\n\r\n"
	mpPart2Decoded = "bin\x00ary\x00data"
	mpPart2Body    = base64.StdEncoding.EncodeToString([]byte(mpPart2Decoded))
	mpPart3Header  = "Content-Type: message/rfc822\r\n\r\n"
	mpInnerHeader  = "From: carol@example.com\r\nSubject: Inner\r\n\r\n"
	mpInnerBody    = "Inner body text"
	mpText         = "preamble\r\n--XX\r\n" + mpPart1Header + mpPart1Body +
		"\r\n--XX\r\n" + mpPart2Header + mpPart2Body +
		"\r\n--XX\r\n" + mpPart3Header + mpInnerHeader + mpInnerBody +
		"\r\n--XX--\r\n"
	mpMsg = mpHeader + mpText
)

var msgDate = time.Date(2024, 1, 2, 3, 4, 5, 0, time.FixedZone("", 3600))

func TestFetchMetadataItems(t *testing.T) {
	e := newMsgEnv(t)
	uid := e.add("INBOX", simpleMsg, msgDate, `\Flagged`, "$Label1")
	e.claimRecent("INBOX")
	c := e.dial("INBOX")

	envelope := `("Mon, 01 Jan 2024 10:00:00 +0100" "Hello" (("Alice" NIL "alice" "example.com")) ` +
		`(("Alice" NIL "alice" "example.com")) (("Alice" NIL "alice" "example.com")) ` +
		`(("Bob" NIL "bob" "example.com")) NIL NIL NIL "<1@example.com>")`
	body := `("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 31 2)`
	bodystructure := `("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 31 2 NIL NIL NIL NIL)`

	c.expect("FETCH 1 (FLAGS INTERNALDATE RFC822.SIZE UID)", "OK Fetch completed.",
		`* 1 FETCH (FLAGS (\Flagged $Label1) INTERNALDATE "02-Jan-2024 03:04:05 +0100" RFC822.SIZE 177 UID 1)`)
	if uid != 1 || len(simpleMsg) != 177 {
		t.Fatalf("uid %d size %d", uid, len(simpleMsg))
	}
	c.expect("FETCH 1 ENVELOPE", "OK Fetch completed.", "* 1 FETCH (ENVELOPE "+envelope+")")
	c.expect("FETCH 1 (BODY BODYSTRUCTURE)", "OK Fetch completed.",
		"* 1 FETCH (BODY "+body+" BODYSTRUCTURE "+bodystructure+")")
	// Macros: FAST = (FLAGS INTERNALDATE RFC822.SIZE).
	c.expect("FETCH 1 FAST", "OK Fetch completed.",
		`* 1 FETCH (FLAGS (\Flagged $Label1) INTERNALDATE "02-Jan-2024 03:04:05 +0100" RFC822.SIZE 177)`)
	// UID FETCH answers UID first, even when asked later or not at all.
	c.expect("UID FETCH 1 (RFC822.SIZE UID)", "OK Fetch completed.", `* 1 FETCH (UID 1 RFC822.SIZE 177)`)
	c.expect("UID FETCH 1:* FLAGS", "OK Fetch completed.", `* 1 FETCH (UID 1 FLAGS (\Flagged $Label1))`)
	// A UID range above every UID still includes the last message.
	c.expect("UID FETCH 5:* RFC822.SIZE", "OK Fetch completed.", `* 1 FETCH (UID 1 RFC822.SIZE 177)`)
	c.expect("UID FETCH 5:6 RFC822.SIZE", "OK Fetch completed.")
	// MODSEQ turns CONDSTORE on and reports HIGHESTMODSEQ, here that of
	// the only message (RFC 7162 §3.1).
	ms := modseqOf(t, e, "INBOX", 1)
	c.expect("FETCH 1 MODSEQ", "OK Fetch completed.", "* OK [HIGHESTMODSEQ "+ms+"] Highest", `* 1 FETCH (MODSEQ (`+ms+`))`)
	c.expect("FETCH 2 FLAGS", "BAD Invalid message sequence number")
	c.expect("FETCH $ FLAGS", "OK Fetch completed.")
}

func TestFetchSections(t *testing.T) {
	e := newMsgEnv(t)
	e.add("INBOX", mpMsg, msgDate, `\Seen`)
	e.claimRecent("INBOX")
	c := e.dial("INBOX")
	innerMsg := mpInnerHeader + mpInnerBody

	tests := []struct{ item, want string }{
		{"BODY.PEEK[]", "BODY[] " + litStr(mpMsg)},
		{"BODY.PEEK[HEADER]", "BODY[HEADER] " + litStr(mpHeader)},
		{"BODY.PEEK[TEXT]", "BODY[TEXT] " + litStr(mpText)},
		{"BODY.PEEK[1]", "BODY[1] " + litStr(mpPart1Body)},
		{"BODY.PEEK[1.MIME]", "BODY[1.MIME] " + litStr(mpPart1Header)},
		{"BODY.PEEK[2]", "BODY[2] " + litStr(mpPart2Body)},
		{"BODY.PEEK[3]", "BODY[3] " + litStr(innerMsg)},
		{"BODY.PEEK[3.HEADER]", "BODY[3.HEADER] " + litStr(mpInnerHeader)},
		{"BODY.PEEK[3.TEXT]", "BODY[3.TEXT] " + litStr(mpInnerBody)},
		{"BODY.PEEK[3.1]", "BODY[3.1] " + litStr(mpInnerBody)},
		{"BODY.PEEK[3.MIME]", "BODY[3.MIME] " + litStr(mpPart3Header)},
		{"BODY.PEEK[HEADER.FIELDS (Subject from)]", "BODY[HEADER.FIELDS (Subject from)] " +
			litStr("From: Dora <dora@example.org>\r\nSubject: Multi\r\n\r\n")},
		{"BODY.PEEK[HEADER.FIELDS.NOT (SUBJECT FROM)]", "BODY[HEADER.FIELDS.NOT (SUBJECT FROM)] " +
			litStr("MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"XX\"\r\n\r\n")},
		{"BODY.PEEK[3.HEADER.FIELDS (SUBJECT)]", "BODY[3.HEADER.FIELDS (SUBJECT)] " + litStr("Subject: Inner\r\n\r\n")},
		{"BODY.PEEK[]<5.10>", "BODY[]<5> " + litStr(mpMsg[5:15])},
		{"BODY.PEEK[1]<4.1000>", "BODY[1]<4> " + litStr(mpPart1Body[4:])},
		{"BODY.PEEK[]<100000.10>", "BODY[]<100000> " + litStr("")},
		{"BODY.PEEK[TEXT]<2.3>", "BODY[TEXT]<2> " + litStr(mpText[2:5])},
		// Decoded content goes in a literal8, as Dovecot sends it.
		{"BINARY.PEEK[1]", "BINARY[1] ~" + litStr(mpPart1Decoded)},
		{"BINARY.PEEK[2]", "BINARY[2] ~" + litStr(mpPart2Decoded)},
		{"BINARY.PEEK[2]<4.3>", "BINARY[2]<4> ~" + litStr("ary")},
		{"BINARY.PEEK[2]<3.3>", "BINARY[2]<3> ~" + litStr("\x00ar")},
		{"BINARY.SIZE[1]", "BINARY.SIZE[1] " + itoa(len(mpPart1Decoded))},
		{"BINARY.SIZE[2]", "BINARY.SIZE[2] " + itoa(len(mpPart2Decoded))},
		{"RFC822.HEADER", "RFC822.HEADER " + litStr(mpHeader)},
		{"RFC822.TEXT", "RFC822.TEXT " + litStr(mpText)},
		{"RFC822", "RFC822 " + litStr(mpMsg)},
		{"(RFC822.SIZE BODY.PEEK[1.MIME] UID)", "RFC822.SIZE " + itoa(len(mpMsg)) + " BODY[1.MIME] " + litStr(mpPart1Header) + " UID 1"},
	}
	for _, tc := range tests {
		c.expect("FETCH 1 "+tc.item, "OK Fetch completed.", "* 1 FETCH ("+tc.want+")")
	}
}

// A message of several megabytes is sent whole and in pieces without
// trouble; partial fetches read only their range.
func TestFetchLargeMessage(t *testing.T) {
	e := newMsgEnv(t)
	var b strings.Builder
	b.WriteString("Subject: big\r\n\r\n")
	line := strings.Repeat("0123456789", 7) + "\r\n"
	for b.Len() < 3<<20 {
		b.WriteString(line)
	}
	big := b.String()
	e.add("INBOX", big, msgDate)
	e.claimRecent("INBOX")
	c := e.dial("INBOX")
	c.expect("FETCH 1 BODY.PEEK[]", "OK Fetch completed.", "* 1 FETCH (BODY[] "+litStr(big)+")")
	c.expect("FETCH 1 BODY.PEEK[TEXT]<3000000.100>", "OK Fetch completed.",
		"* 1 FETCH (BODY[TEXT]<3000000> "+litStr(big[16+3000000:16+3000100])+")")
	c.expect("FETCH 1 RFC822.SIZE", "OK Fetch completed.", "* 1 FETCH (RFC822.SIZE "+itoa(len(big))+")")
}

func TestFetchImplicitSeen(t *testing.T) {
	e := newMsgEnv(t)
	for range 6 {
		e.add("INBOX", simpleMsg, msgDate)
	}
	e.claimRecent("INBOX")
	c := e.dial("INBOX")
	other := e.dial("INBOX")

	// PEEK, RFC822.HEADER and BINARY.SIZE leave \Seen alone.
	c.expect("FETCH 1 (BODY.PEEK[TEXT] RFC822.HEADER BINARY.SIZE[1] BINARY.PEEK[1])", "OK Fetch completed.",
		"* 1 FETCH (BODY[TEXT] "+litStr(simpleBody)+" RFC822.HEADER "+litStr(simpleHeader)+
			" BINARY.SIZE[1] 31 BINARY[1] "+litStr(simpleBody)+")")
	c.expect("FETCH 1 FLAGS", "OK Fetch completed.", `* 1 FETCH (FLAGS ())`)

	// BODY[...] sets it and reports the new FLAGS in the same response.
	c.expect("FETCH 1 BODY[TEXT]", "OK Fetch completed.", `* 1 FETCH (FLAGS (\Seen) BODY[TEXT] `+litStr(simpleBody)+")")
	// Already seen: no FLAGS.
	c.expect("FETCH 1 BODY[TEXT]", "OK Fetch completed.", `* 1 FETCH (BODY[TEXT] `+litStr(simpleBody)+")")
	// UID FETCH puts FLAGS after UID; a requested FLAGS is not repeated.
	c.expect("UID FETCH 2 RFC822.TEXT", "OK Fetch completed.", `* 2 FETCH (UID 2 FLAGS (\Seen) RFC822.TEXT `+litStr(simpleBody)+")")
	c.expect("FETCH 3 (BINARY[1] FLAGS)", "OK Fetch completed.", `* 3 FETCH (BINARY[1] `+litStr(simpleBody)+` FLAGS (\Seen))`)
	c.expect("FETCH 4 RFC822", "OK Fetch completed.", `* 4 FETCH (FLAGS (\Seen) RFC822 `+litStr(simpleMsg)+")")
	// The session's own change is not echoed again.
	c.expect("NOOP", "OK NOOP completed.")
	// Other sessions hear of it.
	other.expect("NOOP", "OK NOOP completed.",
		`* 1 FETCH (UID 1 FLAGS (\Seen))`, `* 2 FETCH (UID 2 FLAGS (\Seen))`,
		`* 3 FETCH (UID 3 FLAGS (\Seen))`, `* 4 FETCH (UID 4 FLAGS (\Seen))`)

	// EXAMINE: read-only, nothing is set.
	ro := e.dial("")
	ro.ok("EXAMINE INBOX")
	ro.expect("FETCH 5 BODY[TEXT]", "OK Fetch completed.", `* 5 FETCH (BODY[TEXT] `+litStr(simpleBody)+")")
	ro.expect("FETCH 5 FLAGS", "OK Fetch completed.", `* 5 FETCH (FLAGS ())`)
}

func TestFetchRecentInRev1(t *testing.T) {
	e := newMsgEnv(t)
	e.add("INBOX", simpleMsg, msgDate)
	c := e.dial("INBOX") // claims \Recent for message 1
	c.expect("FETCH 1 FLAGS", "OK Fetch completed.", `* 1 FETCH (FLAGS (\Recent))`)
	c.expect("FETCH 1 BODY[TEXT]", "OK Fetch completed.", `* 1 FETCH (FLAGS (\Seen \Recent) BODY[TEXT] `+litStr(simpleBody)+")")
	d := e.dial("INBOX") // not recent for a second session
	d.expect("FETCH 1 FLAGS", "OK Fetch completed.", `* 1 FETCH (FLAGS (\Seen))`)
}

func TestFetchChangedSince(t *testing.T) {
	e := newMsgEnv(t)
	e.add("INBOX", simpleMsg, msgDate)
	e.add("INBOX", simpleMsg, msgDate)
	e.claimRecent("INBOX")
	c := e.dial("INBOX")
	ms1 := modseqOf(t, e, "INBOX", 1)
	c.ok("STORE 2 +FLAGS.SILENT (\\Draft)")
	ms := modseqOf(t, e, "INBOX", 2)
	c.expect("FETCH 1:* (FLAGS) (CHANGEDSINCE "+ms1+")", "OK Fetch completed.",
		"* OK [HIGHESTMODSEQ "+ms+"] Highest", // CONDSTORE enabled (RFC 7162 §3.1)
		`* 2 FETCH (FLAGS (\Draft) MODSEQ (`+ms+`))`)
}

package server

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"
	"time"
)

// searchEnv holds five messages at sequence numbers 1-5 with UIDs 2-6 (a
// first message was expunged so that the two numberings differ). Message 5
// is \Recent for the session.
//
//	seq uid flags               internal date (own zone)     Date header
//	1   2   \Flagged            2024-01-02 03:04 +0100       1 Jan 2024 +0100
//	2   3   \Seen \Answered     2024-02-10 12:00 UTC         none
//	3   4   $Work               2024-03-15 23:30 -0500       15 Mar 2024 +0200
//	4   5   \Seen \Deleted      2024-04-01 00:00 UTC         none
//	5   6   \Draft              an hour ago                  1 May 2024 00:30 +0200
var (
	searchMsg2 = "From: Carol <carol@example.com>\r\n" +
		"To: dave@example.com\r\n" +
		"Subject: =?UTF-8?B?R3LDvMOfZSBhdXMgS8O2bG4=?=\r\n" +
		"MIME-Version: 1.0\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n" +
		"Content-Transfer-Encoding: base64\r\n" +
		"\r\n" +
		base64.StdEncoding.EncodeToString([]byte("Eine Überraschung zum Geburtstag!\r\n")) + "\r\n"
	searchMsg3 = "From: Eve <eve@example.net>\r\n" +
		"To: frank@example.net\r\n" +
		"Cc: grace@example.net\r\n" +
		"Subject: Dessert\r\n" +
		"Date: Fri, 15 Mar 2024 01:00:00 +0200\r\n" +
		"MIME-Version: 1.0\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n" +
		"Content-Transfer-Encoding: quoted-printable\r\n" +
		"\r\n" +
		"Caf=C3=A9 mit Cr=C3=A8me br=C3=BBl=C3=A9e\r\n"
	searchMsg5 = "From: Heidi <heidi@example.com>\r\n" +
		"Subject: Big one\r\n" +
		"Date: Wed, 01 May 2024 00:30:00 +0200\r\n" +
		"\r\n" + strings.Repeat("filler line\r\n", 300)
)

func newSearchEnv(t *testing.T) (*msgEnv, *msgClient) {
	e := newMsgEnv(t)
	first := e.add("INBOX", simpleMsg, msgDate, `\Deleted`)
	if _, err := e.store.Expunge(context.Background(), e.mailbox("INBOX").ID, []uint32{first}); err != nil {
		t.Fatal(err)
	}
	e.add("INBOX", simpleMsg, msgDate, `\Flagged`)
	e.add("INBOX", searchMsg2, time.Date(2024, 2, 10, 12, 0, 0, 0, time.UTC), `\Seen`, `\Answered`)
	e.add("INBOX", searchMsg3, time.Date(2024, 3, 15, 23, 30, 0, 0, time.FixedZone("", -5*3600)), "$Work")
	e.add("INBOX", mpMsg, time.Date(2024, 4, 1, 0, 0, 0, 0, time.UTC), `\Seen`, `\Deleted`)
	e.claimRecent("INBOX")
	e.add("INBOX", searchMsg5, time.Now().Add(-time.Hour).Truncate(time.Second), `\Draft`)
	return e, e.dial("INBOX")
}

func TestSearchKeys(t *testing.T) {
	e, c := newSearchEnv(t)
	ms5 := modseqOf(t, e, "INBOX", 6) // sequence number 5
	sizes := []int{len(simpleMsg), len(searchMsg2), len(searchMsg3), len(mpMsg), len(searchMsg5)}
	if sizes[0] != 177 || sizes[2] >= sizes[3] || sizes[3] >= sizes[4] || sizes[1] >= sizes[2] {
		t.Fatalf("sizes %v do not have the order the cases assume", sizes)
	}
	tests := []struct{ keys, want string }{
		{"ALL", "1 2 3 4 5"},
		{"SEEN", "2 4"},
		{"UNSEEN", "1 3 5"},
		{"FLAGGED", "1"},
		{"UNFLAGGED", "2 3 4 5"},
		{"ANSWERED", "2"},
		{"UNANSWERED", "1 3 4 5"},
		{"DELETED", "4"},
		{"UNDELETED", "1 2 3 5"},
		{"DRAFT", "5"},
		{"UNDRAFT", "1 2 3 4"},
		{"KEYWORD $work", "3"},
		{"UNKEYWORD $Work", "1 2 4 5"},
		{"RECENT", "5"},
		{"NEW", "5"},
		{"OLD", "1 2 3 4"},
		{"BEFORE 10-Feb-2024", "1"},
		{"ON 10-Feb-2024", "2"},
		{"ON 15-Mar-2024", "3"}, // in the internal date's own zone
		{"ON 16-Mar-2024", ""},
		{"SINCE 15-Mar-2024", "3 4 5"},
		{"SENTBEFORE 2-Jan-2024", "1"},
		{"SENTON 10-Feb-2024", "2"}, // no Date header: the internal date
		{"SENTON 15-Mar-2024", "3"},
		{"SENTON 1-May-2024", "5"}, // 30 Apr in UTC
		{"SENTSINCE 1-Apr-2024", "4 5"},
		{"LARGER " + itoa(sizes[2]), "4 5"},
		{"SMALLER " + itoa(sizes[2]), "1 2"},
		{"LARGER 176 SMALLER 178", "1"},
		{"YOUNGER 7200", "5"},
		{"OLDER 7200", "1 2 3 4"},
		{"FROM alice", "1"},
		{"FROM DORA", "4"},
		{"TO bob@", "1"},
		{"CC GRACE", "3"},
		{"BCC grace", ""},
		{"SUBJECT hello", "1"},
		{"SUBJECT \"\"", "1 2 3 4 5"},
		{"HEADER Message-ID <1@example", "1"},
		{"HEADER mime-version \"\"", "2 3 4"},
		{"HEADER X-Nothing \"\"", ""},
		{"BODY \"hello bob\"", "1"},
		{"BODY Hello", "1"},
		{"BODY Dessert", ""},
		{"TEXT dessert", "3"},
		{"TEXT \"inner body\"", "4"},
		{"BODY \"zweite zeile\"", "4"}, // quoted-printable, decoded
		{"TEXT zqxjvkwnotpresent", ""},
		{"OR SEEN FLAGGED", "1 2 4"},
		{"NOT SEEN", "1 3 5"},
		{"(SEEN DELETED)", "4"},
		{"NOT (SEEN DELETED)", "1 2 3 5"},
		{"OR (SEEN UNDELETED) DRAFT", "2 5"},
		{"2:3", "2 3"},
		{"4:*", "4 5"},
		{"*:4", "4 5"},
		{"1,3 UNSEEN", "1 3"},
		{"UID 3,5", "2 4"},
		{"UID 10:*", "5"},
		{"UID 1", ""},
		{"CHARSET US-ASCII FROM carol", "2"},
		{"CHARSET utf-8 TEXT geburtstag", "2"}, // base64 body, decoded
	}
	for _, tc := range tests {
		c.expect("SEARCH "+tc.keys, "OK Search completed.", strings.TrimSpace("* SEARCH "+tc.want))
	}
	// MODSEQ turns CONDSTORE on (HIGHESTMODSEQ, here message 5's) and adds
	// the highest MODSEQ found (RFC 7162 §3.1, §3.1.6).
	c.expect("SEARCH MODSEQ "+ms5, "OK Search completed.", "* OK [HIGHESTMODSEQ "+ms5+"] Highest", "* SEARCH 5 (MODSEQ "+ms5+")")
	// Non-ASCII terms: RFC 2047 subject, base64 and QP bodies, compared
	// case-insensitively after decoding.
	utf8Tests := []struct{ key, term, want string }{
		{"SUBJECT", "KÖLN", "2"},
		{"SUBJECT", "grüße", "2"},
		{"BODY", "ÜBERRASCHUNG", "2"},
		{"BODY", "crème brûlée", "3"},
		{"TEXT", "café", "3"},
		{"BODY", "grüße aus", "4"},
	}
	for _, tc := range utf8Tests {
		c.expect("SEARCH CHARSET UTF-8 "+tc.key+" {"+itoa(len(tc.term))+"}\r\n"+tc.term,
			"OK Search completed.", "* SEARCH "+tc.want)
	}
	c.expect("UID SEARCH FLAGGED", "OK Search completed.", "* SEARCH 2")
	c.expect("UID SEARCH 2:3", "OK Search completed.", "* SEARCH 3 4")
	c.expect("SEARCH CHARSET ISO-8859-1 ALL", "NO [BADCHARSET (UTF-8 US-ASCII)] Unsupported charset")
}

func TestSearchExtended(t *testing.T) {
	_, c := newSearchEnv(t)
	c.expect("SEARCH RETURN (MIN MAX COUNT ALL) UNSEEN", "OK Search completed.",
		`* ESEARCH (TAG "`+c.nextTag()+`") MIN 1 MAX 5 COUNT 3 ALL 1,3,5`)
	c.expect("SEARCH RETURN () 2:5", "OK Search completed.", `* ESEARCH (TAG "`+c.nextTag()+`") ALL 2:5`)
	c.expect("UID SEARCH RETURN () SEEN", "OK Search completed.", `* ESEARCH (TAG "`+c.nextTag()+`") UID ALL 3,5`)
	c.expect("UID SEARCH RETURN (COUNT MIN) KEYWORD none", "OK Search completed.", `* ESEARCH (TAG "`+c.nextTag()+`") UID COUNT 0`)
	c.expect("SEARCH RETURN (MAX) KEYWORD none", "OK Search completed.", `* ESEARCH (TAG "`+c.nextTag()+`")`)

	// SAVE alone answers nothing; "$" then works in FETCH, SEARCH and UID
	// commands alike.
	c.expect("SEARCH RETURN (SAVE) UNSEEN", "OK Search completed.")
	c.expect("FETCH $ UID", "OK Fetch completed.", "* 1 FETCH (UID 2)", "* 3 FETCH (UID 4)", "* 5 FETCH (UID 6)")
	c.expect("UID SEARCH UID $", "OK Search completed.", "* SEARCH 2 4 6")
	c.expect("SEARCH $ NOT DRAFT", "OK Search completed.", "* SEARCH 1 3")
	c.expect("SEARCH OR $ 2", "OK Search completed.", "* SEARCH 1 2 3 5")
	// SAVE with MIN only keeps the minimum (RFC 5182 §2.4).
	c.expect("SEARCH RETURN (SAVE MIN) UNSEEN", "OK Search completed.", `* ESEARCH (TAG "`+c.nextTag()+`") MIN 1`)
	c.expect("SEARCH $", "OK Search completed.", "* SEARCH 1")
	c.expect("SEARCH RETURN (SAVE MIN MAX) UNSEEN", "OK Search completed.", `* ESEARCH (TAG "`+c.nextTag()+`") MIN 1 MAX 5`)
	c.expect("SEARCH $", "OK Search completed.", "* SEARCH 1 5")
	c.expect("SEARCH RETURN (SAVE COUNT MIN) UNSEEN", "OK Search completed.", `* ESEARCH (TAG "`+c.nextTag()+`") MIN 1 COUNT 3`)
	c.expect("SEARCH $", "OK Search completed.", "* SEARCH 1 3 5")
	// A failed SEARCH with SAVE empties "$".
	c.expect("SEARCH RETURN (SAVE) CHARSET KOI8-R ALL", "NO [BADCHARSET (UTF-8 US-ASCII)] Unsupported charset")
	c.expect("SEARCH $", "OK Search completed.", "* SEARCH")
	c.expect("UID FETCH $ UID", "OK Fetch completed.")
	// A saved message that is expunged leaves "$".
	c.expect("UID SEARCH RETURN (SAVE) OR DELETED DRAFT", "OK Search completed.")
	c.ok("EXPUNGE")
	c.expect("UID SEARCH $", "OK Search completed.", "* SEARCH 6")
}

func TestSearchIMAP4rev2(t *testing.T) {
	e, _ := newSearchEnv(t)
	c := e.dial("")
	c.ok("ENABLE IMAP4rev2")
	c.ok("SELECT INBOX")
	c.expect("SEARCH SEEN", "OK Search completed.", `* ESEARCH (TAG "`+c.nextTag()+`") ALL 2,4`)
	c.expect("UID SEARCH SEEN", "OK Search completed.", `* ESEARCH (TAG "`+c.nextTag()+`") UID ALL 3,5`)
	c.expect("SEARCH RETURN (COUNT) ALL", "OK Search completed.", `* ESEARCH (TAG "`+c.nextTag()+`") COUNT 5`)
}

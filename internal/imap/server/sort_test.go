package server

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"roost/internal/store"
)

// sortTestMessages are the messages of the SORT tests: header, size (the
// body pads the message to it exactly) and INTERNALDATE.
var sortTestMessages = []struct {
	header  string
	size    int
	arrival time.Time
}{
	{"Date: Wed, 03 Jan 2024 10:00:00 +0000\r\nFrom: Carol <carol@x.org>\r\nTo: zed@x.org\r\nCc: b@x.org\r\nSubject: Re: banana", 600, sortDay(5)},
	{"Date: Tue, 02 Jan 2024 23:00:00 -0500\r\nFrom: alice@x.org\r\nTo: Yann <yann@x.org>\r\nSubject: apple", 200, sortDay(4)},
	{"From: \"bob\" <Bob@x.org>\r\nTo: Xavier <x@x.org>\r\nSubject: [list] Banana (fwd)", 400, sortDay(1)},
	{"Date: Mon, 01 Jan 2024 00:00:00 +0000\r\nFrom: =?utf-8?q?=C3=84rger?= <aerger@x.org>\r\nSubject: Cherry", 400, sortDay(6)},
	{"Date: garbage\r\nTo: \r\nSubject: ", 100, sortDay(2)},
}

func sortDay(d int) time.Time { return time.Date(2024, 1, d, 0, 0, 0, 0, time.UTC) }

// appendAt stores raw, padded to size bytes, with an INTERNALDATE.
func (ts *testServer) appendAt(t *testing.T, mailbox, header string, size int, arrival time.Time) uint32 {
	t.Helper()
	raw := header + "\r\n\r\n"
	raw += strings.Repeat("x", size-len(raw))
	ctx := context.Background()
	staged, err := ts.store.Stage(ctx, strings.NewReader(raw), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	_, uids, err := ts.store.Append(ctx, ts.mailbox(t, mailbox).ID, []store.AppendMessage{{Staged: staged, InternalDate: arrival}})
	if err != nil {
		t.Fatal(err)
	}
	return uids[0]
}

// sortServer has the sort messages as sequence numbers 1-5 and UIDs 2-6
// (UID 1 was expunged), so that SORT and UID SORT answer differently.
func sortServer(t *testing.T) *testServer {
	ts := newTestServer(t, nil)
	ts.expunge(t, "INBOX", ts.appendMsg(t, "INBOX", "Subject: gone\r\n\r\n"))
	for _, m := range sortTestMessages {
		ts.appendAt(t, "INBOX", m.header, m.size, m.arrival)
	}
	return ts
}

func TestSortEachKey(t *testing.T) {
	ts := sortServer(t)
	c := ts.login(t)
	c.ok("SELECT INBOX")
	cases := []struct{ criteria, seqs, uids string }{
		{"ARRIVAL", "3 5 2 1 4", "4 6 3 2 5"},
		{"REVERSE ARRIVAL", "4 1 2 5 3", "5 2 3 6 4"},
		// Sent dates (UTC): 4 1 Jan 00:00; 3 has none, so its arrival,
		// also 1 Jan 00:00 (tie: mailbox order); 5 unparseable → 2 Jan;
		// 2 3 Jan 04:00; 1 3 Jan 10:00.
		{"DATE", "3 4 5 2 1", "4 5 6 3 2"},
		{"REVERSE DATE", "1 2 5 3 4", "2 3 6 4 5"},
		{"SIZE", "5 2 3 4 1", "6 3 4 5 2"},
		{"REVERSE SIZE", "1 3 4 2 5", "2 4 5 3 6"}, // ties stay in mailbox order
		{"SUBJECT", "5 2 1 3 4", "6 3 2 4 5"},
		{"SUBJECT DATE", "5 2 3 1 4", "6 3 4 2 5"},
		{"SUBJECT REVERSE DATE", "5 2 1 3 4", "6 3 2 4 5"},
		{"REVERSE SUBJECT SIZE", "4 3 1 2 5", "5 4 2 3 6"},
		{"FROM", "5 4 2 3 1", "6 5 3 4 2"},
		{"TO", "4 5 3 2 1", "5 6 4 3 2"},
		{"CC", "2 3 4 5 1", "3 4 5 6 2"},
		{"DISPLAYFROM", "5 2 4 3 1", "6 3 5 4 2"},
		{"DISPLAYTO", "4 5 3 2 1", "5 6 4 3 2"},
		{"REVERSE DISPLAYTO", "1 2 3 4 5", "2 3 4 5 6"},
		{"REVERSE CC REVERSE SIZE", "1 3 4 2 5", "2 4 5 3 6"},
	}
	for _, tc := range cases {
		c.want("SORT ("+tc.criteria+") UTF-8 ALL", "OK Sort completed.", "* SORT "+tc.seqs)
		c.want("UID SORT ("+tc.criteria+") US-ASCII ALL", "OK Sort completed.", "* SORT "+tc.uids)
	}
	// The search criteria select, the sort orders.
	c.want("SORT (SUBJECT) UTF-8 SUBJECT banana", "OK Sort completed.", "* SORT 1 3")
	c.want(`UID SORT (REVERSE ARRIVAL) "utf-8" OR SUBJECT banana LARGER 500 2:3`, "OK Sort completed.", "* SORT 4")
	c.want("SORT (DATE) UTF-8 TEXT nowhere", "OK Sort completed.", "* SORT")
}

func TestESort(t *testing.T) {
	ts := sortServer(t)
	c := ts.login(t)
	c.ok("SELECT INBOX")
	c.want("SORT RETURN (MIN MAX COUNT) (ARRIVAL) UTF-8 ALL", "OK Sort completed.",
		`* ESEARCH (TAG "A3") MIN 3 MAX 4 COUNT 5`)
	// RFC 5267 §3.3: "RETURN ()" is ALL, in sort order, ranges only where
	// ascending.
	c.want("UID SORT RETURN () (REVERSE ARRIVAL) UTF-8 ALL", "OK Sort completed.",
		`* ESEARCH (TAG "A4") UID ALL 5,2:3,6,4`)
	c.want("SORT RETURN (ALL) (SUBJECT) UTF-8 ALL", "OK Sort completed.", `* ESEARCH (TAG "A5") ALL 5,2,1,3:4`)
	c.want("UID SORT RETURN (PARTIAL 2:3) (ARRIVAL) UTF-8 ALL", "OK Sort completed.",
		`* ESEARCH (TAG "A6") UID PARTIAL (2:3 6,3)`)
	c.want("SORT RETURN (PARTIAL 9:4 COUNT) (ARRIVAL) UTF-8 ALL", "OK Sort completed.",
		`* ESEARCH (TAG "A7") COUNT 5 PARTIAL (4:9 1,4)`)
	c.want("SORT RETURN (PARTIAL 10:20) (ARRIVAL) UTF-8 ALL", "OK Sort completed.",
		`* ESEARCH (TAG "A8") PARTIAL (10:20 NIL)`)
	c.want("SORT RETURN (MIN MAX ALL) (ARRIVAL) UTF-8 TEXT nowhere", "OK Sort completed.", `* ESEARCH (TAG "A9")`)
	c.want("SORT RETURN (COUNT) (ARRIVAL) UTF-8 TEXT nowhere", "OK Sort completed.", `* ESEARCH (TAG "A10") COUNT 0`)
	// SEARCH with CONTEXT=SEARCH options (RFC 5267 §4.2, §4.4).
	c.want("UID SEARCH RETURN (PARTIAL 2:3) ALL", "OK Search completed.", `* ESEARCH (TAG "A11") UID PARTIAL (2:3 3:4)`)
	c.want("SEARCH RETURN (CONTEXT COUNT) SUBJECT banana", "OK Search completed.", `* ESEARCH (TAG "A12") COUNT 2`)
	c.want("SEARCH RETURN (PARTIAL 2:9 MIN SAVE) ALL", "OK Search completed.", `* ESEARCH (TAG "A13") MIN 1 PARTIAL (2:9 2:5)`)
	c.want("UID SEARCH $", "OK Search completed.", "* SEARCH 2 3 4 5 6")
}

func TestSortThreadErrors(t *testing.T) {
	ts := sortServer(t)
	c := ts.login(t)
	c.want("SORT (DATE) UTF-8 ALL", "BAD No mailbox selected")
	c.want("THREAD REFERENCES UTF-8 ALL", "BAD No mailbox selected")
	c.ok("SELECT INBOX")
	c.want("SORT (DATE) KOI8-R ALL", "NO [BADCHARSET (UTF-8 US-ASCII)] Unsupported charset")
	c.want("THREAD REFERENCES ISO-8859-1 ALL", "NO [BADCHARSET (UTF-8 US-ASCII)] Unsupported charset")
	c.want("THREAD JWZ UTF-8 ALL", "BAD Unknown threading algorithm")
	c.want("SORT (DATE) ALL", "BAD Expected SP after charset")
	c.want("SORT (NAME) UTF-8 ALL", `BAD Unknown sort criterion "NAME"`)
	c.want("SORT RETURN (SAVE) (DATE) UTF-8 ALL", "BAD SAVE is not a SORT RETURN option")
	c.want(`CANCELUPDATE "nope"`, `BAD Unknown context "nope"`)
}

// threadTestMessage is a message for the THREAD tests; hour orders the
// Date headers.
func threadTestMessage(id, refs, subject string, hour int) string {
	h := fmt.Sprintf("Date: %s\r\nSubject: %s\r\n", time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(hour)*time.Hour).Format(time.RFC1123Z), subject)
	if id != "" {
		h += "Message-ID: <" + id + "@x>\r\n"
	}
	if refs != "" {
		h += "References: " + refs + "\r\n"
	}
	return h + "\r\nbody\r\n"
}

func TestThread(t *testing.T) {
	ts := newTestServer(t, nil)
	for _, m := range []struct {
		id, refs, subject string
		hour              int
	}{
		{"a", "", "topic", 1},
		{"b", "<a@x>", "Re: topic", 2},
		{"c", "<a@x> <b@x>", "Re: topic", 3},
		{"d", "<x@x>", "lonely", 4}, // the parent x is not there: a dummy
		{"e", "<x@x>", "Re: lonely", 5},
		{"f", "", "Re: topic", 6}, // joins "topic" by its subject
		{"g", "", "new", 0},
		{"h", "", "new", 7}, // neither is a reply: both under a dummy
		{"a", "", "dup", 8}, // duplicate Message-ID
		{"i", "<j@x> <k@x>", "deep", 9},
		{"m", "<n@x>", "Re: loop", 10},
		{"n", "<m@x>", "loop", 11}, // would close a loop
		{"", "", "", 12},
		{"", "", "", 13},
	} {
		ts.appendMsg(t, "INBOX", threadTestMessage(m.id, m.refs, m.subject, m.hour))
	}
	c := ts.login(t)
	c.ok("SELECT INBOX")
	c.want("THREAD REFERENCES UTF-8 ALL", "OK Thread completed.",
		"* THREAD ((7)(8))(1 (2 3)(6))((4)(5))(9)(10)(12 11)(13)(14)")
	c.want("THREAD ORDEREDSUBJECT UTF-8 ALL", "OK Thread completed.",
		"* THREAD (7 8)(1 (2)(3)(6))(4 5)(9)(10)(11 12)(13 14)")
	c.want("UID THREAD REFERENCES US-ASCII 1:3", "OK Thread completed.", "* THREAD (1 2 3)")
	c.want("THREAD REFERENCES UTF-8 4,5,9", "OK Thread completed.", "* THREAD ((4)(5))(9)")
	c.want("THREAD ORDEREDSUBJECT UTF-8 SUBJECT nowhere", "OK Thread completed.", "* THREAD")
	// Sequence numbers and UIDs differ once 1 is gone.
	ts.expunge(t, "INBOX", 1)
	c.want("NOOP", "OK NOOP completed.", `* 1 FETCH (UID 1 FLAGS (\Deleted \Recent))`, "* 1 EXPUNGE")
	// Without 1, its replies 2 and 6 (both "Re: topic") meet under a dummy.
	c.want("THREAD REFERENCES UTF-8 1:5", "OK Thread completed.", "* THREAD ((1 2)(5))((3)(4))")
	c.want("UID THREAD REFERENCES UTF-8 UID 1:6", "OK Thread completed.", "* THREAD ((2 3)(6))((4)(5))")
}

package search

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"roost/internal/imap/proto"
	"roost/internal/mime"
	"roost/internal/search/sortkeys"
	"roost/internal/store"
)

// sortMsg is a test message: header lines (joined with CRLF), arrival and
// size.
type sortMsg struct {
	uid     uint32
	header  string
	arrival time.Time
	size    int64
}

// loadSorted builds the messages, with their sort keys computed as the
// store computes them at Append.
func loadSorted(ms []sortMsg) []store.Message {
	out := make([]store.Message, len(ms))
	for i, m := range ms {
		p := mime.ParseBytes([]byte(strings.ReplaceAll(m.header, "\n", "\r\n") + "\r\n\r\nbody\r\n"))
		out[i] = store.Message{UID: m.uid, InternalDate: m.arrival, Size: m.size, Sort: sortkeys.Compute(p)}
	}
	return out
}

func at(day, hour int) time.Time { return time.Date(2024, 1, day, hour, 0, 0, 0, time.UTC) }

var sortMessages = []sortMsg{
	{10, "Date: Wed, 03 Jan 2024 10:00:00 +0000\nFrom: Carol <carol@x.org>\nTo: zed@x.org\nCc: b@x.org\nSubject: Re: banana", at(5, 0), 300},
	{20, "Date: Tue, 02 Jan 2024 23:00:00 -0500\nFrom: alice@x.org\nTo: Yann <yann@x.org>\nSubject: apple", at(4, 0), 100},
	{30, "From: \"bob\" <Bob@x.org>\nTo: Xavier <x@x.org>\nSubject: [list] Banana (fwd)", at(1, 0), 200},
	{40, "Date: Mon, 01 Jan 2024 00:00:00 +0000\nFrom: =?utf-8?q?=C3=84rger?= <aerger@x.org>\nSubject: Cherry", at(6, 0), 200},
	{50, "Date: garbage\nTo: \nSubject: ", at(2, 0), 50},
}

func TestSort(t *testing.T) {
	msgs := loadSorted(sortMessages)
	cases := []struct {
		criteria string
		want     []uint32
	}{
		{"ARRIVAL", []uint32{30, 50, 20, 10, 40}},
		{"REVERSE ARRIVAL", []uint32{40, 10, 20, 50, 30}},
		// Sent dates in UTC: 40 1 Jan 00:00, 30 none → arrival 1 Jan 00:00
		// (tie: mailbox order), 50 unparseable → arrival 2 Jan, 10 3 Jan
		// 10:00, 20 3 Jan 04:00 UTC.
		{"DATE", []uint32{30, 40, 50, 20, 10}},
		{"REVERSE DATE", []uint32{10, 20, 50, 30, 40}},
		{"SIZE", []uint32{50, 20, 30, 40, 10}},
		// Ties keep mailbox order even reversed (RFC 5256 §3, REVERSE).
		{"REVERSE SIZE", []uint32{10, 30, 40, 20, 50}},
		{"SUBJECT", []uint32{50, 20, 10, 30, 40}},
		{"SUBJECT DATE", []uint32{50, 20, 30, 10, 40}},
		{"SUBJECT REVERSE DATE", []uint32{50, 20, 10, 30, 40}},
		{"REVERSE SUBJECT", []uint32{40, 10, 30, 20, 50}},
		{"FROM", []uint32{50, 40, 20, 30, 10}},
		{"TO", []uint32{40, 50, 30, 20, 10}}, // empty strings first
		{"CC", []uint32{20, 30, 40, 50, 10}},
		// Display names: "Ärger" decomposes to A+diaeresis and sorts first
		// among the As; bob, Carol; alice@x.org has no name: its address.
		{"DISPLAYFROM", []uint32{50, 20, 40, 30, 10}},
		{"DISPLAYTO", []uint32{40, 50, 30, 20, 10}},
		{"REVERSE DISPLAYTO", []uint32{10, 20, 30, 40, 50}},
	}
	for _, c := range cases {
		var criteria []proto.SortCriterion
		words := strings.Fields(c.criteria)
		for i := 0; i < len(words); i++ {
			cr := proto.SortCriterion{}
			if words[i] == "REVERSE" {
				cr.Reverse = true
				i++
			}
			cr.Key = proto.SortKey(words[i])
			criteria = append(criteria, cr)
		}
		if got := Sort(msgs, criteria); !slices.Equal(got, c.want) {
			t.Errorf("SORT (%s) = %v, want %v", c.criteria, got, c.want)
		}
		cmp := SortCompare(criteria)
		sorted := slices.Clone(msgs)
		slices.SortFunc(sorted, func(a, b store.Message) int { return cmp(&a, &b) })
		var got []uint32
		for _, m := range sorted {
			got = append(got, m.UID)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("SortCompare (%s) orders %v, want %v", c.criteria, got, c.want)
		}
	}
}

func TestSortKeysOfMessages(t *testing.T) {
	msgs := loadSorted(sortMessages)
	got := []string{}
	for _, m := range msgs {
		got = append(got, fmt.Sprintf("%s|%s|%s|%s|%s", m.Sort.Subject, m.Sort.From, m.Sort.To, m.Sort.DisplayFrom, m.Sort.DisplayTo))
	}
	want := []string{
		"BANANA|CAROL|ZED|CAROL|ZED@X.ORG",
		"APPLE|ALICE|YANN|ALICE@X.ORG|YANN",
		"BANANA|BOB|X|BOB|XAVIER",
		"CHERRY|AERGER||A\u0308RGER|",
		"||||",
	}
	if !slices.Equal(got, want) {
		t.Errorf("keys:\n got %q\nwant %q", got, want)
	}
}

package storetest

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"roost/internal/store"
)

// sortKeysMessage has every header the sort keys come from; its keys are
// sortKeysWant.
const sortKeysMessage = "Date: Sat, 31 Dec 2000 16:01:33 -0800\r\n" +
	"From: =?utf-8?q?J=C3=B6rg?= <Joerg@Example.DE>\r\n" +
	"To: team: ann@example.org;, Carl <carl@example.org>\r\n" +
	"Cc: cc@example.net\r\n" +
	"Subject: Re: [list] Fwd: Straße (fwd)\r\n" +
	"Message-ID: <\"abc.def\"@example.de>\r\n" +
	"In-Reply-To: <parent@example.de>\r\n" +
	"References: <root@example.de> <parent@example.de>\r\n" +
	"\r\n" +
	"body\r\n"

var sortKeysWant = store.SortKeys{
	// RFC 5256 §2.2: the sent date normalized to UTC.
	SentDate:     time.Date(2001, 1, 1, 0, 1, 33, 0, time.UTC),
	Subject:      "STRAßE", // simple titlecase mapping: ß stays (RFC 5051)
	SubjectReply: true,
	From:         "JOERG",
	To:           "TEAM", // the first ENVELOPE address: the group start, named "team"
	Cc:           "CC",
	DisplayFrom:  "JO\u0308RG", // decomposed
	DisplayTo:    "TEAM",       // a group start: its name
	MessageID:    "abc.def@example.de",
	References:   []string{"root@example.de", "parent@example.de"},
}

// testSortKeys: FetchOptions.SortKeys loads the keys SORT and THREAD
// compare, computed at Append, for copies too; without it Sort is nil.
func testSortKeys(t *testing.T, b store.Backend) {
	u := newUser(t, b, "alice")
	inbox := mailbox(t, b, u.ID, "INBOX")
	other := createMailbox(t, b, u.ID, "Other")
	_, got, err := b.Append(ctx, inbox.ID, []store.AppendMessage{
		{Staged: stage(t, b, sortKeysMessage)},
		{Staged: stage(t, b, "Subject: plain\r\n\r\nno other header\r\n")},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Copy(ctx, inbox.ID, got[:1], other.ID); err != nil {
		t.Fatal(err)
	}
	load := func(mailboxID int64, uids []uint32, opts store.FetchOptions) []store.Message {
		msgs, err := b.Messages(ctx, mailboxID, uids, opts)
		if err != nil || len(msgs) != len(uids) {
			t.Fatalf("Messages(%v, %+v) = %v, %v", uids, opts, msgs, err)
		}
		return msgs
	}
	if m := load(inbox.ID, got, store.FetchOptions{Structure: true}); m[0].Sort != nil {
		t.Fatalf("without SortKeys: Sort = %+v, want nil", m[0].Sort)
	}
	msgs := load(inbox.ID, got, store.FetchOptions{SortKeys: true})
	if m := msgs[0]; m.Sort == nil || m.Parsed != nil {
		t.Fatalf("SortKeys only: Sort %+v, Parsed %+v; want keys and no parse results", m.Sort, m.Parsed)
	}
	if diff := cmp.Diff(&sortKeysWant, msgs[0].Sort); diff != "" {
		t.Errorf("sort keys (-want +got):\n%s", diff)
	}
	plain := &store.SortKeys{Subject: "PLAIN"}
	if diff := cmp.Diff(plain, msgs[1].Sort); diff != "" {
		t.Errorf("sort keys of a message with only a subject (-want +got):\n%s", diff)
	}
	copied := load(other.ID, []uint32{1}, store.FetchOptions{SortKeys: true, SearchText: true})
	if diff := cmp.Diff(&sortKeysWant, copied[0].Sort); diff != "" {
		t.Errorf("sort keys of the copy (-want +got):\n%s", diff)
	}
	if copied[0].Parsed == nil || len(copied[0].Parsed.Headers) != 8 {
		t.Errorf("SortKeys with SearchText: Parsed = %+v, want 8 header fields", copied[0].Parsed)
	}
}

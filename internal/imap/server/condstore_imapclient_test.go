package server

import (
	"slices"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// TestCondStoreGoIMAPClient drives CONDSTORE with the go-imap v2 client:
// SELECT (CONDSTORE), STORE (UNCHANGEDSINCE), FETCH (CHANGEDSINCE),
// SEARCH MODSEQ and STATUS HIGHESTMODSEQ, as a third-party client parses
// them.
func TestCondStoreGoIMAPClient(t *testing.T) {
	ts, _ := condStoreServer(t) // UIDs 1..3, MODSEQs 2..4
	ic := ts.client(t, nil)
	caps, err := ic.Capability().Wait()
	if err != nil {
		t.Fatal(err)
	}
	if !caps.Has(imap.CapCondStore) || !caps.Has(imap.CapQResync) {
		t.Fatalf("capabilities lack CONDSTORE or QRESYNC: %v", caps)
	}
	if _, err := ic.Enable(imap.CapIMAP4rev2).Wait(); err != nil { // no \Recent
		t.Fatal(err)
	}
	sel, err := ic.Select("INBOX", &imap.SelectOptions{CondStore: true}).Wait()
	if err != nil {
		t.Fatal(err)
	}
	if sel.HighestModSeq != 4 || sel.NumMessages != 3 {
		t.Fatalf("SELECT (CONDSTORE): HIGHESTMODSEQ %d, %d messages; want 4, 3", sel.HighestModSeq, sel.NumMessages)
	}

	type msg struct {
		UID    imap.UID
		Flags  []imap.Flag
		ModSeq uint64
	}
	summary := func(what string, cmdErr error, bufs []*imapclient.FetchMessageBuffer) []msg {
		t.Helper()
		if cmdErr != nil {
			t.Fatalf("%s: %v", what, cmdErr)
		}
		var out []msg
		for _, b := range bufs {
			out = append(out, msg{b.UID, b.Flags, b.ModSeq})
		}
		return out
	}
	equalMsgs := func(what string, got, want []msg) {
		t.Helper()
		if !slices.EqualFunc(got, want, func(a, b msg) bool {
			return a.UID == b.UID && a.ModSeq == b.ModSeq && slices.Equal(a.Flags, b.Flags)
		}) {
			t.Fatalf("%s:\n got %+v\nwant %+v", what, got, want)
		}
	}

	// UNCHANGEDSINCE 3: UID 1 (MODSEQ 2) and 2 (3) change, 3 (4) does not.
	bufs, err := ic.Store(imap.UIDSetNum(1, 2, 3), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Flags: []imap.Flag{imap.FlagSeen}},
		&imap.StoreOptions{UnchangedSince: 3}).Collect()
	equalMsgs("UID STORE (UNCHANGEDSINCE 3)", summary("STORE", err, bufs), []msg{
		{1, []imap.Flag{imap.FlagSeen}, 5}, {2, []imap.Flag{imap.FlagSeen}, 6},
	})

	bufs, err = ic.Fetch(imap.UIDSet{{Start: 1, Stop: 0}}, &imap.FetchOptions{UID: true, Flags: true, ChangedSince: 4}).Collect()
	equalMsgs("UID FETCH 1:* (FLAGS) (CHANGEDSINCE 4)", summary("FETCH", err, bufs), []msg{
		{1, []imap.Flag{imap.FlagSeen}, 5}, {2, []imap.Flag{imap.FlagSeen}, 6},
	})
	bufs, err = ic.Fetch(imap.UIDSet{{Start: 1, Stop: 0}}, &imap.FetchOptions{UID: true, ModSeq: true}).Collect()
	equalMsgs("UID FETCH 1:* (MODSEQ)", summary("FETCH", err, bufs), []msg{{1, nil, 5}, {2, nil, 6}, {3, nil, 4}})

	search, err := ic.UIDSearch(&imap.SearchCriteria{ModSeq: &imap.SearchCriteriaModSeq{ModSeq: 5}}, nil).Wait()
	if err != nil {
		t.Fatal(err)
	}
	if got := search.AllUIDs(); !slices.Equal(got, []imap.UID{1, 2}) || search.ModSeq != 6 {
		t.Fatalf("UID SEARCH MODSEQ 5: %v (MODSEQ %d), want [1 2] (MODSEQ 6)", got, search.ModSeq)
	}
	st, err := ic.Status("INBOX", &imap.StatusOptions{HighestModSeq: true}).Wait()
	if err != nil {
		t.Fatal(err)
	}
	if st.HighestModSeq != 6 {
		t.Fatalf("STATUS HIGHESTMODSEQ = %d, want 6", st.HighestModSeq)
	}
}

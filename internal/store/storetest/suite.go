// Package storetest is the conformance suite every store.Backend must
// pass. Backends call Run from their tests with a function that opens a
// fresh, empty store, and RunDurable with one that opens the store kept in
// a given directory.
package storetest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"roost/internal/store"
)

// Run runs every subtest that needs only fresh stores. open must return a
// new, empty backend; Run closes it.
func Run(t *testing.T, open func(t *testing.T) store.Backend) {
	tests := []struct {
		name string
		fn   func(t *testing.T, b store.Backend)
	}{
		{"Users", testUsers},
		{"DefaultMailboxes", testDefaultMailboxes},
		{"CreateMailbox", testCreateMailbox},
		{"InvalidNames", testInvalidNames},
		{"DeleteMailbox", testDeleteMailbox},
		{"DeleteMailboxWithChildren", testDeleteMailboxWithChildren},
		{"RenameMailbox", testRenameMailbox},
		{"RenameInbox", testRenameInbox},
		{"Subscriptions", testSubscriptions},
		{"AppendAndMessages", testAppendAndMessages},
		{"FlagsNormalised", testFlagsNormalised},
		{"InternalDate", testInternalDate},
		{"FetchOptions", testFetchOptions},
		{"SortKeys", testSortKeys},
		{"StageLimit", testStageLimit},
		{"UIDsNeverReused", testUIDsNeverReused},
		{"SelectSnapshot", testSelectSnapshot},
		{"Status", testStatus},
		{"ClaimRecent", testClaimRecent},
		{"StoreFlags", testStoreFlags},
		{"StoreFlagsUnchangedSince", testStoreFlagsUnchangedSince},
		{"ChangedSince", testChangedSince}, // modseq.go
		{"Vanished", testVanished},
		{"Keywords", testKeywords},
		{"Expunge", testExpunge},
		{"Copy", testCopy},
		{"Move", testMove},
		{"BlobsCollected", testBlobsCollected},
		{"DeletedMailboxErrors", testDeletedMailboxErrors},
		{"WatchersSeeChangesInOrder", testWatchersInOrder},
		{"MailboxDeletedNotifications", testMailboxDeletedNotifications},
		{"ConcurrentAppenders", testConcurrentAppenders},
		{"ConcurrentReadersAndWriters", testConcurrentReadersAndWriters},
		{"ACL", testACL}, // acl.go
		{"SharedAccount", testSharedAccount},
		{"PerUserSeen", testPerUserSeen},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := open(t)
			t.Cleanup(func() {
				if problems, err := b.Check(context.Background()); err != nil || len(problems) > 0 {
					t.Errorf("Check after test: %v, %q", err, problems)
				}
				if err := b.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			})
			tc.fn(t, b)
		})
	}
}

var ctx = context.Background()

// Message returns a small, well-formed message, different for each n.
func Message(n int) string {
	return fmt.Sprintf("From: Alice <alice@example.com>\r\n"+
		"To: Bob <bob@example.com>\r\n"+
		"Subject: message %d\r\n"+
		"Date: Mon, 02 Jan 2006 15:04:05 -0700\r\n"+
		"Message-ID: <%d@example.com>\r\n"+
		"\r\n"+
		"body %d\r\n", n, n, n)
}

func blobID(content string) string {
	h := sha256.Sum256([]byte(content))
	return hex.EncodeToString(h[:])
}

func newUser(t *testing.T, b store.Backend, name string) *store.User {
	t.Helper()
	u, err := b.CreateUser(ctx, name, "hash-of-"+name)
	if err != nil {
		t.Fatalf("CreateUser(%q): %v", name, err)
	}
	return u
}

func mailbox(t *testing.T, b store.Backend, userID int64, name string) *store.Mailbox {
	t.Helper()
	mb, err := b.Mailbox(ctx, userID, name)
	if err != nil {
		t.Fatalf("Mailbox(%q): %v", name, err)
	}
	return mb
}

func createMailbox(t *testing.T, b store.Backend, userID int64, name string) *store.Mailbox {
	t.Helper()
	mb, err := b.CreateMailbox(ctx, userID, name, "")
	if err != nil {
		t.Fatalf("CreateMailbox(%q): %v", name, err)
	}
	return mb
}

func stage(t *testing.T, b store.Backend, content string) *store.Staged {
	t.Helper()
	s, err := b.Stage(ctx, strings.NewReader(content), 0)
	if err != nil {
		t.Fatalf("Stage: %v", err)
	}
	return s
}

// appendN appends Message(first), Message(first+1), ... with the given
// flags and returns their UIDs.
func appendN(t *testing.T, b store.Backend, mailboxID int64, first, n int, flags ...string) []uint32 {
	t.Helper()
	msgs := make([]store.AppendMessage, n)
	for i := range msgs {
		msgs[i] = store.AppendMessage{Staged: stage(t, b, Message(first+i)), Flags: flags}
	}
	_, uids, err := b.Append(ctx, mailboxID, msgs)
	if err != nil {
		t.Fatalf("Append: %v", err)
	}
	return uids
}

func messages(t *testing.T, b store.Backend, mailboxID int64, uids []uint32) []store.Message {
	t.Helper()
	msgs, err := b.Messages(ctx, mailboxID, uids, store.FetchOptions{})
	if err != nil {
		t.Fatalf("Messages: %v", err)
	}
	return msgs
}

func uidsOf(msgs []store.Message) []uint32 {
	out := make([]uint32, len(msgs))
	for i, m := range msgs {
		out[i] = m.UID
	}
	return out
}

func flagsOf(msgs []store.Message) [][]string {
	out := make([][]string, len(msgs))
	for i, m := range msgs {
		out[i] = m.Flags
	}
	return out
}

func names(mbs []store.Mailbox) []string {
	out := make([]string, len(mbs))
	for i, mb := range mbs {
		out[i] = mb.Name
	}
	return out
}

func listNames(t *testing.T, b store.Backend, userID int64) []string {
	t.Helper()
	mbs, err := b.Mailboxes(ctx, userID)
	if err != nil {
		t.Fatalf("Mailboxes: %v", err)
	}
	return names(mbs)
}

func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s: err = %v, want %v", what, err, want)
	}
}

func equal[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
		t.Fatalf("%s differs (-want +got):\n%s", what, diff)
	}
}

func uids(us ...uint32) []uint32 { return us }

func uidRange(first, last uint32) []uint32 {
	var out []uint32
	for u := first; u <= last; u++ {
		out = append(out, u)
	}
	return out
}

// drain collects what a watcher has queued, waiting (boundedly) until at
// least n changes have arrived. Changes are published before the writing
// call returns, so in these tests they are already there.
func drain(t *testing.T, w *store.Watcher, n int) []store.Change {
	t.Helper()
	var got []store.Change
	deadline := time.After(10 * time.Second)
	for len(got) < n {
		got = append(got, w.Drain()...)
		if len(got) >= n {
			break
		}
		select {
		case <-w.Ready():
		case <-deadline:
			t.Fatalf("watcher got %d changes, want %d: %+v", len(got), n, got)
		}
	}
	return got
}

func strictlyAscending(u []uint32) bool {
	for i := 1; i < len(u); i++ {
		if u[i] <= u[i-1] {
			return false
		}
	}
	return true
}

func stringsReader(s string) *strings.Reader { return strings.NewReader(s) }

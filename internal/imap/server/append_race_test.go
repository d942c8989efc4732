package server

import (
	"context"
	"sync"
	"testing"

	"roost/internal/store"
	"roost/internal/store/sqlite"
)

// An APPEND of bytes that are already stored drops its own copy and
// refers to the stored file. If the last message with those bytes is
// expunged (and its file removed) between the placing and the commit, the
// client's APPEND still succeeds, whether the expunge comes from this
// server (the placed blob is pinned) or from another process that opened
// the same data directory (the store places the bytes again and retries),
// and the new message can be read.
func TestAppendRacingRemovalOfSameContent(t *testing.T) {
	const raw = "Subject: same\r\n\r\nsame bytes\r\n"
	for _, tc := range []struct {
		name  string
		other bool // expunge through a second store on the same directory
	}{{"this server", false}, {"another process", true}} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			ts := newTestServer(t, nil)
			first := ts.appendMsg(t, "INBOX", raw)
			inbox := ts.mailbox(t, "INBOX")
			expunger := store.Backend(ts.store)
			if tc.other {
				other, err := sqlite.Open(ts.dir, sqlite.Options{NoGC: true})
				if err != nil {
					t.Fatal(err)
				}
				defer other.Close()
				expunger = other
			}
			var once sync.Once
			var hookErr error
			ts.store.SetAfterPlaceHook(func() {
				once.Do(func() {
					if _, _, err := expunger.StoreFlags(ctx, inbox.ID, []uint32{first}, store.FlagsAdd, []string{store.FlagDeleted}, 0); err != nil {
						hookErr = err
						return
					}
					_, hookErr = expunger.Expunge(ctx, inbox.ID, []uint32{first})
				})
			})
			defer ts.store.SetAfterPlaceHook(nil)

			c := ts.login(t)
			c.want("APPEND INBOX {"+itoa(len(raw))+"+}\r\n"+raw,
				"OK [APPENDUID "+itoa(inbox.UIDValidity)+" 2] APPEND completed.")
			if hookErr != nil {
				t.Fatal(hookErr)
			}
			c.ok("EXAMINE INBOX")
			c.want("FETCH 1:* (UID BODY.PEEK[])", "OK Fetch completed.",
				"* 1 FETCH (UID 2 BODY[] {"+itoa(len(raw))+"}\r\n"+raw+")")
			if problems, err := ts.store.Check(ctx); err != nil || len(problems) != 0 {
				t.Fatalf("Check = %q, %v", problems, err)
			}
		})
	}
}

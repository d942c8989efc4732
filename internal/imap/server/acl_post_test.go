package server

import (
	"context"
	"errors"
	"strings"
	"testing"

	"roost/internal/store"
)

// TestACLPostRight: "p" (RFC 4314 §4: post to the mailbox's submission
// address) travels through SETACL, GETACL, MYRIGHTS and LISTRIGHTS like
// any other right, is what store.CheckPost (the delivery path's check)
// decides by, and has nothing to do with APPEND, which needs "i".
func TestACLPostRight(t *testing.T) {
	ts, alice, bob := newACLServer(t)
	ctx := context.Background()
	archive := ts.mailbox(t, "Archive")
	bobUser, err := ts.store.User(ctx, "bob")
	if err != nil {
		t.Fatal(err)
	}
	poster := store.Sender{ID: bobUser.ID, Name: "bob"}
	checkPost := func(sender store.Sender, want error) {
		t.Helper()
		if err := store.CheckPost(ctx, ts.store, archive, sender); !errors.Is(err, want) {
			t.Fatalf("CheckPost(%+v) = %v, want %v", sender, err, want)
		}
	}
	checkPost(poster, store.ErrPostDenied)
	checkPost(store.Sender{ID: ts.user.ID, Name: harnessUser}, nil) // the owner

	alice.want("SETACL Archive bob lp", "OK SETACL completed.")
	alice.want("GETACL Archive", "OK GETACL completed.", `* ACL "Archive" "alice" "lrswipkxteacd" "bob" "lp"`)
	bob.want(`MYRIGHTS "Other Users/alice/Archive"`, "OK MYRIGHTS completed.", `* MYRIGHTS "Other Users/alice/Archive" "lp"`)
	alice.want("LISTRIGHTS Archive bob", "OK LISTRIGHTS completed.", `* LISTRIGHTS "Archive" "bob" "" l r s w i p k x t e a c d`)
	checkPost(poster, nil)
	checkPost(store.Sender{}, store.ErrPostDenied) // no user of ours: only "anyone" counts
	// "p" is no licence to APPEND (RFC 4314 §4: APPEND needs "i").
	bob.want(`APPEND "Other Users/alice/Archive" {5+}`+"\r\nhello", "NO [NOPERM] Permission denied (needs right i).")

	// "i" without "p": APPEND works, posting does not.
	alice.want("SETACL Archive bob -p", "OK SETACL completed.")
	alice.want("SETACL Archive bob +i", "OK SETACL completed.")
	bob.want(`MYRIGHTS "Other Users/alice/Archive"`, "OK MYRIGHTS completed.", `* MYRIGHTS "Other Users/alice/Archive" "li"`)
	if _, st := bob.do(`APPEND "Other Users/alice/Archive" {5+}` + "\r\nhello"); !strings.HasPrefix(st, "OK [APPENDUID ") {
		t.Fatalf("APPEND with i: %s", st)
	}
	checkPost(poster, store.ErrPostDenied)

	// "anyone p" lets everyone post, strangers included; "-bob p" takes it
	// from bob alone.
	alice.want("SETACL Archive anyone p", "OK SETACL completed.")
	alice.want("SETACL Archive -bob p", "OK SETACL completed.")
	alice.want("GETACL Archive", "OK GETACL completed.",
		`* ACL "Archive" "alice" "lrswipkxteacd" "anyone" "p" "bob" "li" "-bob" "p"`)
	checkPost(store.Sender{}, nil)
	checkPost(poster, store.ErrPostDenied)
}

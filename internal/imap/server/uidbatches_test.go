package server

import (
	"testing"
)

// TestUIDBatches: UIDBATCHES splits the mailbox into contiguous UID
// ranges of batch-size messages, newest first; a range of batch numbers
// picks some of them; expunged messages shift the boundaries.
func TestUIDBatches(t *testing.T) {
	ts := newTestServer(t, nil)
	c := ts.login(t)
	c.want("UIDBATCHES 500", "BAD No mailbox selected")
	c.ok("SELECT INBOX")
	batches := func(cmd, ranges string) {
		t.Helper()
		c.want(cmd, "OK UIDBATCHES completed.", `* UIDBATCHES (TAG "`+tagOfNext(c)+`")`+ranges)
	}
	batches("UIDBATCHES 500", "") // empty mailbox

	ts.appendMany(t, "INBOX", 1100)
	c.ok("NOOP")
	batches("UIDBATCHES 500", " 1100:601,600:101,100:1")
	batches("UIDBATCHES 1100", " 1100:1")
	batches("UIDBATCHES 2000", " 1100:1")
	batches("UIDBATCHES 500 2:3", " 600:101,100:1")
	batches("UIDBATCHES 500 3:2", " 600:101,100:1")
	batches("UIDBATCHES 500 1:1", " 1100:601")
	batches("UIDBATCHES 500 3:10", " 100:1")
	batches("UIDBATCHES 500 4:5", "")

	// Expunged messages: the batches still hold 500 messages each.
	ts.expunge(t, "INBOX", 1100)
	ts.expunge(t, "INBOX", 600)
	c.ok("NOOP")
	batches("UIDBATCHES 500", " 1099:599,598:99,98:1")

	// In UIDONLY mode too (it is what the extension is for).
	u := ts.login(t)
	u.want("ENABLE UIDONLY", "OK ENABLE completed.", "* ENABLED UIDONLY")
	u.ok("EXAMINE INBOX")
	u.want("UIDBATCHES 1000", "OK UIDBATCHES completed.", `* UIDBATCHES (TAG "`+tagOfNext(u)+`") 1099:99,98:1`)

	// Errors.
	c.want("UIDBATCHES 499", "NO [CANNOT] Batch size must be at least 500")
	c.want("UIDBATCHES 0", "BAD Invalid batch size: expected a non-zero number")
	c.want("UIDBATCHES", "BAD Expected SP after UIDBATCHES")
	c.want("UIDBATCHES 500 1", `BAD Expected ":" in batch range`)
	c.want("UIDBATCHES 500 0:3", "BAD Invalid batch range: expected a non-zero number")
	c.want("UIDBATCHES 500 1:2 x", "BAD Too many arguments to UIDBATCHES")
}

package server

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"roost/internal/store"
)

// appendMany stores n small messages in mailbox in one store call and
// returns their UIDs (ascending).
func (ts *testServer) appendMany(t *testing.T, mailbox string, n int) []uint32 {
	t.Helper()
	ctx := context.Background()
	msgs := make([]store.AppendMessage, 0, n)
	for i := range n {
		raw := fmt.Sprintf("From: a@example.org\r\nSubject: message %d\r\n\r\nbody %d\r\n", i+1, i+1)
		staged, err := ts.store.Stage(ctx, strings.NewReader(raw), 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, store.AppendMessage{Staged: staged})
	}
	_, uids, err := ts.store.Append(ctx, ts.mailbox(t, mailbox).ID, msgs)
	if err != nil {
		t.Fatal(err)
	}
	return uids
}

// tagOfNext is the tag c.do will give the next command.
func tagOfNext(c *rawClient) string { return "A" + strconv.Itoa(c.n+1) }

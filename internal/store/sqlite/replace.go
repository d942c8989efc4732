package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"roost/internal/store"
)

// Replace implements store.Replacer: it appends msg to dstMailboxID and removes the message with UID uid
// from srcMailboxID, in one transaction: REPLACE of RFC 8508 §3.4, where
// "these operations will appear to the client as a single action". The
// removal is an expunge (RFC 8508 §4.5: like UID EXPUNGE, with its own
// MODSEQ and QRESYNC record) whatever the message's flags. It returns the
// destination's UIDVALIDITY and the new message's UID. The two mailboxes
// may be the same. If the old message no longer exists, nothing changes
// and the error is store.ErrNoMessage.
func (s *Store) Replace(ctx context.Context, srcMailboxID int64, uid uint32, dstMailboxID int64, msg store.AppendMessage) (uint32, uint32, error) {
	if msg.Staged == nil {
		return 0, 0, errors.New("sqlite: Replace of a message that was not staged")
	}
	enc, err := encodeContent(msg.Staged.Parsed)
	if err != nil {
		return 0, 0, err
	}
	msgs := []store.AppendMessage{msg}
	wctx := context.WithoutCancel(ctx) // see placeAndWrite
	var validity, newUID uint32
	err = s.placeAndWrite(ctx, msgs, func(tx *sql.Tx, st *txState) error { // pins.go
		ctx := wctx
		src, err := getSelectable(ctx, tx, srcMailboxID)
		if err != nil {
			return err
		}
		dst, err := getSelectable(ctx, tx, dstMailboxID)
		if err != nil {
			return err
		}
		if src.UserID != dst.UserID {
			return fmt.Errorf("%w: mailboxes of different users", store.ErrNoMailbox)
		}
		old, err := queryUIDs(ctx, tx, srcMailboxID, []uint32{uid}, flagRowQuery, scanFlagRow)
		if err != nil {
			return err
		}
		if len(old) != 1 {
			return store.ErrNoMessage
		}
		v, uids, err := s.appendTx(ctx, tx, st, dstMailboxID, []store.AppendMessage{msg}, []encodedContent{enc})
		if err != nil {
			return err
		}
		validity, newUID = v, uids[0]
		return removeMessages(ctx, tx, st, srcMailboxID, old)
	})
	if err != nil {
		return 0, 0, err
	}
	return validity, newUID, nil
}

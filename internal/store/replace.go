package store

import (
	"context"
	"errors"
)

// ErrNoMessage is returned when a message named by UID no longer exists.
var ErrNoMessage = errors.New("no such message")

// Replacer is an optional Backend capability: REPLACE of RFC 8508, an
// APPEND of msg to dstMailboxID and the expunge of the message with UID
// uid from srcMailboxID (whatever its flags), in one transaction. It
// returns the destination's UIDVALIDITY and the new message's UID, or
// ErrNoMessage (and changes nothing) if the old message is gone. The
// mailboxes may be the same; they must belong to one user.
type Replacer interface {
	Replace(ctx context.Context, srcMailboxID int64, uid uint32, dstMailboxID int64, msg AppendMessage) (uidValidity, newUID uint32, err error)
}

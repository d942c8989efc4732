package store

import (
	"context"
	"errors"
)

// Quotas (RFC 9208). Every account is one quota root: the STORAGE and
// MESSAGE usage of all the mailboxes a user owns (a shared mailbox counts
// against the account that owns it). Usage counts every message instance
// as the client sees it: a COPY adds the copy's size even though the
// backend stores the bytes once (RFC 9208 §5.1 lets the estimate differ
// from RFC822.SIZE sums; counting copies keeps it equal to the sum of
// STATUS SIZE over the account's mailboxes, which users can verify).

// ErrOverQuota: the change would put the account over one of its limits
// (RFC 9208 §4.3.1 OVERQUOTA). Nothing was changed.
var ErrOverQuota = errors.New("quota exceeded")

// NoLimit in a QuotaLimits field means the resource is not limited.
const NoLimit int64 = -1

// QuotaLimits are the administrator's limits of one account.
type QuotaLimits struct {
	// StorageKiB limits the sum of message sizes, in units of 1024 octets
	// (RFC 9208 §5.1); NoLimit if none.
	StorageKiB int64
	// Messages limits the number of messages (RFC 9208 §5.2); NoLimit if
	// none.
	Messages int64
}

// Unlimited is QuotaLimits with no limit at all.
var Unlimited = QuotaLimits{StorageKiB: NoLimit, Messages: NoLimit}

// Quota is the usage and limits of one account.
type Quota struct {
	UserID   int64
	Bytes    int64 // sum of the sizes of every message in the account's mailboxes
	Messages int64 // number of messages in the account's mailboxes
	Limits   QuotaLimits
}

// StorageKiB is the STORAGE usage as RFC 9208 reports it: KiB, rounded up
// so that usage within the limit never shows above it and any message
// shows as used space.
func (q *Quota) StorageKiB() int64 { return (q.Bytes + 1023) / 1024 }

// QuotaBackend is implemented by backends that keep quotas. Usage is
// maintained inside the transactions that add and remove messages, so it
// is exact at every commit; a transaction that adds messages to an account
// and leaves it above a limit (and above its usage before the transaction)
// fails with ErrOverQuota and changes nothing. A MOVE within one account
// therefore always works, even over the limit.
type QuotaBackend interface {
	Quota(ctx context.Context, userID int64) (*Quota, error)
	// SetQuota replaces the account's limits (RFC 9208 §4.1.3: limits not
	// given are removed). Lowering a limit below the usage is allowed:
	// further additions are refused until enough is expunged.
	SetQuota(ctx context.Context, userID int64, limits QuotaLimits) error
	// DeletedSize is the sum of the sizes of the mailbox's messages that
	// have \Deleted: what EXPUNGE would free (RFC 9208 §4.1.4
	// DELETED-STORAGE, in octets).
	DeletedSize(ctx context.Context, mailboxID int64) (int64, error)
	// Admin reports whether the user is an administrator (who may
	// SETQUOTA and set shared server metadata); SetAdmin changes it.
	Admin(ctx context.Context, userID int64) (bool, error)
	SetAdmin(ctx context.Context, userID int64, admin bool) error
}

package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"roost/internal/store"
)

// The user-wide change feed (store.Hub.WatchUser, for IMAP NOTIFY): message
// changes carry the owner's user ID, and mailbox creation, renaming,
// deletion and subscription changes are published as namespace changes.

// WatchUser implements store.UserWatcher.
func (s *Store) WatchUser(userID int64) *store.Watcher { return s.hub.WatchUser(userID) }

// resolveUsers looks up the owner of every mailbox whose changes fn
// recorded, inside the transaction (before commit, while the row is still
// there to ask). A mailbox deleted by the same transaction has no owner
// any more: its changes go to its own watchers only, which get
// MailboxDeleted anyway.
func (st *txState) resolveUsers(ctx context.Context, tx querier) error {
	for _, id := range st.order {
		var userID int64
		err := tx.QueryRowContext(ctx, "SELECT user_id FROM mailboxes WHERE id = ?", id).Scan(&userID)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return err
		}
		if st.owner == nil {
			st.owner = make(map[int64]int64)
		}
		st.owner[id] = userID
	}
	return nil
}

// namespaceChange records a namespace change for the user watchers.
func (st *txState) namespaceChange(kind store.ChangeKind, userID, mailboxID int64, name, oldName string) {
	st.namespace = append(st.namespace, store.Change{Kind: kind, UserID: userID, MailboxID: mailboxID, Name: name, OldName: oldName})
}

// subscriptionChange records that name was (un)subscribed.
func (st *txState) subscriptionChange(userID int64, name string, subscribed bool) {
	st.namespace = append(st.namespace, store.Change{Kind: store.SubscriptionChanged, UserID: userID, Name: name, Subscribed: subscribed})
}

// publishNamespace hands the namespace changes to the hub, after commit and
// under the write lock like the message changes, grouped by user in order.
func (st *txState) publishNamespace(h *store.Hub) {
	for i := 0; i < len(st.namespace); {
		j := i + 1
		for j < len(st.namespace) && st.namespace[j].UserID == st.namespace[i].UserID {
			j++
		}
		h.PublishUser(st.namespace[i].UserID, st.namespace[i:j])
		i = j
	}
}

// missingNames returns those of names the user has no mailbox row for, in
// order: the parents a CREATE or RENAME is about to create.
func missingNames(ctx context.Context, q querier, userID int64, names []string) ([]string, error) {
	var out []string
	for _, n := range names {
		_, err := mailboxByName(ctx, q, userID, n)
		switch {
		case errors.Is(err, store.ErrNoMailbox):
			out = append(out, n)
		case err != nil:
			return nil, err
		}
	}
	return out, nil
}

// noteCreated records MailboxCreated for each of names that now exists.
func noteCreated(ctx context.Context, q querier, st *txState, userID int64, names []string) error {
	for _, n := range names {
		mb, err := mailboxByName(ctx, q, userID, n)
		if err != nil {
			return err
		}
		st.namespaceChange(store.MailboxCreated, userID, mb.ID, n, "")
	}
	return nil
}

// noteRenamed records MailboxRenamed for the mailbox now called name.
func noteRenamed(ctx context.Context, q querier, st *txState, userID int64, name, oldName string) error {
	mb, err := mailboxByName(ctx, q, userID, name)
	if err != nil {
		return err
	}
	st.namespaceChange(store.MailboxRenamed, userID, mb.ID, name, oldName)
	return nil
}

// noteSubscription records a SubscriptionChanged if the statement that
// produced res changed a row; err is that statement's error, passed on.
func noteSubscription(st *txState, res sql.Result, err error, userID int64, name string, subscribed bool) error {
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n > 0 {
		st.subscriptionChange(userID, name, subscribed)
	}
	return nil
}

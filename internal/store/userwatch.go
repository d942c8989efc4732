package store

import "slices"

// User-wide change feed (IMAP NOTIFY, RFC 5465): one watcher sees what
// happens to every mailbox of one user, and to the user's mailbox names and
// subscriptions.

// Namespace change kinds. They reach user watchers only (PublishUser); the
// watchers of a single mailbox keep getting MailboxDeleted from Publish
// exactly as before, also when the mailbox was renamed away.
const (
	// MailboxCreated: mailbox Name now exists (CREATE, a parent created
	// on the way, a \Noselect name made selectable again, the new
	// mailbox of a RENAME INBOX).
	MailboxCreated ChangeKind = iota + 100
	// MailboxRenamed: mailbox MailboxID moved from OldName to Name, its
	// children with it (one change for the whole subtree).
	MailboxRenamed
	// SubscriptionChanged: Name was subscribed (Subscribed true) or
	// unsubscribed.
	SubscriptionChanged
	// ACLChanged: the ACL of mailbox MailboxID (of another account)
	// changed an entry for UserID, or for every user (Anyone) when it is
	// published with PublishUser(0, ...): what UserID may see or read
	// there may have changed.
	ACLChanged
)

// MailboxDeleted (changes.go) is also a namespace change: published with
// PublishUser and Name set, it says the name was deleted (it may live on
// as a \Noselect name when it has children).

// isMessageChange reports whether c is about messages of one mailbox
// (the kinds user watchers receive through PublishOwned).
func isMessageChange(c Change) bool {
	switch c.Kind {
	case MessageAdded, FlagsChanged, MessageExpunged:
		return true
	}
	return false
}

// WatchUser registers a watcher for everything that happens to userID's
// mailboxes: the message changes of every mailbox (PublishOwned) and the
// namespace changes (PublishUser), in commit order. Close it when done.
func (h *Hub) WatchUser(userID int64) *Watcher {
	w := &Watcher{hub: h, userID: userID, ready: make(chan struct{}, 1)}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.users == nil {
		h.users = make(map[int64]map[*Watcher]struct{})
	}
	set := h.users[userID]
	if set == nil {
		set = make(map[*Watcher]struct{})
		h.users[userID] = set
	}
	set[w] = struct{}{}
	return w
}

// PublishUser delivers namespace changes of one user (all with the same
// UserID) to that user's watchers. Backends call it after commit, under
// the same lock as Publish, so that user watchers see one order.
func (h *Hub) PublishUser(userID int64, changes []Change) {
	if len(changes) == 0 {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if userID == 0 { // every user (an ACL entry for Anyone)
		for _, set := range h.users {
			for w := range set {
				h.pushUser(w, changes)
			}
		}
		return
	}
	for w := range h.users[userID] {
		h.pushUser(w, changes)
	}
}

// pushUser queues namespace changes for a user watcher. A watcher that
// follows mailboxes of other accounts starts following the mailbox of an
// ACLChanged at once, in the same critical section: its owner re-computes
// what to follow only when it reads the change, and the changes committed
// in between must not be lost if the change granted access. Caller holds
// h.mu.
func (h *Hub) pushUser(w *Watcher, changes []Change) {
	if w.followsOthers {
		for _, c := range changes {
			if c.Kind == ACLChanged && c.MailboxID != 0 && !slices.Contains(w.follows, c.MailboxID) {
				h.addFollow(w, c.MailboxID)
			}
		}
	}
	w.push(changes)
}

// addFollow adds one mailbox to what w follows. Caller holds h.mu.
func (h *Hub) addFollow(w *Watcher, id int64) {
	set := h.watchers[id]
	if set == nil {
		set = make(map[*Watcher]struct{})
		h.watchers[id] = set
	}
	set[w] = struct{}{}
	w.follows = append(w.follows, id)
}

// PublishOwned is Publish for a mailbox owned by userID: the mailbox's
// watchers get every change, the user's watchers its message changes.
// Backends that know the owner use it instead of Publish.
func (h *Hub) PublishOwned(userID, mailboxID int64, changes []Change) {
	h.Publish(mailboxID, changes)
	if userID == 0 || len(changes) == 0 {
		return
	}
	var out []Change
	for _, c := range changes {
		if isMessageChange(c) {
			out = append(out, c)
		}
	}
	if len(out) == 0 {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for w := range h.users[userID] {
		w.push(out)
	}
}

// Follow makes the user watcher w also receive the message changes of
// mailboxIDs (mailboxes of other accounts the user may read, for NOTIFY),
// replacing what it followed before. The caller decides who may follow
// what; the hub only routes, and from then on also adds the mailbox of
// every ACLChanged for the user (pushUser) until the caller decides again.
func (h *Hub) Follow(w *Watcher, mailboxIDs []int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.unfollow(w)
	w.followsOthers = true
	for _, id := range mailboxIDs {
		if !slices.Contains(w.follows, id) {
			h.addFollow(w, id)
		}
	}
}

// unfollow drops what w follows. Caller holds h.mu.
func (h *Hub) unfollow(w *Watcher) {
	for _, id := range w.follows {
		if set := h.watchers[id]; set != nil {
			delete(set, w)
			if len(set) == 0 {
				delete(h.watchers, id)
			}
		}
	}
	w.follows = w.follows[:0]
}

// removeUser drops a user watcher. Caller holds h.mu.
func (h *Hub) removeUser(w *Watcher) {
	h.unfollow(w)
	if set := h.users[w.userID]; set != nil {
		delete(set, w)
		if len(set) == 0 {
			delete(h.users, w.userID)
		}
	}
}

// UserWatcher is implemented by backends that can feed WatchUser (the
// sqlite backend does). The server offers NOTIFY only with such a backend.
type UserWatcher interface {
	WatchUser(userID int64) *Watcher
}

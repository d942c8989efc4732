package store

import "sync"

// ChangeKind says what happened to a mailbox.
type ChangeKind int

const (
	// MessageAdded: a message with UID and Flags arrived (APPEND, COPY, MOVE).
	MessageAdded ChangeKind = iota + 1
	// FlagsChanged: message UID now has Flags.
	FlagsChanged
	// MessageExpunged: message UID is gone.
	MessageExpunged
	// MailboxDeleted: the mailbox itself is gone (or renamed away); sessions
	// that have it selected must stop using it.
	MailboxDeleted
)

// Change is one event of a mailbox, published after it is committed.
type Change struct {
	Kind      ChangeKind
	MailboxID int64
	UID       uint32
	Flags     []string
	ModSeq    uint64

	// UserID is the user a namespace change (userwatch.go) belongs to;
	// 0 in message changes, except a change of one user's \Seen alone
	// (a reader's row, or the owner's flag bit), which only that user's
	// sessions show (acl.go).
	UserID int64
	// Name is the mailbox name a namespace change (MailboxCreated,
	// MailboxRenamed, MailboxDeleted, SubscriptionChanged) is about; OldName
	// is the name before a MailboxRenamed. Subscribed is the state after a
	// SubscriptionChanged. See userwatch.go.
	Name       string
	OldName    string
	Subscribed bool

	// SeenBy lists, in a FlagsChanged or MessageAdded of a mailbox with
	// per-user \Seen, the users other than the owner who have seen the
	// message (acl.go). A FlagsChanged with UserID set changed only that
	// user's \Seen.
	SeenBy []int64
}

// Watcher queues the changes of one mailbox for one session. The queue is
// unbounded so that publishers never block on a slow session; Ready is
// signalled whenever new changes are queued.
type Watcher struct {
	hub       *Hub
	mailboxID int64
	userID    int64 // a user watcher (WatchUser) when not 0
	// follows: mailboxes of other accounts a user watcher also gets the
	// message changes of (Hub.Follow).
	follows []int64
	// followsOthers: Follow was called; ACL changes extend follows.
	followsOthers bool

	mu      sync.Mutex
	pending []Change
	ready   chan struct{}
}

// Ready returns a channel that receives a value after changes are queued.
func (w *Watcher) Ready() <-chan struct{} { return w.ready }

// Drain returns and clears the queued changes, oldest first.
func (w *Watcher) Drain() []Change {
	w.mu.Lock()
	defer w.mu.Unlock()
	c := w.pending
	w.pending = nil
	return c
}

// MailboxID is the mailbox being watched.
func (w *Watcher) MailboxID() int64 { return w.mailboxID }

// Close stops the watcher. It is safe to call more than once.
func (w *Watcher) Close() {
	if w.hub != nil {
		w.hub.remove(w)
	}
}

func (w *Watcher) push(cs []Change) {
	w.mu.Lock()
	w.pending = append(w.pending, cs...)
	w.mu.Unlock()
	select {
	case w.ready <- struct{}{}:
	default:
	}
}

// Hub fans committed changes out to the watchers of each mailbox within one
// process. Backends call Publish after every commit.
type Hub struct {
	mu       sync.Mutex
	watchers map[int64]map[*Watcher]struct{}
	users    map[int64]map[*Watcher]struct{} // WatchUser watchers by user ID
}

// NewHub returns an empty hub.
func NewHub() *Hub { return &Hub{watchers: make(map[int64]map[*Watcher]struct{})} }

// Watch registers a new watcher for mailboxID.
func (h *Hub) Watch(mailboxID int64) *Watcher {
	w := &Watcher{hub: h, mailboxID: mailboxID, ready: make(chan struct{}, 1)}
	h.mu.Lock()
	defer h.mu.Unlock()
	set := h.watchers[mailboxID]
	if set == nil {
		set = make(map[*Watcher]struct{})
		h.watchers[mailboxID] = set
	}
	set[w] = struct{}{}
	return w
}

// Publish delivers changes (all of one mailbox, in MODSEQ order) to every
// watcher of that mailbox. Callers must publish in commit order; backends do
// so by publishing while still holding their write lock.
func (h *Hub) Publish(mailboxID int64, changes []Change) {
	if len(changes) == 0 {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	var messages []Change // for user watchers following the mailbox
	for w := range h.watchers[mailboxID] {
		if w.userID == 0 {
			w.push(changes)
			continue
		}
		if messages == nil {
			messages = make([]Change, 0, len(changes))
			for _, c := range changes {
				if isMessageChange(c) {
					messages = append(messages, c)
				}
			}
		}
		if len(messages) > 0 {
			w.push(messages)
		}
	}
}

func (h *Hub) remove(w *Watcher) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if w.userID != 0 {
		h.removeUser(w)
		return
	}
	if set := h.watchers[w.mailboxID]; set != nil {
		delete(set, w)
		if len(set) == 0 {
			delete(h.watchers, w.mailboxID)
		}
	}
}

// Follow makes a user watcher (WatchUser) also receive the message changes
// of mailboxIDs, replacing what it followed before (Hub.Follow).
func (w *Watcher) Follow(mailboxIDs []int64) {
	if w.hub != nil && w.userID != 0 {
		w.hub.Follow(w, mailboxIDs)
	}
}

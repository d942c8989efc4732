package sqlite

import "sync"

// recentMemo remembers, per mailbox, a recent_uid this process has read or
// written. recent_uid never decreases (UIDs are never reused), so a claim
// through a UID below the remembered value has nothing to do and needs no
// write transaction. This matters when a message arrives in a mailbox that
// thousands of IMAP4rev1 sessions are idling in: each of them claims it,
// and all but the first would otherwise queue a write of their own.
//
// The idlers wake together, so claims of one mailbox also take turns
// (lockMailbox): the first writes, the others then find it covered instead
// of all queueing writes before the first has committed.
type recentMemo struct {
	mu       sync.Mutex
	low      map[int64]uint32 // mailbox ID → recent_uid is at least this
	claiming map[int64]*sync.Mutex
}

// lockMailbox serialises the claims of one mailbox; call the result to
// unlock.
func (m *recentMemo) lockMailbox(mailboxID int64) (unlock func()) {
	m.mu.Lock()
	if m.claiming == nil {
		m.claiming = make(map[int64]*sync.Mutex)
	}
	l := m.claiming[mailboxID]
	if l == nil {
		l = &sync.Mutex{}
		m.claiming[mailboxID] = l
	}
	m.mu.Unlock()
	l.Lock()
	return l.Unlock
}

// covers reports whether every UID up to through is known to be claimed.
func (m *recentMemo) covers(mailboxID int64, through uint32) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.low[mailboxID] > through
}

// note records that the mailbox's recent_uid is at least uid.
func (m *recentMemo) note(mailboxID int64, uid uint32) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.low == nil {
		m.low = make(map[int64]uint32)
	}
	if uid > m.low[mailboxID] {
		m.low[mailboxID] = uid
	}
}

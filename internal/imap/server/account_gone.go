package server

import (
	"context"
	"errors"
	"time"

	"roost/internal/store"
)

// Sessions of a deleted account end with "* BYE" instead of answering
// NO [SERVERBUG] to every command against mailboxes that are gone. The
// account may be deleted by another process (roost user delete), so the
// server looks: once a second, while anyone is logged in, it reads the
// store's deletion counter (store.UserDeletionCounter: one indexed row)
// and, only when that moved, the list of accounts; sessions whose account
// is missing are marked and their read interrupted, like at shutdown. A
// command that fails checks its account at once, so one that runs before
// the next look gets BYE too rather than an error.

// accountCheckInterval is how often the server looks for deleted accounts.
const accountCheckInterval = time.Second

// accountGoneText is the BYE of a session whose account was deleted.
const accountGoneText = "This account has been deleted."

// watchAccounts starts the look-out for deleted accounts, once; it runs
// until Shutdown.
func (srv *Server) watchAccounts() {
	srv.accountWatch.Do(func() { go srv.accountLoop() })
}

func (srv *Server) accountLoop() {
	t := time.NewTicker(accountCheckInterval)
	defer t.Stop()
	lastMark := int64(-1)
	for range t.C {
		if srv.closing.Load() {
			return
		}
		ids := srv.loggedInAccounts()
		if len(ids) == 0 {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		mark, err := srv.accountsChanged(ctx, lastMark)
		if err == nil && mark != lastMark {
			var gone map[int64]bool
			if gone, err = srv.missingAccounts(ctx, ids); err == nil {
				lastMark = mark
				srv.endSessionsOf(gone)
			}
		}
		cancel()
		if err != nil {
			srv.log.Debug("looking for deleted accounts", "err", err)
		}
	}
}

// accountsChanged returns the backend's deletion counter, or a new value
// every time when it has none (then every look lists the accounts).
func (srv *Server) accountsChanged(ctx context.Context, last int64) (int64, error) {
	if dc, ok := srv.backend.(store.UserDeletionCounter); ok {
		return dc.UserDeletions(ctx)
	}
	return last - 1, nil
}

// loggedInAccounts returns the IDs of the accounts with sessions.
func (srv *Server) loggedInAccounts() map[int64]bool {
	c := srv.conns
	c.mu.Lock()
	defer c.mu.Unlock()
	ids := make(map[int64]bool, len(c.perUser))
	for id := range c.perUser {
		ids[id] = true
	}
	return ids
}

// missingAccounts returns those of ids that are no longer accounts.
func (srv *Server) missingAccounts(ctx context.Context, ids map[int64]bool) (map[int64]bool, error) {
	users, err := srv.backend.Users(ctx)
	if err != nil {
		return nil, err
	}
	gone := make(map[int64]bool, len(ids))
	for id := range ids {
		gone[id] = true
	}
	for _, u := range users {
		delete(gone, u.ID)
	}
	return gone, nil
}

// endSessionsOf marks the sessions of the gone accounts and interrupts
// their reads: each says BYE at its next read (IDLE and NOTIFY waits
// included) or after the command it is running.
func (srv *Server) endSessionsOf(gone map[int64]bool) {
	if len(gone) == 0 {
		return
	}
	srv.mu.Lock()
	defer srv.mu.Unlock()
	srv.conns.mu.Lock()
	var ending []*session
	for s := range srv.sessions {
		if gone[s.lim.userSlot] { // written under conns.mu
			ending = append(ending, s)
		}
	}
	srv.conns.mu.Unlock()
	for _, s := range ending {
		s.accountGone.Store(true)
		s.interruptRead()
	}
}

// accountDeleted reports whether the session's account is gone: marked
// by the look-out, or, asked after a failed command, missing from the
// store (or replaced by a new account of the same name).
func (s *session) accountDeleted(lookup bool) bool {
	if s.user == nil {
		return false
	}
	if s.accountGone.Load() {
		return true
	}
	if !lookup {
		return false
	}
	u, err := s.srv.backend.User(s.ctx, s.user.Name)
	if errors.Is(err, store.ErrNoUser) || (err == nil && u.ID != s.user.ID) {
		s.accountGone.Store(true)
		return true
	}
	return false
}

package server

import (
	"errors"
	"slices"
	"strings"

	"roost/internal/imap/proto"
	"roost/internal/store"
)

// Turning store changes into NOTIFY responses (RFC 5465 §5). Everything
// here runs on the session goroutine and only writes into the encoder; the
// caller flushes.

// nameOf returns the name of the user's mailbox id, reloading the cache
// once if it does not know id.
func (n *notifyState) nameOf(s *session, id int64) (string, bool, error) {
	if name, ok := n.names[id]; ok {
		return name, true, nil
	}
	if mb, ok := n.foreign[id]; ok {
		return mb.Name, true, nil
	}
	mboxes, err := s.srv.backend.Mailboxes(s.ctx, s.user.ID)
	if err != nil {
		return "", false, err
	}
	n.names = make(map[int64]string, len(mboxes))
	for _, mb := range mboxes {
		n.names[mb.ID] = mb.Name
	}
	name, ok := n.names[id]
	return name, ok, nil
}

// subscriptions returns the subscribed names, cached until a
// SubscriptionChanged arrives (RFC 5465 §6.4: the SUBSCRIBED filter
// follows the subscription list).
func (n *notifyState) subscriptions(s *session) (map[string]bool, error) {
	if n.subs != nil {
		return n.subs, nil
	}
	list, err := s.srv.backend.Subscriptions(s.ctx, s.user.ID)
	if err != nil {
		return nil, err
	}
	n.subs = make(map[string]bool, len(list))
	for _, name := range list {
		n.subs[name] = true
	}
	return n.subs, nil
}

// deliverUserEvents writes the responses for what the user watcher has
// queued: STATUS for watched mailboxes other than the selected one, LIST
// for MailboxName and SubscriptionChange events. own reports changes the
// session made itself, which are not echoed (§5: SHOULD omit); nil means
// none.
func (s *session) deliverUserEvents(own func(store.Change) bool) error {
	n := s.notify
	changes := n.watcher.Drain()
	if len(changes) == 0 {
		return nil
	}
	type statusReq struct {
		id    int64
		name  string
		items []string
	}
	var statuses []statusReq
	var lists []struct{ name, oldName string }
	// Rights may have been taken away by another process, whose ACL
	// change this process never hears of: they are read again before
	// anything about another account's mailbox is told.
	if slices.ContainsFunc(changes, func(c store.Change) bool { return n.foreign[c.MailboxID] != nil }) {
		if err := s.refreshForeign(nil); err != nil {
			return err
		}
	}
	for _, c := range changes {
		switch c.Kind {
		case store.MailboxCreated, store.MailboxDeleted, store.MailboxRenamed:
			n.names = nil
		case store.SubscriptionChanged:
			n.subs = nil
		}
		switch c.Kind {
		case store.ACLChanged, store.SubscriptionChanged:
			// What the user may read, or SUBSCRIBED covers, in other
			// accounts: computed again before any later change (§5.9,
			// §6.4).
			if err := s.refreshForeign(nil); err != nil {
				return err
			}
		}
		if own != nil && own(c) {
			continue
		}
		subs, err := n.subscriptions(s)
		if err != nil {
			return storeError(err)
		}
		switch c.Kind {
		case store.MessageAdded, store.MessageExpunged, store.FlagsChanged:
			// The selected mailbox's message events follow the SELECTED
			// group only (§3.1). Another user's own \Seen is no event
			// for this user (acl.go).
			if (s.sel != nil && s.sel.mbox.ID == c.MailboxID) || s.otherUsersChange(c) {
				continue
			}
			var ev notifyEvents
			var name string
			if mb, ok := n.foreign[c.MailboxID]; ok {
				name, ev = mb.Name, n.eventsForForeign(mb.Name, subs[mb.Name])
			} else {
				if !n.ownMailbox(s, c.MailboxID) {
					continue // not followed (any more): nothing to tell
				}
				var ok bool
				if name, ok, err = n.nameOf(s, c.MailboxID); err != nil {
					return storeError(err)
				} else if !ok {
					continue
				}
				ev = n.eventsFor(name, subs[name])
			}
			if !ev.messages || (c.Kind == store.FlagsChanged && !ev.flags) {
				continue
			}
			if i := indexFunc(statuses, func(r statusReq) bool { return r.id == c.MailboxID }); i < 0 {
				statuses = append(statuses, statusReq{c.MailboxID, name, ev.statusItems(false, s.condstore)})
			}
		case store.MailboxCreated, store.MailboxDeleted:
			if n.eventsFor(c.Name, subs[c.Name]).mailboxName {
				// The mailbox and its direct parent are affected (§5.4).
				lists = append(lists, struct{ name, oldName string }{c.Name, ""})
				if i := strings.LastIndex(c.Name, delim); i > 0 {
					lists = append(lists, struct{ name, oldName string }{c.Name[:i], ""})
				}
			}
		case store.MailboxRenamed:
			ev := n.eventsFor(c.Name, subs[c.Name])
			ev.merge(n.eventsFor(c.OldName, subs[c.OldName]))
			if ev.mailboxName {
				lists = append(lists, struct{ name, oldName string }{c.Name, c.OldName})
			}
		case store.SubscriptionChanged:
			// Subscribed before or after: either way SUBSCRIBED covers it.
			if n.eventsFor(c.Name, true).subscription {
				lists = append(lists, struct{ name, oldName string }{c.Name, ""})
			}
		}
	}
	if len(lists) > 0 {
		if err := s.writeNotifyLists(lists); err != nil {
			return err
		}
	}
	for _, r := range statuses {
		if err := s.writeNotifyStatus(r.id, r.name, r.items); err != nil {
			return err
		}
	}
	return nil
}

// ownMailbox reports whether id is one of the user's own mailboxes.
func (n *notifyState) ownMailbox(s *session, id int64) bool {
	if _, ok := n.names[id]; ok {
		return true
	}
	_, ok, err := n.nameOf(s, id)
	_, foreign := n.foreign[id]
	return err == nil && ok && !foreign
}

func indexFunc[T any](list []T, f func(T) bool) int {
	for i, v := range list {
		if f(v) {
			return i
		}
	}
	return -1
}

// writeNotifyStatus writes "* STATUS name (...)"; a mailbox that is gone
// or no longer selectable by now is skipped (its MailboxName event tells).
func (s *session) writeNotifyStatus(id int64, name string, items []string) error {
	_, err := s.srv.backend.Status(s.ctx, id)
	if errors.Is(err, store.ErrNoMailbox) || errors.Is(err, store.ErrNotSelectable) {
		return nil
	}
	if err != nil {
		return storeError(err)
	}
	return s.writeStatusData(name, &store.Mailbox{ID: id}, items)
}

// writeNotifyLists writes one LIST response per name, with attributes
// computed now (§5.4, §5.5): \NonExistent for a name that is gone,
// \Subscribed when subscribed, and OLDNAME for a rename.
func (s *session) writeNotifyLists(lists []struct{ name, oldName string }) error {
	mboxes, err := s.srv.backend.Mailboxes(s.ctx, s.user.ID)
	if err != nil {
		return storeError(err)
	}
	subs, err := s.notify.subscriptions(s)
	if err != nil {
		return storeError(err)
	}
	tree := newMailboxTree(mboxes)
	done := make(map[struct{ name, oldName string }]bool, len(lists))
	for _, l := range lists {
		if done[l] {
			continue // a parent created with its child, say
		}
		done[l] = true
		node := tree.nodes[l.name]
		if node != nil && node.mbox == nil && !node.hasChildren {
			node = nil
		}
		s.enc.Raw("* LIST ")
		s.writeFlags(s.listAttributes(node, true, subs[l.name]), false)
		s.enc.Raw(` "/" `)
		s.writeMailbox(l.name)
		if l.oldName != "" {
			// RFC 5465 §5.4: ("OLDNAME" ("old")).
			s.enc.Raw(` ("OLDNAME" (`)
			s.writeMailbox(l.oldName)
			s.enc.Raw("))")
		}
		s.enc.CRLF()
	}
	return nil
}

// notifyFetchNew sends the MessageNew fetch-att FETCH responses for
// messages that joined the selected view since the last call (§5.2). The
// EXISTS for them has already gone out (flushUpdates).
func (s *session) notifyFetchNew() error {
	n, sel := s.notify, s.sel
	if n == nil {
		return nil
	}
	if sel == nil {
		n.view = nil
		return nil
	}
	if n.view != sel {
		// A new selection: what SELECT reported is not news.
		n.view, n.fetched = sel, sel.maxUID()
		return nil
	}
	var uids []uint32
	for i := len(sel.uids) - 1; i >= 0 && sel.uids[i] > n.fetched; i-- {
		if !sel.isExpunged(sel.uids[i]) {
			uids = append(uids, sel.uids[i])
		}
	}
	n.fetched = max(n.fetched, sel.maxUID())
	if len(uids) == 0 || n.selected == nil || !n.selected.events.messages || n.selected.fetch == nil {
		return nil
	}
	for i, j := 0, len(uids)-1; i < j; i, j = i+1, j-1 {
		uids[i], uids[j] = uids[j], uids[i]
	}
	plan := n.selected.fetch
	s.uidOnlyItems(plan) // UIDFETCH carries the UID (uidonly.go)
	msgs, err := s.srv.backend.Messages(s.ctx, sel.mbox.ID, uids, plan.opts)
	if err != nil {
		return storeError(err)
	}
	for i := range msgs {
		seq := sel.seqOf(msgs[i].UID)
		if seq == 0 {
			continue
		}
		var se *statusError
		if err := s.writeFetchResponse(seq, &msgs[i], plan, false); err != nil && !errors.As(err, &se) {
			return err
		}
	}
	return nil
}

// ownChanges returns what cmd itself changes, so that it is not announced
// back to this session (RFC 5465 §5: the server SHOULD NOT notify the
// client of events it caused).
func (s *session) ownChanges(cmd *proto.Command) func(store.Change) bool {
	switch args := cmd.Args.(type) {
	case *proto.Create:
		name := normalizeName(args.Mailbox)
		return func(c store.Change) bool {
			return c.Kind == store.MailboxCreated && (c.Name == name || strings.HasPrefix(name, c.Name+delim))
		}
	case *proto.Rename:
		from, to := normalizeName(args.From), normalizeName(args.To)
		return func(c store.Change) bool {
			return (c.Kind == store.MailboxRenamed && c.OldName == from && c.Name == to) ||
				(c.Kind == store.MailboxCreated && strings.HasPrefix(to, c.Name+delim))
		}
	case *proto.Mailbox: // DELETE, SUBSCRIBE, UNSUBSCRIBE
		name := normalizeName(args.Name)
		kind := store.SubscriptionChanged
		if cmd.Name == "DELETE" {
			kind = store.MailboxDeleted
		}
		return func(c store.Change) bool { return c.Kind == kind && c.Name == name }
	case *proto.Append:
		return s.ownMessages(normalizeName(args.Mailbox))
	case *proto.Copy: // COPY, MOVE
		return s.ownMessages(normalizeName(args.Mailbox))
	}
	return nil
}

// ownMessages matches the message changes of the mailbox called name.
func (s *session) ownMessages(name string) func(store.Change) bool {
	return func(c store.Change) bool {
		if c.Kind != store.MessageAdded && c.Kind != store.MessageExpunged && c.Kind != store.FlagsChanged {
			return false
		}
		got, ok, err := s.notify.nameOf(s, c.MailboxID)
		return err == nil && ok && got == name
	}
}

package server

import (
	"slices"

	"roost/internal/store"
)

// NOTIFY for mailboxes of other accounts: other users' mailboxes and team
// mailboxes ("Other Users/...", "Shared/..."). Only the SUBTREE, MAILBOXES
// and SUBSCRIBED filters reach them; PERSONAL and INBOXES cover the
// personal namespace alone (RFC 5465 §6.2, §6.3). Message events need
// the "l" and "r" rights (RFC 4314: STATUS needs "r"): a covered mailbox
// without "l" is ignored as if it did not exist, one with "l" but not "r"
// is answered with a LIST \NoAccess at NOTIFY SET (RFC 5465 §3.1). When an
// ACL entry for the user changes, the set is computed again before any
// later change is looked at, so that a mailbox the user may no longer
// read tells nothing more, and one newly granted is watched from then on
// (§5.9).

// refreshForeign recomputes the mailboxes of other accounts whose message
// events the session reports and has the user watcher follow exactly
// those. noAccess, if not nil, receives the covered names the user may
// list but not read.
func (s *session) refreshForeign(noAccess *[]string) error {
	n := s.notify
	mboxes, noRead, err := s.foreignMailboxes() // namespace.go: only those with "l"
	if err != nil {
		return err
	}
	subs, err := n.subscriptions(s)
	if err != nil {
		return storeError(err)
	}
	n.foreign = make(map[int64]*store.Mailbox)
	var ids []int64
	visible := make(map[string]bool, len(mboxes))
	for i := range mboxes {
		if mboxes[i].ID != 0 && !mboxes[i].NoSelect {
			visible[mboxes[i].Name] = true
		}
	}
	if n.visible != nil {
		s.announceLookupChanges(n.visible, visible, subs)
	}
	n.visible = visible
	for i := range mboxes {
		mb := &mboxes[i]
		if mb.ID == 0 || mb.NoSelect || !n.eventsForForeign(mb.Name, subs[mb.Name]).messages {
			continue
		}
		if noRead[mb.Name] {
			if noAccess != nil {
				*noAccess = append(*noAccess, mb.Name)
			}
			continue
		}
		n.foreign[mb.ID] = mb
		ids = append(ids, mb.ID)
	}
	n.watcher.Follow(ids)
	return nil
}

// announceLookupChanges sends the MailboxName events of other accounts'
// mailboxes: gaining the "l" right on one is its creation, losing it its
// deletion (RFC 5465 §5.4), for the names a MailboxName group covers.
func (s *session) announceLookupChanges(before, after map[string]bool, subs map[string]bool) {
	var gained, lost []string
	for name := range after {
		if !before[name] && s.notify.eventsForForeign(name, subs[name]).mailboxName {
			gained = append(gained, name)
		}
	}
	for name := range before {
		if !after[name] && s.notify.eventsForForeign(name, subs[name]).mailboxName {
			lost = append(lost, name)
		}
	}
	slices.Sort(gained)
	slices.Sort(lost)
	for _, name := range lost {
		s.enc.Raw(`* LIST (\NonExistent) "/" `)
		s.writeMailbox(name)
		s.enc.CRLF()
	}
	for _, name := range gained {
		s.enc.Raw(`* LIST () "/" `)
		s.writeMailbox(name)
		s.enc.CRLF()
	}
}

// eventsForForeign is eventsFor for a mailbox of another account.
func (n *notifyState) eventsForForeign(name string, subscribed bool) notifyEvents {
	var out notifyEvents
	for _, g := range n.groups {
		if g.filter != "PERSONAL" && g.filter != "INBOXES" && g.matches(name, subscribed) {
			out.merge(g.events)
		}
	}
	return out
}

// writeNoAccess answers the covered mailboxes the user may list but not
// read: "* LIST (\NoAccess) "/" name" (RFC 5465 §3.1).
func (s *session) writeNoAccess(names []string) {
	slices.Sort(names)
	for _, name := range names {
		s.enc.Raw(`* LIST (\NoAccess) "/" `)
		s.writeMailbox(name)
		s.enc.CRLF()
	}
}

// foreignStatus writes the answer of NOTIFY SET STATUS for the followed
// mailboxes of other accounts, in name order.
func (s *session) foreignStatus() error {
	n := s.notify
	boxes := make([]*store.Mailbox, 0, len(n.foreign))
	for _, mb := range n.foreign {
		if s.sel == nil || s.sel.mbox.ID != mb.ID {
			boxes = append(boxes, mb)
		}
	}
	slices.SortFunc(boxes, func(a, b *store.Mailbox) int { return compareStrings(a.Name, b.Name) })
	subs, err := n.subscriptions(s)
	if err != nil {
		return storeError(err)
	}
	for _, mb := range boxes {
		ev := n.eventsForForeign(mb.Name, subs[mb.Name])
		if err := s.writeStatusData(mb.Name, mb, ev.statusItems(true, s.condstore)); err != nil {
			return err
		}
	}
	return nil
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

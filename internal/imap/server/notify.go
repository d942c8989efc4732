package server

import (
	"slices"
	"strings"

	"roost/internal/imap/proto"
	"roost/internal/store"
)

// NOTIFY (RFC 5465): the client says which events it wants to hear about,
// for the selected mailbox and for others, and listens all the time, also
// between commands. This file holds the command and the filter model;
// notify_deliver.go turns store changes into responses and notify_wait.go
// is the part of the read loop that waits for a command or a notification.

// supportedEvents is the BADEVENT list (RFC 5465 §3.1: it MUST list all
// events the server supports).
const supportedEvents = "BADEVENT (MessageNew MessageExpunge FlagChange MailboxName SubscriptionChange)"

// notifyEvents is what one event group asks for.
type notifyEvents struct {
	messages     bool // MessageNew and MessageExpunge (always together, §5)
	flags        bool // FlagChange
	mailboxName  bool // MailboxName
	subscription bool // SubscriptionChange
}

func (e *notifyEvents) merge(o notifyEvents) {
	e.messages = e.messages || o.messages
	e.flags = e.flags || o.flags
	e.mailboxName = e.mailboxName || o.mailboxName
	e.subscription = e.subscription || o.subscription
}

// notifyGroup is one event group for mailboxes other than the selected one.
type notifyGroup struct {
	filter string   // INBOXES, PERSONAL, SUBSCRIBED, SUBTREE, MAILBOXES
	names  []string // SUBTREE, MAILBOXES: normalised names
	events notifyEvents
}

// notifySelected is the SELECTED / SELECTED-DELAYED group (RFC 5465 §6.1).
type notifySelected struct {
	delayed bool // SELECTED-DELAYED: EXPUNGE waits for a command that allows it
	events  notifyEvents
	fetch   *fetchPlan // MessageNew (fetch-att ...); nil if none
}

// notifyState is a session's NOTIFY SET in force.
type notifyState struct {
	watcher  *store.Watcher // everything that happens to the user's mailboxes
	selected *notifySelected
	groups   []notifyGroup

	// names caches mailbox ID → name; nil when it must be reloaded.
	names map[int64]string
	// subs caches the subscriptions; nil when they must be reloaded.
	subs map[string]bool
	// foreign: the followed mailboxes of other accounts, by ID, named as
	// the client sees them (notify_foreign.go).
	foreign map[int64]*store.Mailbox
	// visible: the names of other accounts' mailboxes the user may list,
	// as last computed (for MailboxName on ACL changes).
	visible map[string]bool

	// view is the selected view fetched refers to: messages of view up to
	// UID fetched have been announced (or existed at SELECT), so only
	// later ones get the MessageNew FETCH.
	view    *selected
	fetched uint32
}

// close releases the watcher.
func (n *notifyState) close() {
	if n != nil && n.watcher != nil {
		n.watcher.Close()
	}
}

// closeNotify ends NOTIFY (NOTIFY NONE, LOGOUT, end of the connection).
func (s *session) closeNotify() {
	s.notify.close()
	s.notify = nil
}

// handleNotify: NOTIFY SET / NOTIFY NONE (RFC 5465 §3.1).
func (s *session) handleNotify(cmd *proto.Command) error {
	args, ok := cmd.Args.(*proto.Notify)
	if !ok {
		return errBad("Missing NOTIFY arguments")
	}
	if args.None {
		s.closeNotify()
		return nil
	}
	uw, ok := s.srv.backend.(store.UserWatcher)
	if !ok {
		return errNo("", "NOTIFY is not available with this store.")
	}
	n, err := buildNotify(args, s.cmdUID)
	if err != nil {
		return err
	}
	s.closeNotify()
	n.watcher = uw.WatchUser(s.user.ID)
	n.view = s.sel
	if s.sel != nil {
		n.fetched = s.sel.maxUID()
	}
	s.notify = n
	var noAccess []string
	if err := s.refreshForeign(&noAccess); err != nil { // notify_foreign.go
		return err
	}
	s.writeNoAccess(noAccess)
	// A successful NOTIFY SET is an implicit NOOP (§3.1): the selected
	// mailbox's pending changes go out with it (in execute).
	if args.Status {
		if err := s.notifyInitialStatus(); err != nil {
			return err
		}
		return s.foreignStatus()
	}
	return nil
}

// buildNotify checks the event groups and turns them into a notifyState.
// Unsupported events are NO [BADEVENT ...]; impossible combinations BAD
// (RFC 5465 §5).
func buildNotify(args *proto.Notify, uid bool) (*notifyState, error) {
	// Unsupported events first: they are NO, whatever else is wrong.
	for _, g := range args.Groups {
		for _, ev := range g.Events {
			switch ev.Name {
			case "MESSAGENEW", "MESSAGEEXPUNGE", "FLAGCHANGE", "MAILBOXNAME", "SUBSCRIPTIONCHANGE":
			default:
				return nil, errNo(supportedEvents, "Unsupported event "+ev.Name+".")
			}
		}
	}
	n := &notifyState{}
	for _, g := range args.Groups {
		var evs notifyEvents
		var fetch []proto.FetchItem
		var hasNew, hasExpunge bool
		for _, ev := range g.Events {
			switch ev.Name {
			case "MESSAGENEW":
				hasNew, fetch = true, ev.Fetch
			case "MESSAGEEXPUNGE":
				hasExpunge = true
			case "FLAGCHANGE":
				evs.flags = true
			case "MAILBOXNAME":
				evs.mailboxName = true
			case "SUBSCRIPTIONCHANGE":
				evs.subscription = true
			}
		}
		if hasNew != hasExpunge {
			return nil, errBad("MessageNew and MessageExpunge must be given together.")
		}
		if evs.flags && !hasNew {
			return nil, errBad("FlagChange requires MessageNew and MessageExpunge.")
		}
		evs.messages = hasNew
		switch g.Filter {
		case "SELECTED", "SELECTED-DELAYED":
			if n.selected != nil {
				return nil, errBad("Only one of SELECTED and SELECTED-DELAYED may be given.")
			}
			if evs.mailboxName || evs.subscription {
				return nil, errBad("Only message events apply to the selected mailbox.")
			}
			sel := &notifySelected{delayed: g.Filter == "SELECTED-DELAYED", events: evs}
			if len(fetch) > 0 {
				// Announcing a message must not mark it read (§5.2).
				for i := range fetch {
					fetch[i].Peek = true
				}
				plan, err := planFetch(&proto.Fetch{Items: fetch}, true)
				if err != nil {
					return nil, err
				}
				sel.fetch = plan
			}
			n.selected = sel
		default:
			if fetch != nil {
				return nil, errBad("A fetch-att list is only allowed for the selected mailbox.")
			}
			ng := notifyGroup{filter: g.Filter, events: evs}
			for _, m := range g.Mailboxes {
				ng.names = append(ng.names, normalizeName(m))
			}
			n.groups = append(n.groups, ng)
		}
	}
	return n, nil
}

// eventsFor returns what the client wants to hear about the mailbox called
// name, other than the selected mailbox's message events. subscribed says
// whether the name is (or, for a change of it, was or is) subscribed.
func (n *notifyState) eventsFor(name string, subscribed bool) notifyEvents {
	var out notifyEvents
	for _, g := range n.groups {
		if g.matches(name, subscribed) {
			out.merge(g.events)
		}
	}
	return out
}

// matches reports whether the group's filter covers name (RFC 5465 §6).
func (g *notifyGroup) matches(name string, subscribed bool) bool {
	switch g.filter {
	case "PERSONAL", "INBOXES":
		// Every mailbox is personal; INBOXES may be treated as PERSONAL
		// when the server cannot tell (§6.3), and mail can be delivered
		// to any of our mailboxes.
		return true
	case "SUBSCRIBED":
		return subscribed
	case "SUBTREE":
		return slices.ContainsFunc(g.names, func(root string) bool {
			return name == root || strings.HasPrefix(name, root+delim)
		})
	case "MAILBOXES":
		// No wildcard expansion (§6.6).
		return slices.Contains(g.names, name)
	}
	return false
}

// statusItems are the STATUS items sent for a mailbox whose messages the
// client watches. MESSAGES, UIDNEXT and UIDVALIDITY always (MessageNew and
// MessageExpunge, RFC 5465 §3.1, §5.2, §5.3); UNSEEN with FlagChange, since
// without CONDSTORE that is how flag changes show (§5.1). HIGHESTMODSEQ:
//   - in the STATUS answering NOTIFY SET STATUS whenever FlagChange is
//     asked for, because the server offers CONDSTORE (§3.1: "MUST contain
//     UIDVALIDITY and HIGHESTMODSEQ"), and also when CONDSTORE is enabled;
//   - in later STATUS responses once CONDSTORE or QRESYNC is enabled
//     (§5.1, §5.2; §5.3 requires it for QRESYNC, which enables CONDSTORE).
func (e notifyEvents) statusItems(initial, condstore bool) []string {
	items := []string{"MESSAGES", "UIDNEXT", "UIDVALIDITY"}
	if e.flags {
		items = append(items, "UNSEEN")
	}
	if condstore || (initial && e.flags) {
		items = append(items, "HIGHESTMODSEQ")
	}
	return items
}

// notifyInitialStatus answers NOTIFY SET STATUS: a STATUS response for
// every mailbox, other than the selected one, whose messages are watched
// (RFC 5465 §3.1).
func (s *session) notifyInitialStatus() error {
	mboxes, err := s.srv.backend.Mailboxes(s.ctx, s.user.ID)
	if err != nil {
		return storeError(err)
	}
	subs, err := s.notify.subscriptions(s)
	if err != nil {
		return storeError(err)
	}
	for i := range mboxes {
		mb := &mboxes[i]
		if mb.NoSelect || (s.sel != nil && s.sel.mbox.ID == mb.ID) {
			continue
		}
		ev := s.notify.eventsFor(mb.Name, subs[mb.Name])
		if !ev.messages {
			continue
		}
		if err := s.writeStatusData(mb.Name, mb, ev.statusItems(true, s.condstore)); err != nil {
			return err
		}
	}
	return nil
}

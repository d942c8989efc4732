package proto

import "roost/internal/imap/wire"

// Compress is COMPRESS algorithm (RFC 4978).
type Compress struct{ Algorithm string } // upper case

// Notify is NOTIFY NONE or NOTIFY SET [STATUS] event-groups (RFC 5465 §8).
// Validation of the combination of events (which events go together,
// which filters accept which events) is the server's: it answers some
// mistakes with NO [BADEVENT], others with BAD.
type Notify struct {
	None   bool // NOTIFY NONE
	Status bool // the STATUS indicator of NOTIFY SET
	Groups []NotifyGroup
}

// NotifyGroup is one "(filter-mailboxes events)".
type NotifyGroup struct {
	// Filter is SELECTED, SELECTED-DELAYED, INBOXES, PERSONAL, SUBSCRIBED,
	// SUBTREE or MAILBOXES (upper case).
	Filter string
	// Mailboxes are the names after SUBTREE and MAILBOXES, decoded like
	// any mailbox name.
	Mailboxes []string
	// Events is empty for "NONE".
	Events []NotifyEvent
}

// NotifyEvent is one event name with, for MessageNew, its fetch-att list.
type NotifyEvent struct {
	// Name is upper case as sent: MESSAGENEW, MESSAGEEXPUNGE, FLAGCHANGE,
	// ANNOTATIONCHANGE, MAILBOXNAME, SUBSCRIPTIONCHANGE,
	// MAILBOXMETADATACHANGE, SERVERMETADATACHANGE, or any other atom
	// (event-ext).
	Name  string
	Fetch []FetchItem // MessageNew (fetch-att ...); nil if absent
}

// readCompress reads SP algorithm.
func (p *Parser) readCompress() (*Compress, error) {
	if err := p.sp("COMPRESS"); err != nil {
		return nil, err
	}
	alg, err := p.keyword("compression algorithm")
	if err != nil {
		return nil, err
	}
	return &Compress{Algorithm: alg}, p.end("COMPRESS")
}

// readNotify reads SP ("NONE" / "SET" [SP "STATUS"] SP event-groups).
func (p *Parser) readNotify() (*Notify, error) {
	if err := p.sp("NOTIFY"); err != nil {
		return nil, err
	}
	verb, err := p.keyword("SET or NONE")
	if err != nil {
		return nil, err
	}
	n := &Notify{}
	switch verb {
	case "NONE":
		n.None = true
		return n, p.end("NOTIFY")
	case "SET":
	default:
		return nil, badf("Expected SET or NONE after NOTIFY")
	}
	if err := p.sp("NOTIFY SET"); err != nil {
		return nil, err
	}
	if !p.d.PeekIs('(') {
		if w, err := p.keyword("STATUS or event group"); err != nil {
			return nil, err
		} else if w != "STATUS" {
			return nil, badf("Expected STATUS or event group, found %q", w)
		}
		n.Status = true
		if err := p.sp("STATUS"); err != nil {
			return nil, err
		}
	}
	for {
		g, err := p.notifyGroup()
		if err != nil {
			return nil, err
		}
		n.Groups = append(n.Groups, g)
		if !p.d.PeekIs(' ') {
			break
		}
		_ = p.d.SP()
	}
	return n, p.end("NOTIFY")
}

// notifyGroup reads "(" filter-mailboxes SP events ")".
func (p *Parser) notifyGroup() (NotifyGroup, error) {
	var g NotifyGroup
	if err := p.d.Byte('('); err != nil {
		return g, expected(err, "Expected event group")
	}
	filter, err := p.keyword("mailbox filter")
	if err != nil {
		return g, err
	}
	g.Filter = filter
	switch filter {
	case "SELECTED", "SELECTED-DELAYED", "INBOXES", "PERSONAL", "SUBSCRIBED":
	case "SUBTREE", "MAILBOXES":
		if err := p.sp(filter); err != nil {
			return g, err
		}
		if g.Mailboxes, err = p.oneOrMoreMailbox(); err != nil {
			return g, err
		}
	default:
		return g, badf("Unknown NOTIFY mailbox filter %q", filter)
	}
	if err := p.sp("mailbox filter"); err != nil {
		return g, err
	}
	if g.Events, err = p.notifyEvents(); err != nil {
		return g, err
	}
	return g, expected(p.d.Byte(')'), "Expected \")\" after events")
}

// oneOrMoreMailbox reads mailbox / "(" mailbox *(SP mailbox) ")".
func (p *Parser) oneOrMoreMailbox() ([]string, error) {
	if !p.d.PeekIs('(') {
		m, err := p.mailbox()
		if err != nil {
			return nil, err
		}
		return []string{m}, nil
	}
	var out []string
	err := p.d.List(func() error {
		m, err := p.mailbox()
		out = append(out, m)
		return err
	})
	if err == nil && len(out) == 0 {
		return nil, badf("Empty mailbox list")
	}
	return out, invalid(err, "Invalid mailbox list")
}

// notifyEvents reads "(" event *(SP event) ")" / "NONE". A parenthesised
// list right after MessageNew is its fetch-att list.
func (p *Parser) notifyEvents() ([]NotifyEvent, error) {
	if !p.d.PeekIs('(') {
		if w, err := p.keyword("events"); err != nil {
			return nil, err
		} else if w != "NONE" {
			return nil, badf("Expected event list or NONE, found %q", w)
		}
		return nil, nil
	}
	var evs []NotifyEvent
	err := p.d.List(func() error {
		if p.d.PeekIs('(') {
			last := len(evs) - 1
			if last < 0 || evs[last].Name != "MESSAGENEW" || evs[last].Fetch != nil {
				return badf("A fetch-att list may only follow MessageNew")
			}
			items, err := p.fetchAttList()
			evs[last].Fetch = items
			return err
		}
		name, err := p.d.Atom()
		if err != nil {
			return invalid(err, "Invalid event")
		}
		evs = append(evs, NotifyEvent{Name: wire.ToUpper(name)})
		return nil
	})
	if err == nil && len(evs) == 0 {
		return nil, badf("Empty event list")
	}
	return evs, invalid(err, "Invalid event list")
}

// fetchAttList reads "(" fetch-att *(SP fetch-att) ")" as in FETCH.
func (p *Parser) fetchAttList() ([]FetchItem, error) {
	var items []FetchItem
	err := p.d.List(func() error {
		name, err := p.d.While(isFetchNameChar, "fetch attribute")
		if err != nil {
			return invalid(err, "Invalid fetch attribute")
		}
		it, err := p.fetchAtt(wire.ToUpper(name))
		if err == nil {
			items = append(items, it)
		}
		return err
	})
	if err == nil && len(items) == 0 {
		return nil, badf("Empty fetch attribute list")
	}
	return items, err
}

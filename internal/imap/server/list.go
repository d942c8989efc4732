package server

import (
	"maps"
	"slices"

	"roost/internal/imap/proto"
	"roost/internal/store"
)

// listRequest is a LIST command after option parsing (RFC 5258).
type listRequest struct {
	patterns      []string // canonical patterns
	extended      bool
	selSubscribed bool
	selSpecialUse bool
	recursive     bool
	retSubscribed bool
	retStatus     []string
	// noStatus: mailboxes of others the user may list but not read
	// (no LIST-STATUS for them, RFC 4314 §4).
	noStatus map[string]bool
}

// handleList serves LIST (with LIST-EXTENDED, SPECIAL-USE and LIST-STATUS)
// and LSUB (RFC 9051 §6.3.9, RFC 3501 §6.3.9, RFC 5258, RFC 6154, RFC 5819).
func (s *session) handleList(cmd *proto.Command) error {
	args := cmd.Args.(*proto.List)
	resp := "LIST"
	if args.LSUB {
		resp = "LSUB"
	}
	// An empty pattern asks for the delimiter and the root name.
	if len(args.Patterns) == 1 && args.Patterns[0] == "" {
		s.enc.Raw("* ").Raw(resp).Raw(` (\Noselect) "/" ""`).CRLF()
		return nil
	}
	req := listRequest{extended: args.Extended, retSubscribed: args.ReturnSubscribed, retStatus: args.ReturnStatus}
	for _, o := range args.Select {
		switch o {
		case "SUBSCRIBED":
			req.selSubscribed = true
		case "SPECIAL-USE":
			req.selSpecialUse = true
		case "RECURSIVEMATCH":
			req.recursive = true
		case "REMOTE":
			// There are no remote mailboxes.
		default:
			return errBad("Unknown LIST selection option " + o)
		}
	}
	if req.recursive && !req.selSubscribed && !req.selSpecialUse {
		return errBad("RECURSIVEMATCH requires another selection option")
	}
	for _, p := range args.Patterns {
		if p != "" {
			req.patterns = append(req.patterns, canonicalPattern(args.Reference, p))
		}
	}
	mboxes, err := s.srv.backend.Mailboxes(s.ctx, s.user.ID)
	if err != nil {
		return storeError(err)
	}
	// Other users' and team mailboxes the user may see (namespace.go).
	foreign, noRead, err := s.foreignMailboxes()
	if err != nil {
		return err
	}
	mboxes = append(mboxes, foreign...)
	req.noStatus = noRead
	tree := newMailboxTree(mboxes)
	var subs map[string]bool
	if args.LSUB || req.selSubscribed || req.retSubscribed {
		names, err := s.srv.backend.Subscriptions(s.ctx, s.user.ID)
		if err != nil {
			return storeError(err)
		}
		subs = make(map[string]bool, len(names))
		for _, n := range names {
			subs[n] = true
		}
	}
	if args.LSUB {
		s.writeLsub(req.patterns, tree, subs)
		return nil
	}
	return s.writeList(&req, tree, subs)
}

func (req *listRequest) matches(name string) bool {
	for _, p := range req.patterns {
		if matchPattern(p, name) {
			return true
		}
	}
	return false
}

// writeList answers LIST following RFC 5258 §3.3: a name is returned if it
// matches a pattern and either meets the selection criteria or (with
// RECURSIVEMATCH) has a descendant that does but is not itself returned.
func (s *session) writeList(req *listRequest, tree *mailboxTree, subs map[string]bool) error {
	selecting := req.selSubscribed || req.selSpecialUse
	meets := func(name string) bool {
		if req.selSubscribed && !subs[name] {
			return false
		}
		if req.selSpecialUse {
			mb := tree.mailbox(name)
			if mb == nil || mb.SpecialUse == "" {
				return false
			}
		}
		return true
	}
	universe := make(map[string]bool, len(tree.nodes)+len(subs))
	for n := range tree.nodes {
		universe[n] = true
	}
	if req.selSubscribed {
		for n := range subs {
			universe[n] = true
			forEachParent(n, func(p string) { universe[p] = true })
		}
	}
	// childInfo: names with a descendant that meets the criteria but
	// does not match the patterns (so is not returned itself).
	childInfo := make(map[string]bool)
	if req.recursive {
		for n := range universe {
			if meets(n) && !req.matches(n) {
				forEachParent(n, func(p string) { childInfo[p] = true })
			}
		}
	}
	names := slices.SortedFunc(maps.Keys(universe), lessMailbox)
	for _, name := range names {
		if !req.matches(name) {
			continue
		}
		node := tree.nodes[name]
		if !selecting && node == nil {
			continue
		}
		if selecting && !meets(name) && !childInfo[name] {
			continue
		}
		attrs := s.listAttributes(node, req.extended, (req.selSubscribed || req.retSubscribed) && subs[name])
		s.enc.Raw(`* LIST `)
		s.writeFlags(attrs, false)
		s.enc.Raw(` "/" `)
		s.writeMailbox(name)
		if childInfo[name] {
			s.enc.Raw(` ("CHILDINFO" (`)
			if req.selSubscribed {
				s.enc.Raw(`"SUBSCRIBED"`)
				if req.selSpecialUse {
					s.enc.SP()
				}
			}
			if req.selSpecialUse {
				s.enc.Raw(`"SPECIAL-USE"`)
			}
			s.enc.Raw("))")
		}
		s.enc.CRLF()
		if req.retStatus != nil && node != nil && node.mbox != nil && !node.mbox.NoSelect && !req.noStatus[name] {
			// RFC 5819: a STATUS response right after the LIST one;
			// a mailbox that vanished meanwhile just has none.
			if err := s.writeStatusData(name, node.mbox, req.retStatus); err != nil {
				if _, ok := asStatusError(err); !ok {
					return err
				}
			}
		}
	}
	return nil
}

// listAttributes computes the attributes of one LIST response.
func (s *session) listAttributes(node *treeNode, extended, subscribed bool) []string {
	var attrs []string
	switch {
	case node == nil || node.mbox == nil:
		if extended {
			attrs = append(attrs, `\NonExistent`)
		} else {
			attrs = append(attrs, `\Noselect`)
		}
	case node.mbox.NoSelect:
		attrs = append(attrs, `\Noselect`)
	}
	if node != nil {
		if node.hasChildren {
			attrs = append(attrs, `\HasChildren`)
		} else {
			attrs = append(attrs, `\HasNoChildren`)
		}
	}
	if subscribed {
		attrs = append(attrs, `\Subscribed`)
	}
	if node != nil && node.mbox != nil && node.mbox.SpecialUse != "" {
		attrs = append(attrs, node.mbox.SpecialUse)
	}
	return attrs
}

// writeLsub answers LSUB (RFC 3501 §6.3.9): subscribed names matching the
// patterns; a parent that matches only through "%" and is not subscribed
// itself is returned with \Noselect.
func (s *session) writeLsub(patterns []string, tree *mailboxTree, subs map[string]bool) {
	req := listRequest{patterns: patterns}
	out := make(map[string]bool) // name → \Noselect
	for n := range subs {
		if req.matches(n) {
			mb := tree.mailbox(n)
			out[n] = mb != nil && mb.NoSelect
			continue
		}
		forEachParent(n, func(p string) {
			if !subs[p] && req.matches(p) {
				out[p] = true
			}
		})
	}
	for _, name := range slices.SortedFunc(maps.Keys(out), lessMailbox) {
		s.enc.Raw("* LSUB ")
		if out[name] {
			s.enc.Raw(`(\Noselect)`)
		} else {
			s.enc.Raw("()")
		}
		s.enc.Raw(` "/" `)
		s.writeMailbox(name)
		s.enc.CRLF()
	}
}

// listSelected writes the LIST response SELECT owes an IMAP4rev2 client
// (RFC 9051 §6.3.2).
func (s *session) listSelected(mb store.Mailbox) error {
	mboxes, err := s.srv.backend.Mailboxes(s.ctx, s.user.ID)
	if err != nil {
		return storeError(err)
	}
	tree := newMailboxTree(mboxes)
	node := tree.nodes[mb.Name]
	if node == nil {
		node = &treeNode{mbox: &mb}
	}
	s.enc.Raw("* LIST ")
	s.writeFlags(s.listAttributes(node, true, false), false)
	s.enc.Raw(` "/" `)
	s.writeMailbox(mb.Name)
	s.enc.CRLF()
	return nil
}

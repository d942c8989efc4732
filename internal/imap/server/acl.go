package server

import (
	"errors"
	"slices"
	"strings"

	"roost/internal/imap/proto"
	"roost/internal/store"
)

// ACL commands (RFC 4314 §3): SETACL, DELETEACL, GETACL, LISTRIGHTS and
// MYRIGHTS. Identifiers are user names and "anyone"; a leading "-" makes a
// negative entry. The owner of a personal mailbox always has every right:
// their own entry cannot be changed, and GETACL shows it.

// aclCommandFor dispatches the ACL commands (session.go's commandFor).
func aclCommandFor(name string) (commandSpec, bool) {
	switch name {
	case "SETACL", "DELETEACL":
		return commandSpec{states: stateLoggedIn, handle: (*session).handleSetACL}, true
	case "GETACL":
		return commandSpec{states: stateLoggedIn, handle: (*session).handleGetACL}, true
	case "LISTRIGHTS":
		return commandSpec{states: stateLoggedIn, handle: (*session).handleListRights}, true
	case "MYRIGHTS":
		return commandSpec{states: stateLoggedIn, handle: (*session).handleMyRights}, true
	}
	return commandSpec{}, false
}

// aclMailbox resolves the mailbox of an ACL command; need is the right it
// requires ("a", or "" for MYRIGHTS, where being visible is enough: "l"
// is one of the rights §4 accepts).
func (s *session) aclMailbox(cmd *proto.Command, need string) (*proto.ACLCommand, *mailboxRef, error) {
	if s.sharer() == nil {
		return nil, nil, errBad("ACL is not supported")
	}
	args := cmd.Args.(*proto.ACLCommand)
	ref, err := s.openMailbox(normalizeName(args.Mailbox), need)
	if err != nil {
		return nil, nil, err
	}
	return args, ref, nil
}

// parseIdentifier splits "-name" into name and negative. An empty
// identifier is BAD (RFC 4314 §3).
func parseIdentifier(id string) (name string, negative bool, err error) {
	name, negative = strings.CutPrefix(id, "-")
	if name == "" {
		return "", false, errBad("Empty identifier")
	}
	if strings.EqualFold(name, store.Anyone) {
		name = store.Anyone
	}
	return name, negative, nil
}

// ownerName is the identifier of the owner of ref's mailbox, "" for team
// mailboxes (no owner entry).
func (s *session) ownerName(ref *mailboxRef) string {
	if ref.own {
		return s.user.Name
	}
	if user, ok := strings.CutPrefix(ref.prefix, otherUsersRoot+delim); ok {
		return strings.TrimSuffix(user, delim)
	}
	return ""
}

// handleSetACL serves SETACL and DELETEACL (RFC 4314 §3.1-3.2).
func (s *session) handleSetACL(cmd *proto.Command) error {
	args, ref, err := s.aclMailbox(cmd, "a")
	if err != nil {
		return err
	}
	name, negative, err := parseIdentifier(args.Identifier)
	if err != nil {
		return err
	}
	mod := args.Rights
	op := byte(0)
	if mod != "" && (mod[0] == '+' || mod[0] == '-') {
		op, mod = mod[0], mod[1:]
	}
	rights, err := parseRights(mod)
	if err != nil {
		return err
	}
	if name == s.ownerName(ref) {
		return errNo("CANNOT", "The owner always has every right.")
	}
	sh := s.sharer()
	var cur string
	if op != 0 {
		acl, err := sh.ACL(s.ctx, ref.mbox.ID)
		if err != nil {
			return storeError(err)
		}
		for _, e := range acl {
			if e.Identifier == name && e.Negative == negative {
				cur = e.Rights
			}
		}
	}
	switch {
	case cmd.Name == "DELETEACL":
		rights = ""
	case op == '+':
		rights = store.CanonicalRights(cur + rights)
	case op == '-':
		rights = strings.Map(func(r rune) rune {
			if strings.ContainsRune(rights, r) {
				return -1
			}
			return r
		}, cur)
	}
	err = sh.SetACL(s.ctx, ref.mbox.ID, store.ACLEntry{Identifier: name, Negative: negative, Rights: rights})
	if errors.Is(err, store.ErrNoUser) {
		return errNo("CANNOT", "No such user: "+name)
	}
	return storeError(err)
}

// handleGetACL: "* ACL mailbox (identifier rights)*" (RFC 4314 §3.3, §3.6).
func (s *session) handleGetACL(cmd *proto.Command) error {
	args, ref, err := s.aclMailbox(cmd, "a")
	if err != nil {
		return err
	}
	acl, err := s.sharer().ACL(s.ctx, ref.mbox.ID)
	if err != nil {
		return storeError(err)
	}
	s.enc.Raw("* ACL ")
	s.writeMailbox(normalizeName(args.Mailbox))
	if owner := s.ownerName(ref); owner != "" {
		s.enc.SP().String(owner).SP().String(formatRights(store.AllRights))
	}
	for _, e := range acl {
		id := e.Identifier
		if e.Negative {
			id = "-" + id
		}
		s.enc.SP().String(id).SP().String(formatRights(e.Rights))
	}
	s.enc.CRLF()
	return nil
}

// handleListRights (RFC 4314 §3.4, §3.7): the owner always has every
// right; anyone else may be granted each right on its own.
func (s *session) handleListRights(cmd *proto.Command) error {
	args, ref, err := s.aclMailbox(cmd, "a")
	if err != nil {
		return err
	}
	name, _, err := parseIdentifier(args.Identifier)
	if err != nil {
		return err
	}
	s.enc.Raw("* LISTRIGHTS ")
	s.writeMailbox(normalizeName(args.Mailbox))
	s.enc.SP().String(args.Identifier).SP()
	if name == s.ownerName(ref) {
		s.enc.String(formatRights(store.AllRights)).CRLF()
		return nil
	}
	s.enc.Quoted("")
	for _, r := range slices.Concat([]byte(store.AllRights), []byte("cd")) {
		s.enc.SP().Byte(r)
	}
	s.enc.CRLF()
	return nil
}

// handleMyRights: "* MYRIGHTS mailbox rights" (RFC 4314 §3.5, §3.8).
func (s *session) handleMyRights(cmd *proto.Command) error {
	args, ref, err := s.aclMailbox(cmd, "")
	if err != nil {
		return err
	}
	s.enc.Raw("* MYRIGHTS ")
	s.writeMailbox(normalizeName(args.Mailbox))
	s.enc.SP().String(formatRights(ref.rights)).CRLF()
	return nil
}

// viewFlags is the flag list of a change as the session's user sees it:
// in a mailbox of someone else, \Seen is the user's own (store.Change
// SeenBy).
func (s *session) viewFlags(c store.Change, mb *store.Mailbox) []string {
	if mb.UserID == s.user.ID {
		return c.Flags
	}
	seen := slices.Contains(c.SeenBy, s.user.ID)
	flags := slices.DeleteFunc(slices.Clone(c.Flags), func(f string) bool { return f == store.FlagSeen })
	if seen {
		flags = slices.Insert(flags, 0, store.FlagSeen)
	}
	return flags
}

// otherUsersChange reports a per-user \Seen change of another user, which
// this session must not see (store/acl.go).
func (s *session) otherUsersChange(c store.Change) bool {
	return c.Kind == store.FlagsChanged && c.UserID != 0 && c.UserID != s.user.ID
}

// dropUnpermittedFlags removes from the messages uids of mailboxID the
// flags rights do not let the user set: COPY and MOVE keep only those
// (RFC 4314 §4).
func (s *session) dropUnpermittedFlags(mailboxID int64, uids []uint32, rights string) error {
	for start := 0; start < len(uids); start += fetchBatch {
		batch := uids[start:min(start+fetchBatch, len(uids))]
		msgs, err := s.srv.backend.Messages(s.ctx, mailboxID, batch, store.FetchOptions{})
		if err != nil {
			return storeError(err)
		}
		var drop []string
		for _, m := range msgs {
			for _, f := range m.Flags {
				if strings.IndexByte(rights, flagRight(f)) < 0 && !slices.Contains(drop, f) {
					drop = append(drop, f)
				}
			}
		}
		if len(drop) == 0 {
			continue
		}
		if _, _, err := s.srv.backend.StoreFlags(s.ctx, mailboxID, batch, store.FlagsRemove, drop, 0); err != nil {
			return storeError(err)
		}
	}
	return nil
}

// permittedStore applies RFC 4314 §4 to STORE: +FLAGS and -FLAGS keep
// the flags the user may change and fail (NOPERM) only if none is left;
// FLAGS is handled per message by storeFlagsBatch.
func (s *session) permittedStore(op store.FlagOp, flags []string) ([]string, error) {
	rights := s.sel.rights
	if op == store.FlagsSet || rights == store.AllRights {
		return flags, nil
	}
	kept := permittedFlags(rights, flags)
	if len(flags) > 0 && len(kept) == 0 {
		return nil, errNoPerm(string(flagRight(flags[0])))
	}
	return kept, nil
}

// storeFlagsBatch is StoreFlags on the selected mailbox. A FLAGS
// (replace) by a user who may not change every kind of flag replaces only
// the kinds they may change: each message keeps the others, so messages
// are grouped by their resulting flag list.
func (s *session) storeFlagsBatch(batch []uint32, op store.FlagOp, flags []string, unchangedSince uint64) ([]store.FlagUpdate, []uint32, error) {
	rights, id := s.sel.rights, s.sel.mbox.ID
	if op != store.FlagsSet || has(rights, "swt") {
		return s.srv.backend.StoreFlags(s.ctx, id, batch, op, flags, unchangedSince)
	}
	msgs, err := s.srv.backend.Messages(s.ctx, id, batch, store.FetchOptions{})
	if err != nil {
		return nil, nil, err
	}
	wanted := permittedFlags(rights, flags)
	groups := make(map[string][]uint32)
	targets := make(map[string][]string)
	var order []string
	for _, m := range msgs {
		target := slices.Clone(wanted)
		for _, f := range m.Flags {
			if strings.IndexByte(rights, flagRight(f)) < 0 {
				target = append(target, f)
			}
		}
		key := strings.Join(target, " ")
		if _, ok := groups[key]; !ok {
			order = append(order, key)
			targets[key] = target
		}
		groups[key] = append(groups[key], m.UID)
	}
	var updated []store.FlagUpdate
	var failed []uint32
	for _, key := range order {
		up, fail, err := s.srv.backend.StoreFlags(s.ctx, id, groups[key], store.FlagsSet, targets[key], unchangedSince)
		if err != nil {
			return nil, nil, err
		}
		updated = append(updated, up...)
		failed = append(failed, fail...)
	}
	slices.SortFunc(updated, func(a, b store.FlagUpdate) int { return int(int64(a.UID) - int64(b.UID)) })
	slices.Sort(failed)
	return updated, failed, nil
}

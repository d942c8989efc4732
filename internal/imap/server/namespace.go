package server

import (
	"errors"
	"strings"

	"roost/internal/imap/proto"
	"roost/internal/store"
)

// Namespaces (RFC 2342) and the resolution of mailbox names to the account
// that owns them. A session's own mailboxes are in the personal namespace
// (""); "Other Users/bob/X" is bob's mailbox X; "Shared/X" is the team
// mailbox X of the shared account (store.SharedAccountName). The roots
// "Other Users", "Other Users/bob" and "Shared" exist only as \Noselect
// names in LIST. See docs/sharing.md.
const (
	otherUsersRoot = "Other Users"
	sharedRoot     = "Shared"
)

// handleNamespace: personal, other users' and shared namespaces (RFC 2342
// §5, RFC 9051 §6.3.10). Without a backend that shares, only personal.
func (s *session) handleNamespace(*proto.Command) error {
	if s.sharer() == nil {
		s.enc.Raw(`* NAMESPACE (("" "/")) NIL NIL`).CRLF()
		return nil
	}
	s.enc.Raw(`* NAMESPACE (("" "/")) ((`)
	s.writeMailbox(otherUsersRoot + delim)
	s.enc.Raw(` "/")) ((`)
	s.writeMailbox(sharedRoot + delim)
	s.enc.Raw(` "/"))`).CRLF()
	return nil
}

// sharer returns the backend's sharing support, nil if it has none.
func (s *session) sharer() store.Sharer {
	sh, _ := s.srv.backend.(store.Sharer)
	return sh
}

// mailboxRef is a client's mailbox name resolved to its owner.
type mailboxRef struct {
	name  string // as the client names it
	owner int64
	local string // the name in the owner's account
	// prefix turns a local name into the client's: "", "Other Users/bob/"
	// or "Shared/".
	prefix string
	own    bool
	// mbox is the mailbox, nil if there is none (or the name is a
	// namespace root). Its Name is the client's name.
	mbox   *store.Mailbox
	rights string // effective rights on mbox ("" if mbox is nil)
}

// visible: the user may know the mailbox exists (RFC 4314 §4 "l"; §6:
// a mailbox without it answers like a missing one).
func (r *mailboxRef) visible() bool { return r.mbox != nil && has(r.rights, "l") }

// splitForeign recognises names in the other namespaces: it returns the
// owner's account and the local name, ok false for a personal name. A
// namespace root ("Shared", "Other Users", "Other Users/bob") gives an
// empty local name.
func (s *session) splitForeign(name string) (owner *store.User, local, prefix string, ok bool, err error) {
	sh := s.sharer()
	if sh == nil {
		return nil, "", "", false, nil
	}
	switch {
	case name == sharedRoot || strings.HasPrefix(name, sharedRoot+delim):
		local = strings.TrimPrefix(strings.TrimPrefix(name, sharedRoot), delim)
		u, err := sh.SharedAccount(s.ctx, false)
		if errors.Is(err, store.ErrNoSharedAccount) {
			return nil, local, sharedRoot + delim, true, nil
		}
		return u, local, sharedRoot + delim, true, err
	case name == otherUsersRoot || strings.HasPrefix(name, otherUsersRoot+delim):
		rest := strings.TrimPrefix(strings.TrimPrefix(name, otherUsersRoot), delim)
		userName, local, _ := strings.Cut(rest, delim)
		prefix = otherUsersRoot + delim + userName + delim
		if userName == "" || userName == s.user.Name {
			return nil, local, prefix, true, nil
		}
		u, err := s.srv.backend.User(s.ctx, userName)
		if errors.Is(err, store.ErrNoUser) {
			return nil, local, prefix, true, nil
		}
		return u, normalizeName(local), prefix, true, err
	}
	return nil, "", "", false, nil
}

// resolve finds the mailbox a client's (normalised) name refers to and the
// session user's rights on it. A missing mailbox is not an error: mbox is
// nil. The personal case costs one store lookup, as before sharing.
func (s *session) resolve(name string) (*mailboxRef, error) {
	owner, local, prefix, foreign, err := s.splitForeign(name)
	if err != nil {
		return nil, storeError(err)
	}
	ref := &mailboxRef{name: name, owner: s.user.ID, local: name, own: !foreign}
	if foreign {
		ref.local, ref.prefix = local, prefix
		if owner == nil || local == "" {
			ref.owner = 0
			return ref, nil
		}
		ref.owner = owner.ID
	}
	mb, err := s.srv.backend.Mailbox(s.ctx, ref.owner, ref.local)
	if errors.Is(err, store.ErrNoMailbox) {
		return ref, nil
	}
	if err != nil {
		return nil, storeError(err)
	}
	if ref.rights, err = s.rightsOn(mb); err != nil {
		return nil, err
	}
	mb.Name = name
	ref.mbox = mb
	return ref, nil
}

// rightsOn returns the session user's rights on mb: all for the owner, the
// ACL's otherwise.
func (s *session) rightsOn(mb *store.Mailbox) (string, error) {
	if mb.UserID == s.user.ID {
		return store.AllRights, nil
	}
	sh := s.sharer()
	if sh == nil {
		return "", nil
	}
	acl, err := sh.ACL(s.ctx, mb.ID)
	if errors.Is(err, store.ErrNoMailbox) {
		return "", nil
	}
	if err != nil {
		return "", storeError(err)
	}
	return store.EffectiveRights(acl, s.user.Name), nil
}

// openMailbox resolves name and requires the mailbox to be visible
// (else NO [NONEXISTENT], exactly as for a missing one) and the rights in
// need (else NO [NOPERM], RFC 5530 §3).
func (s *session) openMailbox(name, need string) (*mailboxRef, error) {
	ref, err := s.resolve(name)
	if err != nil {
		return nil, err
	}
	if !ref.visible() {
		return nil, errNo("NONEXISTENT", "Mailbox doesn't exist: "+s.mailboxName(name))
	}
	if !has(ref.rights, need) {
		return nil, errNoPerm(need)
	}
	return ref, nil
}

// errNoPerm is the refusal of an operation that needs rights the user
// lacks (RFC 4314 §4, RFC 5530 NOPERM).
func errNoPerm(need string) error {
	return errNo("NOPERM", "Permission denied (needs right "+need+").")
}

// parentRights returns the rights on the nearest existing parent of a
// name about to be created in ref's account (RFC 4314 §4: CREATE needs
// "k" there), and that parent (nil if there is none: then only the
// owner may create).
func (s *session) parentRights(ref *mailboxRef) (string, *store.Mailbox, error) {
	local := ref.local
	for i := strings.LastIndex(local, delim); i > 0; i = strings.LastIndex(local, delim) {
		local = local[:i]
		mb, err := s.srv.backend.Mailbox(s.ctx, ref.owner, local)
		if errors.Is(err, store.ErrNoMailbox) {
			continue
		}
		if err != nil {
			return "", nil, storeError(err)
		}
		r, err := s.rightsOn(mb)
		return r, mb, err
	}
	if ref.own {
		return store.AllRights, nil, nil
	}
	return "", nil, nil
}

// foreignMailboxes returns the mailboxes of other accounts the user may
// list ("l"), named as the client sees them, with the \Noselect roots
// above them; noRead holds those without "r" (no LIST-STATUS for them).
func (s *session) foreignMailboxes() (out []store.Mailbox, noRead map[string]bool, err error) {
	sh := s.sharer()
	if sh == nil {
		return nil, nil, nil
	}
	shared, err := sh.SharedWith(s.ctx, s.user.ID)
	if err != nil {
		return nil, nil, storeError(err)
	}
	roots := make(map[string]bool)
	for _, m := range shared {
		rights := store.EffectiveRights(m.ACL, s.user.Name)
		if !has(rights, "l") {
			continue
		}
		mb := m.Mailbox
		if m.Owner == store.SharedAccountName {
			mb.Name = sharedRoot + delim + mb.Name
			roots[sharedRoot] = true
		} else {
			mb.Name = otherUsersRoot + delim + m.Owner + delim + mb.Name
			roots[otherUsersRoot] = true
			roots[otherUsersRoot+delim+m.Owner] = true
		}
		if !has(rights, "r") {
			if noRead == nil {
				noRead = make(map[string]bool)
			}
			noRead[mb.Name] = true
		}
		out = append(out, mb)
	}
	for r := range roots {
		out = append(out, store.Mailbox{Name: r, NoSelect: true})
	}
	return out, noRead, nil
}

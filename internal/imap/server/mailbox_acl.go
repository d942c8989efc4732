package server

import (
	"errors"

	"roost/internal/store"
)

// CREATE, DELETE and RENAME across namespaces (namespace.go), with the
// rights RFC 4314 §4 asks for: "k" on the nearest existing parent to
// create, "x" on the mailbox to delete or rename away.

// createMailbox creates the mailbox a client's name refers to. A new
// mailbox inherits the ACL of its parent (RFC 4314 §4: it SHOULD).
func (s *session) createMailbox(name, use string) (*store.Mailbox, error) {
	ref, err := s.resolve(name)
	if err != nil {
		return nil, err
	}
	if ref.owner == 0 || ref.local == "" {
		return nil, errNo("NOPERM", "Can't create mailboxes here.")
	}
	if ref.visible() {
		return nil, errNo("ALREADYEXISTS", "Mailbox already exists.")
	}
	rights, parent, err := s.parentRights(ref)
	if err != nil {
		return nil, err
	}
	if !has(rights, "k") {
		return nil, errNoPerm("k")
	}
	mb, err := s.srv.backend.CreateMailbox(s.ctx, ref.owner, ref.local, use)
	if err != nil {
		return nil, storeError(err)
	}
	if sh := s.sharer(); sh != nil && parent != nil {
		acl, err := sh.ACL(s.ctx, parent.ID)
		if err != nil && !errors.Is(err, store.ErrNoMailbox) {
			return nil, storeError(err)
		}
		for _, e := range acl {
			if err := sh.SetACL(s.ctx, mb.ID, e); err != nil && !errors.Is(err, store.ErrNoUser) {
				return nil, storeError(err)
			}
		}
	}
	return mb, nil
}

// deleteMailbox deletes the mailbox a client's name refers to ("x").
func (s *session) deleteMailbox(name string) error {
	ref, err := s.openMailbox(name, "x")
	if err != nil {
		return err
	}
	err = s.srv.backend.DeleteMailbox(s.ctx, ref.owner, ref.local)
	if errors.Is(err, store.ErrNoMailbox) {
		return errNo("NONEXISTENT", "Mailbox doesn't exist: "+s.mailboxName(name))
	}
	return storeError(err)
}

// renameMailbox renames within one account: "x" on the source, "k" on
// the new parent (RFC 4314 §4).
func (s *session) renameMailbox(from, to string) error {
	src, err := s.openMailbox(from, "x")
	if err != nil {
		return err
	}
	dst, err := s.resolve(to)
	if err != nil {
		return err
	}
	if dst.owner != src.owner || dst.local == "" {
		return errNo("CANNOT", "Can't move a mailbox to another account.")
	}
	if dst.visible() {
		return errNo("ALREADYEXISTS", "Mailbox already exists.")
	}
	if rights, _, err := s.parentRights(dst); err != nil {
		return err
	} else if !has(rights, "k") {
		return errNoPerm("k")
	}
	err = s.srv.backend.RenameMailbox(s.ctx, src.owner, src.local, dst.local)
	if errors.Is(err, store.ErrNoMailbox) {
		return errNo("NONEXISTENT", "Mailbox doesn't exist: "+s.mailboxName(from))
	}
	return storeError(err)
}

package server

import (
	"strings"
	"unicode/utf8"

	"roost/internal/imap/proto"
	"roost/internal/store"
)

// delim is the hierarchy delimiter of every mailbox name.
const delim = "/"

// maxMailboxName bounds a mailbox name in bytes.
const maxMailboxName = 1000

// normalizeName canonicalises a mailbox name from the client: a trailing
// delimiter is dropped (RFC 9051 §6.3.4) and INBOX is upper case in any
// position where it is the first level (RFC 9051 §5.1).
func normalizeName(name string) string {
	for len(name) > 1 && strings.HasSuffix(name, delim) {
		name = name[:len(name)-1]
	}
	if len(name) >= 5 && strings.EqualFold(name[:5], "INBOX") && (len(name) == 5 || name[5:6] == delim) {
		name = "INBOX" + name[5:]
	}
	return name
}

// checkNewName validates a name about to be created (CREATE, RENAME target).
func checkNewName(name string) error {
	switch {
	case name == "" || name == delim:
		return errNo("CANNOT", "Empty mailbox name.")
	case len(name) > maxMailboxName:
		return errNo("LIMIT", "Mailbox name too long.")
	case !utf8.ValidString(name):
		return errBad("Mailbox name is not valid UTF-8.")
	case strings.ContainsAny(name, "%*"):
		return errNo("CANNOT", "Mailbox names must not contain '%' or '*'.")
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f {
			return errNo("CANNOT", "Mailbox name contains control characters.")
		}
	}
	for _, part := range strings.Split(name, delim) {
		if part == "" {
			return errNo("CANNOT", "Mailbox name has an empty hierarchy level.")
		}
	}
	return nil
}

// lookupMailbox finds the user's mailbox called name (already normalised).
// It may be another user's (namespace.go): then it must be visible to
// the user ("l"); Name is the client's name for it.
func (s *session) lookupMailbox(name string) (*store.Mailbox, error) {
	ref, err := s.openMailbox(name, "")
	if err != nil {
		return nil, err
	}
	return ref.mbox, nil
}

// specialUses are the attributes CREATE (USE (...)) accepts (RFC 6154 §5).
var specialUses = map[string]string{
	`\DRAFTS`:  store.UseDrafts,
	`\SENT`:    store.UseSent,
	`\TRASH`:   store.UseTrash,
	`\JUNK`:    store.UseJunk,
	`\ARCHIVE`: store.UseArchive,
}

// handleCreate: CREATE name [(USE (attr))] (RFC 9051 §6.3.4, RFC 6154 §3).
func (s *session) handleCreate(cmd *proto.Command) error {
	args := cmd.Args.(*proto.Create)
	name := normalizeName(args.Mailbox)
	if name == "INBOX" {
		return errNo("ALREADYEXISTS", "Mailbox already exists.")
	}
	if err := checkNewName(name); err != nil {
		return err
	}
	use := ""
	switch len(args.SpecialUse) {
	case 0:
	case 1:
		u, ok := specialUses[strings.ToUpper(args.SpecialUse[0])]
		if !ok {
			return errNo("USEATTR", "Unsupported special-use attribute.")
		}
		use = u
	default:
		return errNo("USEATTR", "Only one special-use attribute per mailbox.")
	}
	mb, err := s.createMailbox(name, use) // mailbox_acl.go
	if err == nil {
		s.okCode = mailboxIDCode(mb) // RFC 8474 §4.1, objectid.go
	}
	return err
}

// handleDelete: DELETE name (RFC 9051 §6.3.5). Deleting the selected
// mailbox first leaves the selected state, silently, as Dovecot does.
func (s *session) handleDelete(cmd *proto.Command) error {
	name := normalizeName(cmd.Args.(*proto.Mailbox).Name)
	if name == "INBOX" {
		return errNo("CANNOT", "INBOX can't be deleted.")
	}
	if s.sel != nil && s.sel.mbox.Name == name {
		s.closeSelected()
	}
	return s.deleteMailbox(name) // mailbox_acl.go
}

// handleRename: RENAME from to (RFC 9051 §6.3.6), children included;
// renaming INBOX moves its messages and leaves INBOX empty.
func (s *session) handleRename(cmd *proto.Command) error {
	args := cmd.Args.(*proto.Rename)
	from, to := normalizeName(args.From), normalizeName(args.To)
	if to == "INBOX" {
		return errNo("ALREADYEXISTS", "Mailbox already exists.")
	}
	if err := checkNewName(to); err != nil {
		return err
	}
	if from == to {
		return errNo("ALREADYEXISTS", "Mailbox already exists.")
	}
	if strings.HasPrefix(to, from+delim) {
		return errNo("CANNOT", "Can't rename a mailbox under itself.")
	}
	if err := s.renameMailbox(from, to); err != nil { // mailbox_acl.go
		return err
	}
	if from == "INBOX" {
		s.copyInboxMetadata(to) // metadata.go
	}
	if sel := s.sel; sel != nil && from != "INBOX" &&
		(sel.mbox.Name == from || strings.HasPrefix(sel.mbox.Name, from+delim)) {
		// Our own rename of the selected mailbox: it stays selected
		// under its new name, so the store's "gone" notice for it
		// (it tells other sessions their name is gone) is not for us.
		sel.mbox.Name = to + strings.TrimPrefix(sel.mbox.Name, from)
		sel.ignoreDeleted++
	}
	return nil
}

// handleSubscribe serves SUBSCRIBE and UNSUBSCRIBE (RFC 9051 §6.3.7-8).
// SUBSCRIBE requires the mailbox to exist; UNSUBSCRIBE does not.
func (s *session) handleSubscribe(cmd *proto.Command) error {
	name := normalizeName(cmd.Args.(*proto.Mailbox).Name)
	if cmd.Name == "UNSUBSCRIBE" {
		return storeError(s.srv.backend.Unsubscribe(s.ctx, s.user.ID, name))
	}
	if _, err := s.lookupMailbox(name); err != nil {
		return err
	}
	return storeError(s.srv.backend.Subscribe(s.ctx, s.user.ID, name))
}

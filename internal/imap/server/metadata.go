package server

import (
	"bytes"
	"errors"
	"slices"
	"strconv"
	"strings"

	"roost/internal/imap/proto"
	"roost/internal/store"
)

// Metadata (RFC 5464): entries on mailboxes and on the server (mailbox
// name ""), private (/private/..., one value per user) and shared
// (/shared/..., one value for all).
//
// Who may do what:
//   - Mailbox entries need "l" and one of "rswip" on the mailbox (RFC 5464
//     §3.3); changing a shared entry of someone else's mailbox also needs
//     "w" (our choice: it is what every other reader sees).
//   - Server entries can be read by everyone; private ones set by
//     everyone, shared ones only by administrators. /shared/admin (§3.2.1.1)
//     is read-only: `roost metadata set /shared/admin mailto:...` sets it.
//   - /private/specialuse (RFC 6154 §4) mirrors the mailbox's special-use
//     attribute and is read-only: RFC 6154 makes setting it optional, and
//     CREATE (USE) is the one way to choose a special use.
//
// Limits: values up to proto.MaxMetadataValue octets (NO [METADATA MAXSIZE
// n]); up to maxMetadataEntries private entries per user and as many
// shared ones per mailbox and for the server (NO [METADATA TOOMANY]).
// Entries that do not exist are returned as NIL when asked for by name.

// maxMetadataEntries bounds each scope (RFC 5464 §4.1 requires at least
// 10).
const maxMetadataEntries = 100

const (
	entrySpecialUse = "/private/specialuse"
	entryAdmin      = "/shared/admin"
)

// metadata returns the backend's metadata support, nil if it has none.
func (s *session) metadata() store.MetadataBackend {
	mb, _ := s.srv.backend.(store.MetadataBackend)
	return mb
}

// metadataCapabilities: METADATA means mailbox and server entries (RFC
// 5464 §1; METADATA-SERVER is for servers with server entries only).
func (s *session) metadataCapabilities() []string {
	if s.metadata() == nil {
		return nil
	}
	return []string{"METADATA"}
}

// metadataTarget is the mailbox (nil for the server) whose entries a
// command is about, with the session's rights on it.
type metadataTarget struct {
	scope store.MetadataScope
	ref   *mailboxRef // nil for server entries
}

// metadataTargetFor resolves the mailbox argument and checks the rights
// RFC 5464 §3.3 asks for.
func (s *session) metadataTargetFor(name string) (*metadataTarget, error) {
	t := &metadataTarget{scope: store.MetadataScope{UserID: s.user.ID}}
	if name == "" {
		return t, nil
	}
	name = normalizeName(name)
	ref, err := s.resolve(name)
	if err != nil {
		return nil, err
	}
	if !ref.visible() {
		return nil, errNo("NONEXISTENT", "Mailbox doesn't exist: "+s.mailboxName(name))
	}
	if !hasAny(ref.rights, "rswip") {
		return nil, errNoPerm("r")
	}
	t.scope.MailboxID, t.ref = ref.mbox.ID, ref
	return t, nil
}

// metadataWithin reports whether entry name is asked for by entry want
// with the DEPTH option depth (RFC 5464 §4.2.2).
func metadataWithin(name, want string, depth int) bool {
	if name == want {
		return true
	}
	rest, ok := strings.CutPrefix(name, want+"/")
	switch {
	case !ok || depth == 0:
		return false
	case depth == 1:
		return !strings.Contains(rest, "/")
	}
	return true
}

// handleGetMetadata: GETMETADATA [options] mailbox entries (RFC 5464 §4.2).
func (s *session) handleGetMetadata(cmd *proto.Command) error {
	mb := s.metadata()
	if mb == nil {
		return errBad("Unknown command GETMETADATA")
	}
	args := cmd.Args.(*proto.GetMetadata)
	t, err := s.metadataTargetFor(args.Mailbox)
	if err != nil {
		return err
	}
	var out []store.MetadataEntry
	isNil := make(map[string]bool)
	seen := make(map[string]bool)
	var longest int
	for _, want := range args.Entries {
		found, err := mb.Metadata(s.ctx, t.scope, want)
		if err != nil {
			return storeError(err)
		}
		if t.ref != nil && t.ref.mbox.SpecialUse != "" && metadataWithin(entrySpecialUse, want, args.Depth) {
			found = append(found, store.MetadataEntry{Name: entrySpecialUse, Value: []byte(t.ref.mbox.SpecialUse)})
		}
		self, start := false, len(out)
		for _, e := range found {
			if !metadataWithin(e.Name, want, args.Depth) || seen[e.Name] {
				continue
			}
			seen[e.Name] = true
			self = self || e.Name == want
			if args.MaxSize >= 0 && int64(len(e.Value)) > args.MaxSize {
				longest = max(longest, len(e.Value)) // RFC 5464 §4.2.1
				continue
			}
			out = append(out, e)
		}
		if !self && !seen[want] {
			// Asked for by name but absent: NIL, ahead of what lies
			// below it.
			seen[want], isNil[want] = true, true
			out = slices.Insert(out, start, store.MetadataEntry{Name: want})
		}
	}
	if len(out) > 0 {
		s.writeMetadataEntries(normalizeName(args.Mailbox), out, isNil)
	}
	if longest > 0 {
		s.okCode = "METADATA LONGENTRIES " + strconv.Itoa(longest)
	}
	s.okText = "GETMETADATA completed."
	return nil
}

// writeMetadataEntries writes "* METADATA mailbox (entry value ...)". The
// caller leaves it out when every entry was too long for MAXSIZE: an
// entry-values list holds at least one entry (RFC 5464 §5).
func (s *session) writeMetadataEntries(mailbox string, out []store.MetadataEntry, isNil map[string]bool) {
	s.enc.Raw("* METADATA ")
	s.writeMailbox(mailbox)
	s.enc.Raw(" (")
	for i, e := range out {
		if i > 0 {
			s.enc.SP()
		}
		s.enc.Raw(e.Name).SP()
		switch {
		case isNil[e.Name]:
			s.enc.NIL()
		case bytes.IndexByte(e.Value, 0) >= 0:
			s.enc.Literal(bytes.NewReader(e.Value), int64(len(e.Value)), true)
		default:
			s.enc.String(string(e.Value))
		}
	}
	s.enc.Raw(")").CRLF()
}

// handleSetMetadata: SETMETADATA mailbox (entry value ...) (RFC 5464
// §4.3): all entries change or none.
func (s *session) handleSetMetadata(cmd *proto.Command) error {
	mb := s.metadata()
	if mb == nil {
		return errBad("Unknown command SETMETADATA")
	}
	args := cmd.Args.(*proto.SetMetadata)
	t, err := s.metadataTargetFor(args.Mailbox)
	if err != nil {
		return err
	}
	entries := make([]store.MetadataEntry, 0, len(args.Entries))
	for _, v := range args.Entries {
		if len(v.Value) > proto.MaxMetadataValue {
			return errNo("METADATA MAXSIZE "+strconv.Itoa(proto.MaxMetadataValue), "Metadata value too big.")
		}
		if err := s.checkMetadataWrite(t, v.Entry); err != nil {
			return err
		}
		e := store.MetadataEntry{Name: v.Entry, Value: v.Value}
		if !v.Nil && e.Value == nil {
			e.Value = []byte{}
		}
		entries = append(entries, e)
	}
	err = mb.SetMetadata(s.ctx, t.scope, entries, maxMetadataEntries)
	switch {
	case errors.Is(err, store.ErrMetadataTooMany):
		return errNo("METADATA TOOMANY", "Too many metadata entries.")
	case err != nil:
		return storeError(err)
	}
	s.okText = "SETMETADATA completed."
	return nil
}

// checkMetadataWrite refuses changes of read-only entries and of entries
// the user may not change.
func (s *session) checkMetadataWrite(t *metadataTarget, entry string) error {
	private := store.MetadataPrivate(entry)
	if t.ref == nil {
		if entry == entryAdmin {
			return errNo("CANNOT", "/shared/admin is read-only.")
		}
		if private {
			return nil
		}
		admin, err := s.isAdmin()
		if err != nil {
			return err
		}
		if !admin {
			return errNo("NOPERM", "Only administrators may set shared server metadata.")
		}
		return nil
	}
	if entry == entrySpecialUse {
		return errNo("CANNOT", "/private/specialuse is read-only; CREATE (USE (...)) sets special use.")
	}
	if !private && !has(t.ref.rights, "w") {
		return errNoPerm("w")
	}
	return nil
}

// copyInboxMetadata gives the mailbox INBOX was just renamed to a copy of
// INBOX's entries, which INBOX keeps (RFC 5464 §4.1). The rename has
// happened whatever this does, so a failure is only logged.
func (s *session) copyInboxMetadata(to string) {
	mb := s.metadata()
	if mb == nil {
		return
	}
	inbox, err := s.srv.backend.Mailbox(s.ctx, s.user.ID, "INBOX")
	if err == nil {
		var dst *store.Mailbox
		if dst, err = s.srv.backend.Mailbox(s.ctx, s.user.ID, to); err == nil {
			err = mb.CopyMailboxMetadata(s.ctx, inbox.ID, dst.ID)
		}
	}
	if err != nil {
		s.log.Error("copying INBOX metadata after RENAME", "to", to, "err", err)
	}
}

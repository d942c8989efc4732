package server

import (
	"roost/internal/imap/proto"
	"roost/internal/objectid"
	"roost/internal/store"
)

// handleStatus: STATUS name (items) (RFC 9051 §6.3.11). The selected
// mailbox may be asked about too.
func (s *session) handleStatus(cmd *proto.Command) error {
	args := cmd.Args.(*proto.Status)
	name := normalizeName(args.Mailbox)
	ref, err := s.openMailbox(name, "r") // RFC 4314 §4: STATUS needs "r"
	if err != nil {
		return err
	}
	mb := ref.mbox
	if mb.NoSelect {
		return errNo("CANNOT", "Mailbox isn't selectable: "+s.mailboxName(name))
	}
	return s.writeStatusData(name, mb, args.Items)
}

// writeStatusData writes "* STATUS name (item value ...)" with the items in
// the order asked.
func (s *session) writeStatusData(name string, mb *store.Mailbox, items []string) error {
	st, err := s.srv.backend.Status(s.ctx, mb.ID)
	if err != nil {
		return storeError(err)
	}
	deletedStorage, err := s.statusDeletedStorage(mb, items) // quota.go
	if err != nil {
		return err
	}
	s.enc.Raw("* STATUS ")
	s.writeMailbox(name)
	s.enc.Raw(" (")
	first := true
	for _, item := range items {
		if item == "MAILBOXID" { // RFC 8474 §4.3, objectid.go
			if !first {
				s.enc.SP()
			}
			first = false
			s.enc.Raw(item).SP().Raw("(" + objectid.MailboxID(mb.ID, mb.UIDValidity) + ")")
			continue
		}
		var v uint64
		switch item {
		case "MESSAGES":
			v = uint64(st.Messages)
		case "UIDNEXT":
			v = uint64(st.UIDNext)
		case "UIDVALIDITY":
			v = uint64(st.UIDValidity)
		case "UNSEEN":
			v = uint64(st.Unseen)
		case "DELETED":
			v = uint64(st.Deleted)
		case "SIZE":
			v = uint64(st.Size)
		case "RECENT":
			v = uint64(st.Recent)
		case "HIGHESTMODSEQ":
			v = st.HighestModSeq
		case "DELETED-STORAGE": // RFC 9208 §4.1.4
			v = deletedStorage
		default:
			continue // the parser accepts only the items above
		}
		if !first {
			s.enc.SP()
		}
		first = false
		s.enc.Raw(item).SP().Number(v)
	}
	s.enc.Raw(")").CRLF()
	return nil
}

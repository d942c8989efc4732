package server

import (
	"sort"

	"roost/internal/imap/proto"
)

// handleNoop serves NOOP and CHECK: the point is the unsolicited updates
// the dispatcher sends after every command.
func (s *session) handleNoop(*proto.Command) error { return nil }

// handleLogout: "* BYE" then the tagged OK, then the connection closes
// (RFC 9051 §6.1.3).
func (s *session) handleLogout(*proto.Command) error {
	s.writeStatus("*", "BYE", "", "Logging out")
	s.closeSelected()
	s.loggedOut = true
	return nil
}

// handleID answers ID (RFC 2971) and logs what the client says it is.
func (s *session) handleID(cmd *proto.Command) error {
	if args, ok := cmd.Args.(*proto.ID); ok && args != nil && len(args.Params) > 0 {
		keys := make([]string, 0, len(args.Params))
		for k := range args.Params {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		attrs := make([]any, 0, 2*len(keys))
		for _, k := range keys {
			attrs = append(attrs, "id."+k, args.Params[k])
		}
		s.log.Info("client id", attrs...)
	}
	s.enc.Raw(`* ID ("name" "Roost" "version" `).Quoted(Version).Raw(")").CRLF()
	return nil
}

// handleEnable turns on IMAP4rev2 (RFC 9051 §6.3.1, RFC 5161). Unknown or
// unadvertised capabilities are ignored; the ENABLED response lists only
// what this command newly enabled.
func (s *session) handleEnable(cmd *proto.Command) error {
	args := cmd.Args.(*proto.Enable)
	s.enc.Raw("* ENABLED")
	for _, c := range args.Caps {
		if c == "IMAP4REV2" && !s.rev2 {
			s.rev2 = true
			s.setUTF8(true)
			s.enc.Raw(" IMAP4rev2")
		}
		if name := s.enableModSeq(c); name != "" { // condstore.go
			s.enc.SP().Raw(name)
		}
		if name := s.enableUTF8Accept(c); name != "" { // utf8accept.go
			s.enc.SP().Raw(name)
		}
		if name := s.enableUIDOnly(c); name != "" { // uidonly.go
			s.enc.SP().Raw(name)
		}
	}
	s.enc.CRLF()
	return nil
}

// setUTF8 switches mailbox names and quoted strings between UTF-8 and
// modified UTF-7/ASCII.
func (s *session) setUTF8(on bool) {
	s.utf8 = on
	s.parser.UTF8 = on
	s.enc.UTF8 = on
}

// handleNamespace is in namespace.go.

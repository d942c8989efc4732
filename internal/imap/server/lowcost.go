package server

// The low-cost mode iOS Mail looks for (issue 4): UIDONLY (uidonly.go),
// PARTIAL (partial.go), UIDBATCHES (uidbatches.go), MESSAGELIMIT
// (messagelimit.go) and background traffic shedding (background.go).
// execute calls beforeCommand and afterCommand around every handler.

import "roost/internal/imap/proto"

// lowCostState is the part of a session these extensions keep.
type lowCostState struct {
	uidOnly bool // ENABLE UIDONLY was given (RFC 9586)
	// background: the client said in ID that this is background traffic
	// (TN3189).
	background bool
	// limited: the running command was narrowed to MESSAGELIMIT messages.
	limited bool
	// leave ends the running command's count in the server's load.
	leave func()
}

// beforeCommand admits a command about to run: a background session is
// refused under load, sequence numbers are refused in UIDONLY mode, and
// the message limit narrows or refuses a command over it. On success the
// command counts in the server's load until afterCommand.
func (s *session) beforeCommand(cmd *proto.Command) error {
	s.lowCost.limited = false
	if err := s.shedBackground(cmd); err != nil {
		return err
	}
	if err := s.checkUIDOnly(cmd); err != nil {
		return err
	}
	if err := s.limitMessageCommand(cmd); err != nil {
		return err
	}
	if cmd.Name != "IDLE" {
		s.lowCost.leave = s.srv.load.enter()
	}
	return nil
}

// afterCommand ends what beforeCommand started; err is the handler's
// result, returned unchanged.
func (s *session) afterCommand(err error) error {
	if s.lowCost.leave != nil {
		s.lowCost.leave()
		s.lowCost.leave = nil
	}
	if err == nil {
		s.reportMessageLimit()
	}
	s.lowCost.limited = false
	return err
}

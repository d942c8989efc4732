package server

import (
	"roost/internal/imap/proto"
	"roost/internal/search"
	"roost/internal/store"
)

// handleThread answers THREAD and UID THREAD (RFC 5256 §3) with the
// ORDEREDSUBJECT and REFERENCES algorithms, from the stored sort keys:
// "* THREAD (1 2)(3 (4)(5 6))", numbered by sequence number or UID.
func (s *session) handleThread(cmd *proto.Command) error {
	ta, ok := cmd.Args.(*proto.Thread)
	if !ok {
		return errBad("Missing THREAD arguments")
	}
	var algorithm func([]store.Message) []*search.Thread
	switch ta.Algorithm {
	case proto.ThreadOrderedSubject:
		algorithm = search.ThreadOrderedSubject
	case proto.ThreadReferences:
		algorithm = search.ThreadReferences
	default:
		return errBad("Unknown threading algorithm")
	}
	if err := checkCharset(ta.Charset); err != nil {
		return err
	}
	msgs, err := s.matchMessages(ta.Keys, search.SortNeeds)
	if err != nil {
		return err
	}
	threads := algorithm(msgs)
	buf := append(make([]byte, 0, 16+len(msgs)*8), "* THREAD"...)
	if len(threads) > 0 {
		buf = append(buf, ' ')
		buf = search.AppendThreads(buf, threads, func(uid uint32) uint32 { return s.resultNumber(uid, cmd.UID) })
	}
	s.enc.RawBytes(buf).CRLF()
	s.okText = "Thread completed."
	return s.enc.Err()
}

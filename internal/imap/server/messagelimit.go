package server

// MESSAGELIMIT (RFC 9738): the server announces "MESSAGELIMIT=n", the most
// messages one FETCH, SEARCH, STORE, COPY, MOVE (or their UID forms) or
// UID EXPUNGE works on. Our reading of the RFC (docs/compliance.md):
//
//   - a UID command whose set holds more than n messages of the mailbox
//     works on the first n of them in mailbox (ascending UID) order and
//     succeeds with "OK [MESSAGELIMIT n]"; the client continues with the
//     UIDs above the last one it was told about;
//   - a command using message sequence numbers is refused with
//     "NO [MESSAGELIMIT n]": nothing is done;
//   - for SEARCH, SORT and THREAD (a SEARCH with its results ordered or
//     grouped) the messages counted are those the top-level UID and
//     sequence set keys leave as candidates (all messages without such
//     keys); the UID forms examine the first n candidates, so UID SORT
//     orders and UID THREAD groups only those;
//   - an APPEND (MULTIAPPEND, RFC 3502) of more than n messages is refused
//     with "NO [MESSAGELIMIT n]" and stores none of them: MULTIAPPEND is
//     all or nothing (RFC 3502 §6.3.11), so there is no first part to
//     keep. The refusal comes before the (n+1)th message is read, so its
//     synchronizing literal is never invited.
//
// Config.MessageLimit 0 switches the limit off (and the capability).

import (
	"strconv"

	"roost/internal/imap/proto"
)

// messageLimit is the MESSAGELIMIT in force, 0 if none.
func (s *session) messageLimit() int { return max(s.srv.cfg.MessageLimit, 0) }

func (s *session) messageLimitCode() string {
	return "MESSAGELIMIT " + strconv.Itoa(s.messageLimit())
}

// errMessageLimit refuses a sequence-number command over the limit.
func (s *session) errMessageLimit() error {
	return errNo(s.messageLimitCode(), "Too many messages; at most "+strconv.Itoa(s.messageLimit())+" per command")
}

// limitUIDs applies the limit to the ascending UIDs a command would work
// on: the first n for a UID command (noting that the tagged OK must say
// so), an error for a sequence-number command.
func (s *session) limitUIDs(uids []uint32, byUID bool) ([]uint32, error) {
	n := s.messageLimit()
	if n == 0 || len(uids) <= n {
		return uids, nil
	}
	if !byUID {
		return nil, s.errMessageLimit()
	}
	s.lowCost.limited = true
	return uids[:n], nil
}

// limitMessageCommand applies the limit, before the handler runs, to
// STORE, COPY, MOVE, UID EXPUNGE and SEARCH: a UID command over the limit
// gets its set (or, for SEARCH, an extra UID key) narrowed to the first n
// messages.
func (s *session) limitMessageCommand(cmd *proto.Command) error {
	if s.messageLimit() == 0 || s.sel == nil {
		return nil
	}
	var set *proto.NumSet
	switch a := cmd.Args.(type) {
	case *proto.Store:
		set = &a.Set
	case *proto.Copy:
		set = &a.Set
	case *proto.Expunge:
		set = &a.Set
	case *proto.Search:
		return s.limitSearch(cmd, &a.Keys)
	case *proto.Sort:
		return s.limitSearch(cmd, &a.Keys)
	case *proto.Thread:
		return s.limitSearch(cmd, &a.Keys)
	default:
		return nil
	}
	uids, err := s.resolveSet(*set, cmd.UID)
	if err != nil {
		return nil // the handler gives the error
	}
	kept, err := s.limitUIDs(uids, cmd.UID)
	if err != nil {
		return err
	}
	if len(kept) < len(uids) {
		*set = uidNumSet(kept)
	}
	return nil
}

// limitSearch narrows a UID SEARCH, UID SORT or UID THREAD over the limit
// to its first n candidates by adding a top-level UID key to keys (the
// keys are ANDed).
func (s *session) limitSearch(cmd *proto.Command, keys *[]proto.SearchKey) error {
	sel := s.sel
	n := s.messageLimit()
	ctx := s.searchContext()
	candidates := make([]uint32, 0, n+1)
	for i, u := range sel.uids {
		if sel.isExpunged(u) || !prefilter(*keys, uint32(i+1), u, ctx) {
			continue
		}
		candidates = append(candidates, u)
		if len(candidates) > n {
			break
		}
	}
	kept, err := s.limitUIDs(candidates, cmd.UID)
	if err != nil || len(kept) == len(candidates) {
		return err
	}
	*keys = append(*keys, proto.SearchKey{Op: proto.SearchUID, Set: uidNumSet(kept)})
	return nil
}

// limitAppend refuses the next message of an APPEND that has already
// staged n: a MULTIAPPEND over the limit stores nothing.
func (s *session) limitAppend(staged int) error {
	if n := s.messageLimit(); n > 0 && staged >= n {
		return s.errMessageLimit()
	}
	return nil
}

// narrowFetch applies the PARTIAL modifier (RFC 9394 §3.3; before
// CHANGEDSINCE, §3.4) and then the message limit to the UIDs a FETCH
// resolved.
func (s *session) narrowFetch(cmd *proto.Command, f *proto.Fetch, uids []uint32) ([]uint32, error) {
	if f.Partial != nil {
		uids = partialSlice(f.Partial, uids)
	}
	return s.limitUIDs(uids, cmd.UID)
}

// reportMessageLimit tells the client, after a successful command, that
// only part of its set was worked on: in the tagged OK, or in an untagged
// OK when the tagged one already carries a code (COPYUID, MODIFIED...).
func (s *session) reportMessageLimit() {
	if !s.lowCost.limited {
		return
	}
	s.lowCost.limited = false
	if s.okCode == "" {
		s.okCode = s.messageLimitCode()
		return
	}
	s.writeUntaggedOK(s.messageLimitCode(), "Only the first "+strconv.Itoa(s.messageLimit())+" messages were processed")
}

package search

import "roost/internal/imap/proto"

// TextOnly reports whether keys read nothing of a message but its UID,
// its sequence number and its search text (header fields, body text), so
// that the store may load just those (store.FetchOptions.TextOnly).
func TextOnly(keys []proto.SearchKey) bool {
	ok := true
	walk(keys, func(k *proto.SearchKey) {
		switch k.Op {
		case proto.SearchAll, proto.SearchSeqSet, proto.SearchUID,
			proto.SearchNot, proto.SearchOr, proto.SearchAnd,
			proto.SearchBcc, proto.SearchCc, proto.SearchFrom, proto.SearchTo,
			proto.SearchSubject, proto.SearchHeader, proto.SearchBody, proto.SearchText:
		default:
			ok = false
		}
	})
	return ok
}

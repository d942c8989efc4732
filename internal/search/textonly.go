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

// DatesOnly reports whether criteria compare only dates and sizes
// (ARRIVAL, DATE, SIZE), so that Sort needs of the stored sort keys only
// SentDate (store.FetchOptions.SortDatesOnly).
func DatesOnly(criteria []proto.SortCriterion) bool {
	for _, c := range criteria {
		switch c.Key {
		case proto.SortArrival, proto.SortDate, proto.SortSize:
		default:
			return false
		}
	}
	return true
}

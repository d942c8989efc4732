package search

import (
	"roost/internal/imap/proto"
	"roost/internal/objectid"
	"roost/internal/store"
)

// matchExtension evaluates the search keys of OBJECTID (RFC 8474 §5.4)
// and SAVEDATE (RFC 8514 §4.3); known is false for other keys.
func matchExtension(k *proto.SearchKey, m *store.Message) (matched, known bool) {
	switch k.Op {
	case proto.SearchEmailID:
		return (m.EmailID != "" || m.BlobID != "") && objectid.EmailID(m.EmailID, m.BlobID) == k.Value, true
	case proto.SearchThreadID:
		// A message without a thread has THREADID NIL and matches no
		// THREADID key (RFC 8474 §5.2).
		id := objectid.ThreadID(m.ThreadID)
		return id != "" && id == k.Value, true
	// Every message of this store has a save date (RFC 8514 §4.3
	// SAVEDATESUPPORTED), kept in UTC: its day is taken there.
	case proto.SearchSavedBefore:
		return dayOf(m.SaveDate.UTC()) < dayOf(k.Date.UTC()), true
	case proto.SearchSavedOn:
		return dayOf(m.SaveDate.UTC()) == dayOf(k.Date.UTC()), true
	case proto.SearchSavedSince:
		return dayOf(m.SaveDate.UTC()) >= dayOf(k.Date.UTC()), true
	case proto.SearchSaveDateSupported:
		return true, true
	}
	return false, false
}

package server

import "roost/internal/imap/proto"

// itemsNeedBlobID reports whether answering items needs the message's
// content address (store.Message.BlobID): to read the message bytes, for
// EMAILID, or for a PREVIEW that may have to be computed from the file.
// Metadata-only FETCHes (UID FLAGS, the usual client resync) then let the
// store skip the per-message lookup of the content row; an item not known
// here counts as needing it.
func itemsNeedBlobID(items []proto.FetchItem) bool {
	for i := range items {
		switch items[i].Attr {
		case proto.FetchUID, proto.FetchFlags, proto.FetchInternalDate, proto.FetchRFC822Size,
			proto.FetchModSeq, proto.FetchEnvelope, proto.FetchBody, proto.FetchBodyStructure,
			proto.FetchSaveDate, proto.FetchThreadID:
		default:
			return true
		}
	}
	return false
}

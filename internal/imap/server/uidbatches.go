package server

// UIDBATCHES (draft-ietf-mailmaint-imap-uidbatches): "UIDBATCHES size
// [first:last]" answers "* UIDBATCHES (TAG "t") high:low,high:low,..." —
// UID ranges that split the selected mailbox into batches of size
// messages, the newest batch first, so that a client (typically in
// UIDONLY mode, without sequence numbers) can FETCH, SEARCH or STORE one
// batch at a time. Our reading (docs/compliance.md): the ranges are
// contiguous, each starting one below the previous one's low end; the
// first starts at the highest UID in the mailbox and the last ends at the
// lowest; only the last batch may hold fewer messages. first:last picks
// batches by position (1-based); batches that do not exist are left out.

import (
	"strconv"

	"roost/internal/imap/proto"
)

// minBatchSize is the smallest batch size accepted: smaller ones would
// make the response grow like the mailbox, which the extension exists to
// avoid.
const minBatchSize = 500

// maxBatchesPerResponse bounds one response's ranges.
const maxBatchesPerResponse = 10000

func (s *session) handleUIDBatches(cmd *proto.Command) error {
	b, ok := cmd.Args.(*proto.UIDBatches)
	if !ok {
		return errBad("Missing UIDBATCHES arguments")
	}
	if b.Size < minBatchSize {
		return errNo("CANNOT", "Batch size must be at least "+strconv.Itoa(minBatchSize))
	}
	sel := s.sel
	// The messages of the view, newest first, without those already gone.
	uids := make([]uint32, 0, len(sel.uids))
	for i := len(sel.uids) - 1; i >= 0; i-- {
		if u := sel.uids[i]; !sel.isExpunged(u) {
			uids = append(uids, u)
		}
	}
	size := int(b.Size)
	total := (len(uids) + size - 1) / size
	first, last := 1, total
	if b.First != 0 {
		first, last = int(b.First), min(int(b.Last), total)
	}
	if last-first+1 > maxBatchesPerResponse {
		return errNo("LIMIT", "Too many batches; ask for a range of them or a larger size")
	}
	buf := make([]byte, 0, 64+24*max(last-first+1, 0))
	buf = append(buf, `* UIDBATCHES (TAG "`...)
	buf = append(buf, s.tag...)
	buf = append(buf, `")`...)
	for i := first; i <= last; i++ {
		start := (i - 1) * size // index of the batch's newest message
		end := min(start+size, len(uids)) - 1
		high := uids[start]
		if i > 1 {
			high = uids[start-1] - 1 // contiguous with the newer batch
		}
		low := uids[end]
		if i == first {
			buf = append(buf, ' ')
		} else {
			buf = append(buf, ',')
		}
		buf = strconv.AppendUint(buf, uint64(high), 10)
		buf = append(buf, ':')
		buf = strconv.AppendUint(buf, uint64(low), 10)
	}
	s.enc.RawBytes(buf).CRLF()
	s.okText = "UIDBATCHES completed."
	return s.enc.Err()
}

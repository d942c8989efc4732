package server

import (
	"context"

	"roost/internal/imap/proto"
	"roost/internal/search"
)

// headerSearcher is a store that keeps the folded Subject, From, To, Cc
// and Bcc of its messages and evaluates a search.HeaderQuery itself
// (sqlite.Store), returning only the matching UIDs: SEARCH SUBJECT on a
// large mailbox then loads no message.
type headerSearcher interface {
	SearchHeaderFields(ctx context.Context, mailboxID int64, uids []uint32, q *search.HeaderQuery) ([]uint32, error)
}

// headerSearchBatch is how many candidate UIDs one store call examines:
// few calls (nothing but matching UIDs comes back), and INPROGRESS
// updates between them on a very large mailbox.
const headerSearchBatch = 20000

// searchIndexedHeaders answers keys from the store's header index when the
// store has one and keys test only the indexed fields (besides top-level
// UID and sequence sets, which candidates already satisfy: prefilter).
// ok is false when it cannot, and the caller evaluates keys itself.
func (s *session) searchIndexedHeaders(keys []proto.SearchKey, candidates []uint32) (found []uint32, ok bool, err error) {
	hs, can := s.srv.backend.(headerSearcher)
	if !can {
		return nil, false, nil
	}
	q, can := search.CompileHeaderQuery(keys)
	if !can {
		return nil, false, nil
	}
	prog := s.newProgress(len(candidates)) // inprogress.go
	size := headerSearchBatch
	for start := 0; start < len(candidates); start += size {
		if err := prog.at(start); err != nil {
			return nil, true, err
		}
		batch := candidates[start:min(start+size, len(candidates))]
		got, err := hs.SearchHeaderFields(s.ctx, s.sel.mbox.ID, batch, q)
		if err != nil {
			return nil, true, err
		}
		found = append(found, got...)
	}
	return found, true, nil
}

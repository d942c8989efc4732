package server

import (
	"errors"

	"roost/internal/imap/proto"
	"roost/internal/mime"
	"roost/internal/objectid"
	"roost/internal/store"
)

// FETCH items of OBJECTID (RFC 8474 §5.3), SAVEDATE (RFC 8514 §4.2) and
// PREVIEW (RFC 8970): all answered from the metadata row, except the
// preview of a message stored before previews were kept, which is computed
// from its file when asked without LAZY.

// planFetchExt records what the extension item it needs loaded; false if
// it is not one of them.
func planFetchExt(p *fetchPlan, it proto.FetchItem) bool {
	switch it.Attr {
	case proto.FetchEmailID:
		// The stored EMAILID, or for older messages the content address
		// (loaded with the row unless NoBlobID).
		p.opts.EmailID = true
	case proto.FetchSaveDate:
	case proto.FetchThreadID:
		p.opts.ThreadID = true
	case proto.FetchPreview:
		p.opts.Preview = true
	default:
		return false
	}
	return true
}

// writeFetchExt writes one extension item; false if it is not one.
func (s *session) writeFetchExt(m *store.Message, it *proto.FetchItem) (bool, error) {
	switch it.Attr {
	case proto.FetchEmailID:
		s.enc.Raw("EMAILID (").Raw(objectid.EmailID(m.EmailID, m.BlobID)).Raw(")")
	case proto.FetchThreadID:
		if id := objectid.ThreadID(m.ThreadID); id != "" {
			s.enc.Raw("THREADID (").Raw(id).Raw(")")
		} else {
			s.enc.Raw("THREADID NIL") // RFC 8474 §5.2
		}
	case proto.FetchSaveDate:
		s.enc.Raw("SAVEDATE ").Quoted(m.SaveDate.Format(internalDateLayout))
	case proto.FetchPreview:
		s.enc.Raw("PREVIEW ")
		switch {
		case m.HasPreview:
			s.enc.String(m.Preview)
		case it.Lazy:
			// Not at hand: LAZY allows NIL (RFC 8970 §4.1); a FETCH
			// without it computes the preview.
			s.enc.NIL()
		default:
			p, err := s.computePreview(m)
			if err != nil {
				return true, err
			}
			s.enc.String(p)
		}
	default:
		return false, nil
	}
	return true, s.enc.Err()
}

// computePreview computes the preview of a message that has none stored,
// from its structure and file.
func (s *session) computePreview(m *store.Message) (string, error) {
	parsed := m.Parsed
	if parsed == nil || parsed.Root == nil {
		ms, err := s.srv.backend.Messages(s.ctx, s.sel.mbox.ID, []uint32{m.UID}, store.FetchOptions{Structure: true})
		if err != nil {
			return "", err
		}
		if len(ms) == 0 || ms[0].Parsed == nil {
			return "", nil // expunged meanwhile: nothing to preview
		}
		parsed = ms[0].Parsed
	}
	b, err := s.openContent(m) // fetch.go
	if errors.Is(err, errExpungedMeanwhile) {
		return "", nil // the FETCH line has begun: an empty preview
	}
	if err != nil {
		return "", err
	}
	defer b.Close()
	return mime.Preview(parsed, b)
}

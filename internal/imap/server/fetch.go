package server

import (
	"errors"
	"slices"

	"roost/internal/imap/imapmime"
	"roost/internal/imap/proto"
	"roost/internal/store"
)

// internalDateLayout is date-time of RFC 9051 §9:
// "dd-Mon-yyyy hh:mm:ss +zzzz".
const internalDateLayout = "02-Jan-2006 15:04:05 -0700"

// handleFetch answers FETCH and UID FETCH (RFC 9051 §6.4.5, §6.4.9).
// Messages expunged by another session since this one last heard are
// silently left out; the client learns of them later through EXPUNGE.
func (s *session) handleFetch(cmd *proto.Command) error {
	f, ok := cmd.Args.(*proto.Fetch)
	if !ok {
		return errBad("Missing FETCH arguments")
	}
	plan, err := planFetch(f, cmd.UID)
	if err != nil {
		return err
	}
	uids, err := s.resolveSet(f.Set, cmd.UID)
	if err != nil {
		return err
	}
	// PARTIAL and MESSAGELIMIT (messagelimit.go).
	if uids, err = s.narrowFetch(cmd, f, uids); err != nil {
		return err
	}
	// MODSEQ items, CHANGEDSINCE and VANISHED (condstore.go).
	if uids, err = s.condStoreFetch(cmd, f, plan, uids); err != nil {
		return err
	}
	s.uidOnlyItems(plan) // UIDFETCH responses carry the UID (uidonly.go)
	s.okText = "Fetch completed."
	// A message that cannot be answered (RFC 3516 UNKNOWN-CTE, ...) does
	// not stop the others; the first such failure is the tagged answer.
	var failure error
	// Messages of the view that another session expunged before they
	// could be read (see expungedMeanwhile).
	expungeIssued := false
	prog := s.newProgress(len(uids)) // inprogress.go
	for start := 0; start < len(uids); start += fetchBatch {
		batch := uids[start:min(start+fetchBatch, len(uids))]
		msgs, err := s.srv.backend.Messages(s.ctx, s.sel.mbox.ID, batch, plan.opts)
		if err != nil {
			return err
		}
		// Every UID asked for is in the view; the store skips those
		// already expunged.
		if len(msgs) < len(batch) {
			expungeIssued = true
		}
		if plan.changedSince > 0 {
			msgs = slices.DeleteFunc(msgs, func(m store.Message) bool { return m.ModSeq <= plan.changedSince })
		}
		var seenSet map[uint32]bool
		if plan.setSeen && !s.sel.readOnly && has(s.sel.rights, "s") { // RFC 4314 §4: FETCH sets \Seen only with "s"
			if seenSet, err = s.markSeen(msgs); err != nil {
				return err
			}
		}
		for i := range msgs {
			if err := prog.at(start + i); err != nil {
				return err
			}
			m := &msgs[i]
			seq := s.sel.seqOf(m.UID)
			if seq == 0 {
				continue
			}
			err := s.writeFetchResponse(seq, m, plan, seenSet[m.UID])
			var se *statusError
			switch {
			case errors.Is(err, errExpungedMeanwhile):
				expungeIssued = true
			case errors.As(err, &se):
				if failure == nil {
					failure = err
				}
			case err != nil:
				return err
			}
		}
	}
	if failure == nil && expungeIssued {
		// Dovecot's answer: the others were served, these are gone.
		// Roost deletes a message's rows when the expunge commits, and
		// its file with the last reference, so it cannot serve them as
		// RFC 2180 §4.1.1 would; OK with EXPUNGEISSUED tells the client
		// why they are missing and to NOOP soon (RFC 9051 §7.1).
		s.okCode, s.okText = "EXPUNGEISSUED", "Some messages were already expunged."
	}
	return failure
}

// errExpungedMeanwhile: the message was expunged by another session after
// its metadata was read and before its bytes could be opened.
var errExpungedMeanwhile = errors.New("message expunged meanwhile")

// openContent opens the bytes of m. If they are gone and so is the
// message (an expunge of the last message with the same bytes committed
// after m was read), the answer is errExpungedMeanwhile: not a fault of
// the store, and nothing of the message is written. A file missing for a
// message that is still there stays an error.
func (s *session) openContent(m *store.Message) (store.Blob, error) {
	b, err := s.srv.backend.OpenBlob(s.ctx, m.BlobID)
	if err == nil || !errors.Is(err, store.ErrNoContent) {
		return b, err
	}
	still, qerr := s.srv.backend.Messages(s.ctx, s.sel.mbox.ID, []uint32{m.UID}, store.FetchOptions{NoBlobID: true})
	if qerr != nil {
		return nil, qerr
	}
	if len(still) == 0 {
		return nil, errExpungedMeanwhile
	}
	return nil, err
}

// markSeen sets \Seen on those of msgs that lack it: the implicit effect of
// BODY[...] and friends in a read-write mailbox (RFC 9051 §6.4.5). msgs get
// their new flags; the returned set lists the messages that changed, whose
// FETCH response then includes FLAGS. The store's own notification of the
// change is not echoed again.
func (s *session) markSeen(msgs []store.Message) (map[uint32]bool, error) {
	var unseen []uint32
	for i := range msgs {
		if !slices.Contains(msgs[i].Flags, store.FlagSeen) {
			unseen = append(unseen, msgs[i].UID)
		}
	}
	if len(unseen) == 0 {
		return nil, nil
	}
	updated, _, err := s.srv.backend.StoreFlags(s.ctx, s.sel.mbox.ID, unseen, store.FlagsAdd, []string{store.FlagSeen}, 0)
	if err != nil {
		return nil, err
	}
	s.sel.noteOwnFlags(updated)
	changed := make(map[uint32]bool, len(updated))
	j := 0
	for _, u := range updated {
		changed[u.UID] = true
		for j < len(msgs) && msgs[j].UID < u.UID {
			j++
		}
		if j < len(msgs) && msgs[j].UID == u.UID {
			msgs[j].Flags = u.Flags
			msgs[j].ModSeq = u.ModSeq
		}
	}
	return changed, nil
}

// writeFetchResponse writes "* seq FETCH (...)" for one message. Section
// contents are opened first: if one of them fails, the message is answered
// with its UID (and FLAGS, if \Seen was just set) only, like Dovecot does,
// and the failure is returned as a *statusError for the tagged response.
func (s *session) writeFetchResponse(seq uint32, m *store.Message, plan *fetchPlan, seenChanged bool) error {
	var blob store.Blob
	if plan.needBlob {
		if m.Parsed == nil && plan.opts.Structure {
			return errors.New("fetch: message has no parse result")
		}
		b, err := s.openContent(m)
		if err != nil {
			return err
		}
		defer b.Close()
		blob = b
	}
	contents, err := prepareContents(m, blob, plan)
	if plan.hasFlags || seenChanged {
		s.announceKeywords(m.Flags) // before the FETCH line starts (keywords.go)
	}
	if err != nil {
		var se *statusError
		if !errors.As(err, &se) {
			return err
		}
		sep := s.writeFetchStart(seq, m.UID, true) // uidonly.go
		if seenChanged {
			s.enc.Raw(sep + "FLAGS ")
			s.writeFlags(m.Flags, s.isRecent(m.UID))
		}
		s.enc.Raw(")").CRLF()
		return err
	}

	s.writeFetchStart(seq, m.UID, false) // "* seq FETCH (" or UIDFETCH (uidonly.go)
	first := true
	sep := func() {
		if !first {
			s.enc.SP()
		}
		first = false
	}
	implicitFlags := seenChanged && !plan.hasFlags
	if implicitFlags && (len(plan.items) == 0 || plan.items[0].Attr != proto.FetchUID) {
		sep()
		s.writeFlagsItem(m)
		implicitFlags = false
	}
	var buf []byte
	for i := range plan.items {
		it := &plan.items[i]
		sep()
		if err := s.writeFetchItem(m, it, contents[i], &buf); err != nil {
			return err
		}
		if implicitFlags {
			// UID FETCH: FLAGS right after the leading UID.
			s.enc.SP()
			s.writeFlagsItem(m)
			implicitFlags = false
		}
	}
	s.enc.Raw(")").CRLF()
	return s.enc.Err()
}

// prepareContents opens the section items of plan for m, parallel to
// plan.items (zero values for the other items).
func prepareContents(m *store.Message, blob store.Blob, plan *fetchPlan) ([]sectionContent, error) {
	if !plan.needBlob {
		return make([]sectionContent, len(plan.items)), nil
	}
	contents := make([]sectionContent, len(plan.items))
	for i := range plan.items {
		it := &plan.items[i]
		var c sectionContent
		var err error
		switch it.Attr {
		case proto.FetchBodySection:
			c, err = prepareBody(m.Parsed, blob, it.Section)
		case proto.FetchRFC822, proto.FetchRFC822Header, proto.FetchRFC822Text:
			c, err = prepareBody(m.Parsed, blob, rfc822Section(it.Attr))
		case proto.FetchBinary:
			c, err = prepareBinary(m.Parsed, blob, it.Section)
		case proto.FetchBinarySize:
			c.size, c.nil, err = binarySize(m.Parsed, blob, it.Section)
		default:
			continue
		}
		if err != nil {
			return nil, err
		}
		contents[i] = c
	}
	return contents, nil
}

// writeFetchItem writes one "NAME value" pair. buf is scratch space reused
// across items.
func (s *session) writeFetchItem(m *store.Message, it *proto.FetchItem, c sectionContent, buf *[]byte) error {
	if ok, err := s.writeFetchExt(m, it); ok { // fetch_ext.go
		return err
	}
	switch it.Attr {
	case proto.FetchUID:
		s.enc.Raw("UID ").Number(uint64(m.UID))
	case proto.FetchFlags:
		s.writeFlagsItem(m)
	case proto.FetchInternalDate:
		s.enc.Raw("INTERNALDATE ").Quoted(m.InternalDate.Format(internalDateLayout))
	case proto.FetchRFC822Size:
		s.enc.Raw("RFC822.SIZE ").Number(uint64(m.Size))
	case proto.FetchModSeq:
		s.enc.Raw("MODSEQ (").Number(m.ModSeq).Raw(")")
	case proto.FetchEnvelope, proto.FetchBody, proto.FetchBodyStructure:
		if m.Parsed == nil {
			return errors.New("fetch: message has no parse result")
		}
		b := append((*buf)[:0], it.Attr...)
		b = append(b, ' ')
		if it.Attr == proto.FetchEnvelope {
			b = imapmime.AppendEnvelope(b, m.Parsed, s.utf8)
		} else {
			b = imapmime.AppendBodyStructure(b, m.Parsed, it.Attr == proto.FetchBodyStructure, s.utf8)
		}
		s.enc.RawBytes(b)
		*buf = b
	case proto.FetchBinarySize:
		*buf = appendItemName((*buf)[:0], it)
		s.enc.RawBytes(*buf).SP().Number(uint64(c.size))
	default: // sections: BODY[...], BINARY[...], RFC822, RFC822.HEADER, RFC822.TEXT
		*buf = appendItemName((*buf)[:0], it)
		s.enc.RawBytes(*buf).SP()
		if c.nil {
			s.enc.NIL()
		} else {
			s.enc.Literal(c.r, c.size, c.binary)
		}
	}
	return s.enc.Err()
}

func (s *session) writeFlagsItem(m *store.Message) {
	s.enc.Raw("FLAGS ")
	s.writeFlags(m.Flags, s.isRecent(m.UID))
}

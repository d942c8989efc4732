package server

import (
	"strings"

	"roost/internal/imap/proto"
	"roost/internal/search"
	"roost/internal/store"
)

// handleStore answers STORE and UID STORE (RFC 9051 §6.4.6), with the
// UNCHANGEDSINCE modifier of RFC 7162 §3.1.3.
//
// Each message whose flags changed gets "* seq FETCH (FLAGS (...))" (with
// UID for UID STORE) unless .SILENT was asked; the store's notification of
// the same change is then not echoed a second time by flushUpdates.
// Messages whose flags were already as asked get no response.
func (s *session) handleStore(cmd *proto.Command) error {
	st, ok := cmd.Args.(*proto.Store)
	if !ok {
		return errBad("Missing STORE arguments")
	}
	flags, err := canonicalFlags(st.Flags)
	if err != nil {
		return err
	}
	if s.sel.readOnly {
		// EXAMINE allows no change to the mailbox (RFC 9051 §6.3.3).
		return errNo("", "Mailbox is read-only.")
	}
	uids, err := s.resolveSet(st.Set, cmd.UID)
	if err != nil {
		return err
	}
	s.okText = "Store completed."
	op := map[proto.StoreOp]store.FlagOp{
		proto.StoreSet: store.FlagsSet, proto.StoreAdd: store.FlagsAdd, proto.StoreRemove: store.FlagsRemove,
	}[st.Op]
	if flags, err = s.permittedStore(op, flags); err != nil { // acl.go (RFC 4314 §4)
		return err
	}

	var updated []store.FlagUpdate
	var failed []uint32
	for start := 0; start < len(uids); start += fetchBatch {
		batch := uids[start:min(start+fetchBatch, len(uids))]
		if st.HasUnchanged && st.UnchangedSince == 0 {
			// Every message has a MODSEQ above 0, so nothing may change
			// (RFC 7162 §3.1.3).
			failed = append(failed, batch...)
			continue
		}
		up, fail, err := s.storeFlagsBatch(batch, op, flags, st.UnchangedSince) // acl.go
		if err != nil {
			return storeError(err) // a full disk is NO, not SERVERBUG
		}
		s.sel.noteOwnFlags(up)
		updated = append(updated, up...)
		failed = append(failed, fail...)
	}

	// A keyword new to the mailbox is announced even under .SILENT
	// (keywords.go): it is a change of the mailbox's FLAGS.
	for _, u := range updated {
		s.announceKeywords(u.Flags)
	}
	// RFC 7162 §3.1.3: with CONDSTORE on (UNCHANGEDSINCE turns it on),
	// changed messages are reported with their MODSEQ even under .SILENT.
	if !st.Silent || s.condstore {
		for _, u := range updated {
			seq := s.sel.seqOf(u.UID)
			if seq == 0 {
				continue
			}
			s.writeStoreFetch(seq, u, cmd.UID, st.Silent) // condstore.go
		}
	}
	if len(failed) > 0 {
		// MODIFIED lists the messages left alone, as sequence numbers
		// for STORE and UIDs for UID STORE (RFC 7162 §3.1.3).
		nums := failed
		if !cmd.UID {
			nums = make([]uint32, 0, len(failed))
			for _, u := range failed {
				if seq := s.sel.seqOf(u); seq != 0 {
					nums = append(nums, seq)
				}
			}
		}
		if len(nums) > 0 {
			s.okCode = "MODIFIED " + string(search.Compact(nil, nums))
			s.okText = "Conditional STORE failed"
		}
	}
	return s.enc.Err()
}

// storableFlags maps the lower-case spelling of every system flag a client
// may store to the spelling the store uses.
var storableFlags = map[string]string{
	`\seen`:     store.FlagSeen,
	`\answered`: store.FlagAnswered,
	`\flagged`:  store.FlagFlagged,
	`\deleted`:  store.FlagDeleted,
	`\draft`:    store.FlagDraft,
}

// canonicalFlags checks the flags of STORE (and APPEND): system flags are
// spelled canonically, \Recent cannot be set by a client (RFC 3501 §2.3.2)
// and other backslash flags do not exist (RFC 9051 §2.3.2: flag-extension
// is reserved). Keywords are kept as given; PERMANENTFLAGS has \*.
func canonicalFlags(flags []string) ([]string, error) {
	out := make([]string, 0, len(flags))
	for _, f := range flags {
		if strings.HasPrefix(f, `\`) {
			canon, ok := storableFlags[strings.ToLower(f)]
			if !ok {
				if strings.EqualFold(f, `\Recent`) {
					return nil, errBad(`\Recent flag cannot be changed`)
				}
				return nil, errBad("Invalid system flag " + f)
			}
			f = canon
		}
		out = append(out, f)
	}
	return out, nil
}

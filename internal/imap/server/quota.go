package server

import (
	"strings"

	"roost/internal/imap/proto"
	"roost/internal/imap/utf7"
	"roost/internal/store"
)

// Quotas (RFC 9208). Every account is one quota root holding the STORAGE
// and MESSAGE usage of all its mailboxes (store/quota.go). Root names
// follow the namespaces (namespace.go): "" is the session's own account,
// "Other Users/bob" bob's and "Shared" the shared account's, so a client
// can tell from a mailbox's name which root it falls under. Usage of
// other accounts is shown to administrators and to users who may read
// ("r") one of that account's mailboxes (RFC 9208 §6). SETQUOTA is for
// administrators (`roost user admin NAME on`); anyone else gets NO
// [NOPERM].

// errOverQuota answers an APPEND, COPY or MOVE refused by a quota
// (RFC 9208 §4.3.1); nothing was stored.
var errOverQuota = &statusError{Type: "NO", Code: "OVERQUOTA", Text: "Quota exceeded; nothing was stored."}

// Largest limits SETQUOTA takes: far above any real account, low enough
// that the store's arithmetic (KiB × 1024) cannot overflow.
const maxQuotaLimit = 1 << 40

// quotas returns the backend's quota support, nil if it has none.
func (s *session) quotas() store.QuotaBackend {
	qb, _ := s.srv.backend.(store.QuotaBackend)
	return qb
}

// quotaCapabilities are the RFC 9208 capabilities, none without quota
// support. QUOTASET: SETQUOTA exists (for administrators).
func (s *session) quotaCapabilities() []string {
	if s.quotas() == nil {
		return nil
	}
	return []string{"QUOTA", "QUOTA=RES-STORAGE", "QUOTA=RES-MESSAGE", "QUOTASET"}
}

// isAdmin reports whether the session's user is an administrator.
func (s *session) isAdmin() (bool, error) {
	qb := s.quotas()
	if qb == nil {
		return false, nil
	}
	admin, err := qb.Admin(s.ctx, s.user.ID)
	if err != nil {
		return false, storeError(err)
	}
	return admin, nil
}

// quotaRootName is the root of the account a resolved mailbox name
// belongs to: its namespace prefix without the delimiter.
func quotaRootName(ref *mailboxRef) string { return strings.TrimSuffix(ref.prefix, delim) }

// quotaRootOwner resolves a quota root name to its account, checking that
// the session may see it; an unknown or hidden root is NO [NONEXISTENT]
// either way, so that account names do not leak.
func (s *session) quotaRootOwner(root string) (int64, error) {
	if !s.utf8 {
		if d, err := utf7.Decode(root); err == nil {
			root = d
		}
	}
	if root == "" {
		return s.user.ID, nil
	}
	missing := errNo("NONEXISTENT", "No such quota root.")
	owner, local, prefix, foreign, err := s.splitForeign(root)
	if err != nil {
		return 0, storeError(err)
	}
	if !foreign || owner == nil || local != "" || prefix != root+delim {
		return 0, missing
	}
	admin, err := s.isAdmin()
	if err != nil || admin {
		return owner.ID, err
	}
	shared, err := s.sharer().SharedWith(s.ctx, s.user.ID)
	if err != nil {
		return 0, storeError(err)
	}
	for _, m := range shared {
		if m.UserID == owner.ID && has(store.EffectiveRights(m.ACL, s.user.Name), "r") {
			return owner.ID, nil
		}
	}
	return 0, missing
}

// limited reports whether q limits any resource.
func limited(q *store.Quota) bool {
	return q.Limits.StorageKiB != store.NoLimit || q.Limits.Messages != store.NoLimit
}

// writeQuota writes "* QUOTA root (resource usage limit ...)" with the
// limited resources only (RFC 9208 §4.2.1: an unnamed resource is not
// limited). A root that limits nothing gets no QUOTA response at all: the
// quota-list of RFC 9208 §7 holds at least one resource, so "()" is not
// valid (Dovecot leaves such a root out the same way).
func (s *session) writeQuota(root string, q *store.Quota) {
	if !limited(q) {
		return
	}
	s.enc.Raw("* QUOTA ")
	s.writeMailbox(root)
	s.enc.Raw(" (")
	if q.Limits.StorageKiB != store.NoLimit {
		s.enc.Raw("STORAGE ").Number(uint64(q.StorageKiB())).SP().Number(uint64(q.Limits.StorageKiB))
	}
	if q.Limits.Messages != store.NoLimit {
		if q.Limits.StorageKiB != store.NoLimit {
			s.enc.SP()
		}
		s.enc.Raw("MESSAGE ").Number(uint64(q.Messages)).SP().Number(uint64(q.Limits.Messages))
	}
	s.enc.Raw(")").CRLF()
}

// quotaOf reads an account's quota.
func (s *session) quotaOf(owner int64) (*store.Quota, error) {
	q, err := s.quotas().Quota(s.ctx, owner)
	if err != nil {
		return nil, storeError(err)
	}
	return q, nil
}

// handleGetQuota: GETQUOTA root (RFC 9208 §4.1.1).
func (s *session) handleGetQuota(cmd *proto.Command) error {
	if s.quotas() == nil {
		return errBad("Unknown command GETQUOTA")
	}
	root := cmd.Args.(*proto.GetQuota).Root
	owner, err := s.quotaRootOwner(root)
	if err != nil {
		return err
	}
	q, err := s.quotaOf(owner)
	if err != nil {
		return err
	}
	s.writeQuota(root, q)
	s.okText = "GETQUOTA completed."
	return nil
}

// handleGetQuotaRoot: GETQUOTAROOT mailbox (RFC 9208 §4.1.2). The mailbox
// need not exist; another account's needs "r" (§6).
func (s *session) handleGetQuotaRoot(cmd *proto.Command) error {
	if s.quotas() == nil {
		return errBad("Unknown command GETQUOTAROOT")
	}
	name := normalizeName(cmd.Args.(*proto.GetQuotaRoot).Mailbox)
	ref, err := s.resolve(name)
	if err != nil {
		return err
	}
	owner := ref.owner
	if !ref.own {
		switch {
		case owner == 0 || !ref.visible():
			return errNo("NONEXISTENT", "Mailbox doesn't exist: "+s.mailboxName(name))
		case !has(ref.rights, "r"):
			return errNoPerm("r")
		}
	}
	q, err := s.quotaOf(owner)
	if err != nil {
		return err
	}
	root := quotaRootName(ref)
	// A mailbox under no limit has no quota root: "* QUOTAROOT name"
	// alone (RFC 9208 §4.2.2, quotaroot-response has *(SP astring)).
	s.enc.Raw("* QUOTAROOT ")
	s.writeMailbox(name)
	if limited(q) {
		s.enc.SP()
		s.writeMailbox(root)
	}
	s.enc.CRLF()
	s.writeQuota(root, q)
	s.okText = "GETQUOTAROOT completed."
	return nil
}

// handleSetQuota: SETQUOTA root (resource limit ...) (RFC 9208 §4.1.3),
// for administrators. Resources left out lose their limit.
func (s *session) handleSetQuota(cmd *proto.Command) error {
	qb := s.quotas()
	if qb == nil {
		return errBad("Unknown command SETQUOTA")
	}
	args := cmd.Args.(*proto.SetQuota)
	admin, err := s.isAdmin()
	if err != nil {
		return err
	}
	if !admin {
		return errNo("NOPERM", "Only administrators may change quotas.")
	}
	owner, err := s.quotaRootOwner(args.Root)
	if err != nil {
		return err
	}
	limits := store.Unlimited
	for _, l := range args.Limits {
		if l.Limit > maxQuotaLimit {
			return errNo("LIMIT", "Quota limit too large.")
		}
		switch l.Resource {
		case "STORAGE":
			limits.StorageKiB = int64(l.Limit)
		case "MESSAGE":
			limits.Messages = int64(l.Limit)
		default:
			return errNo("CANNOT", "Unsupported quota resource "+l.Resource+".")
		}
	}
	if err := qb.SetQuota(s.ctx, owner, limits); err != nil {
		return storeError(err)
	}
	q, err := s.quotaOf(owner)
	if err != nil {
		return err
	}
	s.writeQuota(args.Root, q)
	s.okText = "SETQUOTA completed."
	return nil
}

// deletedStorage is STATUS DELETED-STORAGE (RFC 9208 §4.1.4): what an
// EXPUNGE would free, in the KiB of STORAGE, rounded up. Usage counts
// every message instance, so this is exact, not an estimate.
func (s *session) deletedStorage(mb *store.Mailbox) (uint64, error) {
	qb := s.quotas()
	if qb == nil {
		return 0, nil
	}
	n, err := qb.DeletedSize(s.ctx, mb.ID)
	if err != nil {
		return 0, storeError(err)
	}
	return uint64(n+1023) / 1024, nil
}

// statusDeletedStorage computes DELETED-STORAGE when items ask for it
// (before the STATUS response is started), else 0.
func (s *session) statusDeletedStorage(mb *store.Mailbox, items []string) (uint64, error) {
	for _, it := range items {
		if it == "DELETED-STORAGE" {
			return s.deletedStorage(mb)
		}
	}
	return 0, nil
}

package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"roost/internal/objectid"
	"roost/internal/store"
)

const mailboxColumns = "id, user_id, name, uidvalidity, uidnext, highestmodseq, special_use, noselect"

func scanMailbox(row interface{ Scan(...any) error }) (*store.Mailbox, error) {
	var mb store.Mailbox
	err := row.Scan(&mb.ID, &mb.UserID, &mb.Name, &mb.UIDValidity, &mb.UIDNext, &mb.HighestModSeq, &mb.SpecialUse, &mb.NoSelect)
	if err != nil {
		return nil, err
	}
	return &mb, nil
}

// getMailbox loads a mailbox by ID; a missing one is store.ErrNoMailbox.
func getMailbox(ctx context.Context, q querier, id int64) (*store.Mailbox, error) {
	mb, err := scanMailbox(q.QueryRowContext(ctx, "SELECT "+mailboxColumns+" FROM mailboxes WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: id %d", store.ErrNoMailbox, id)
	}
	return mb, err
}

// getSelectable is getMailbox that also refuses NoSelect names.
func getSelectable(ctx context.Context, q querier, id int64) (*store.Mailbox, error) {
	mb, err := getMailbox(ctx, q, id)
	if err == nil && mb.NoSelect {
		return nil, fmt.Errorf("%w: %q", store.ErrNotSelectable, mb.Name)
	}
	return mb, err
}

// readSelectable begins a read transaction and reads in it the mailbox,
// which must be selectable: how every read of one mailbox's messages
// starts. The caller rolls tx back.
func (s *Store) readSelectable(ctx context.Context, mailboxID int64) (*sql.Tx, *store.Mailbox, error) {
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, nil, mapErr(err)
	}
	mb, err := getSelectable(ctx, tx, mailboxID)
	if err != nil {
		tx.Rollback()
		return nil, nil, mapErr(err)
	}
	return tx, mb, nil
}

func mailboxByName(ctx context.Context, q querier, userID int64, name string) (*store.Mailbox, error) {
	mb, err := scanMailbox(q.QueryRowContext(ctx, "SELECT "+mailboxColumns+" FROM mailboxes WHERE user_id = ? AND name = ?", userID, name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: %q", store.ErrNoMailbox, name)
	}
	return mb, err
}

// listMailboxes returns a user's mailboxes, INBOX first, then by name.
func listMailboxes(ctx context.Context, q querier, userID int64) ([]store.Mailbox, error) {
	rows, err := q.QueryContext(ctx, "SELECT "+mailboxColumns+" FROM mailboxes WHERE user_id = ? ORDER BY name != 'INBOX', name", userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.Mailbox
	for rows.Next() {
		mb, err := scanMailbox(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *mb)
	}
	return out, rows.Err()
}

// canonicalName spells a first component equal to "INBOX" ignoring case as
// "INBOX" (RFC 9051 §5.1: INBOX is case-insensitive). Callers are meant to
// do this already; doing it here too keeps "Inbox" from becoming a second
// inbox if one forgets.
func canonicalName(name string) string {
	first, rest, hasRest := strings.Cut(name, "/")
	if first != "INBOX" && strings.EqualFold(first, "INBOX") {
		if hasRest {
			return "INBOX/" + rest
		}
		return "INBOX"
	}
	return name
}

// validateName is the store's one rule for mailbox names.
func validateName(name string) error { return store.ValidateMailboxName(name) }

// parents returns the names above name, outermost first: "a/b/c" gives
// "a", "a/b".
func parents(name string) []string {
	var out []string
	for i := 0; i < len(name); i++ {
		if name[i] == '/' {
			out = append(out, name[:i])
		}
	}
	return out
}

// nextUIDValidity hands out a UIDVALIDITY never used before in this store:
// the current time, or one more than the last value if the clock has not
// moved past it (RFC 9051 §2.3.1.1: a recreated name must not reuse one).
func nextUIDValidity(ctx context.Context, tx *sql.Tx) (uint32, error) {
	var last int64
	err := tx.QueryRowContext(ctx, "SELECT value FROM counters WHERE name = 'uidvalidity'").Scan(&last)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, err
	}
	v := max(time.Now().Unix(), last+1)
	if v > 1<<32-1 {
		return 0, errors.New("sqlite: UIDVALIDITY space exhausted")
	}
	_, err = tx.ExecContext(ctx, "INSERT INTO counters (name, value) VALUES ('uidvalidity', ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value", v)
	return uint32(v), err
}

// freeMailboxRowID draws the row ID of a new mailbox at random: the row ID
// is part of the MAILBOXID, and RFC 8474 §8 wants that to reveal nothing
// about other mailboxes or accounts, which the AUTOINCREMENT counter older
// mailboxes took theirs from did. A repeat of a deleted mailbox's ID is
// out of reach (62 random bits), and its MAILBOXID would differ anyway:
// UIDVALIDITY never repeats.
func freeMailboxRowID(ctx context.Context, tx *sql.Tx) (int64, error) {
	for range 8 {
		id := objectid.RandomRowID()
		var one int
		err := tx.QueryRowContext(ctx, "SELECT 1 FROM mailboxes WHERE id = ?", id).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return id, nil
		}
		if err != nil {
			return 0, err
		}
	}
	return 0, errors.New("sqlite: no free mailbox ID")
}

func insertMailbox(ctx context.Context, tx *sql.Tx, userID int64, name, specialUse string) (*store.Mailbox, error) {
	v, err := nextUIDValidity(ctx, tx)
	if err != nil {
		return nil, err
	}
	id, err := freeMailboxRowID(ctx, tx)
	if err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO mailboxes (id, user_id, name, uidvalidity, special_use) VALUES (?, ?, ?, ?, ?)",
		id, userID, name, v, specialUse); err != nil {
		if isUniqueViolation(err) {
			return nil, fmt.Errorf("%w: %q", store.ErrMailboxExists, name)
		}
		return nil, err
	}
	return &store.Mailbox{ID: id, UserID: userID, Name: name, UIDValidity: v, UIDNext: 1, HighestModSeq: 1, SpecialUse: specialUse}, nil
}

// createParents creates the missing names above name as ordinary mailboxes.
func createParents(ctx context.Context, tx *sql.Tx, userID int64, name string) error {
	for _, p := range parents(name) {
		if _, err := mailboxByName(ctx, tx, userID, p); errors.Is(err, store.ErrNoMailbox) {
			if _, err := insertMailbox(ctx, tx, userID, p, ""); err != nil {
				return err
			}
		} else if err != nil {
			return err
		}
	}
	return nil
}

func userExists(ctx context.Context, q querier, userID int64) error {
	var n int
	if err := q.QueryRowContext(ctx, "SELECT count(*) FROM users WHERE id = ?", userID).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("%w: id %d", store.ErrNoUser, userID)
	}
	return nil
}

// Mailboxes implements store.Backend: INBOX first, then by name.
func (s *Store) Mailboxes(ctx context.Context, userID int64) ([]store.Mailbox, error) {
	out, err := listMailboxes(ctx, s.r, userID)
	return out, mapErr(err)
}

// Mailbox implements store.Backend.
func (s *Store) Mailbox(ctx context.Context, userID int64, name string) (*store.Mailbox, error) {
	mb, err := mailboxByName(ctx, s.r, userID, canonicalName(name))
	return mb, mapErr(err)
}

// CreateMailbox implements store.Backend. Creating a NoSelect name (one kept
// for its children after a DELETE) makes it an ordinary mailbox again, with
// a new UIDVALIDITY.
func (s *Store) CreateMailbox(ctx context.Context, userID int64, name, specialUse string) (*store.Mailbox, error) {
	name = canonicalName(name)
	if err := validateName(name); err != nil {
		return nil, err
	}
	var created *store.Mailbox
	err := s.write(ctx, func(tx *sql.Tx, st *txState) error {
		if err := userExists(ctx, tx, userID); err != nil {
			return err
		}
		existing, err := mailboxByName(ctx, tx, userID, name)
		switch {
		case err == nil && !existing.NoSelect:
			return fmt.Errorf("%w: %q", store.ErrMailboxExists, name)
		case err == nil:
			v, err := nextUIDValidity(ctx, tx)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, "UPDATE mailboxes SET noselect = 0, uidvalidity = ?, special_use = ? WHERE id = ?",
				v, specialUse, existing.ID); err != nil {
				return err
			}
			created, err = getMailbox(ctx, tx, existing.ID)
			if err == nil {
				st.namespaceChange(store.MailboxCreated, userID, existing.ID, name, "")
			}
			return err
		case !errors.Is(err, store.ErrNoMailbox):
			return err
		}
		missing, err := missingNames(ctx, tx, userID, parents(name))
		if err != nil {
			return err
		}
		if err := createParents(ctx, tx, userID, name); err != nil {
			return err
		}
		if created, err = insertMailbox(ctx, tx, userID, name, specialUse); err != nil {
			return err
		}
		return noteCreated(ctx, tx, st, userID, append(missing, name))
	})
	if err != nil {
		return nil, err
	}
	return created, nil
}

// hasChildren reports whether any mailbox of the user lies below name.
func hasChildren(ctx context.Context, q querier, userID int64, name string) (bool, error) {
	var n int
	// Byte-range on the prefix "name/": every such name sorts between
	// "name/" and "name0" ('0' follows '/').
	err := q.QueryRowContext(ctx, "SELECT count(*) FROM mailboxes WHERE user_id = ? AND name >= ? AND name < ?",
		userID, name+"/", name+"0").Scan(&n)
	return n > 0, err
}

// DeleteMailbox implements store.Backend (RFC 9051 §6.3.4).
func (s *Store) DeleteMailbox(ctx context.Context, userID int64, name string) error {
	name = canonicalName(name)
	if name == "INBOX" {
		return store.ErrInboxDelete
	}
	return s.write(ctx, func(tx *sql.Tx, st *txState) error {
		mb, err := mailboxByName(ctx, tx, userID, name)
		if err != nil {
			return err
		}
		children, err := hasChildren(ctx, tx, userID, name)
		if err != nil {
			return err
		}
		st.namespaceChange(store.MailboxDeleted, userID, mb.ID, name, "")
		if !children {
			return removeMailbox(ctx, tx, st, mb)
		}
		if mb.NoSelect {
			return fmt.Errorf("%w: %q", store.ErrHasChildren, name)
		}
		// Keep the name as \Noselect for its children; drop the messages
		// and their history (a later CREATE gives a new UIDVALIDITY).
		contentIDs, err := contentsOf(ctx, tx, mb.ID)
		if err != nil {
			return err
		}
		for _, q := range []string{
			"DELETE FROM mailbox_messages WHERE mailbox_id = ?",
			"DELETE FROM expunged WHERE mailbox_id = ?",
			"UPDATE mailboxes SET noselect = 1, special_use = '', highestmodseq = highestmodseq + 1, recent_uid = uidnext WHERE id = ?",
		} {
			if _, err := tx.ExecContext(ctx, q, mb.ID); err != nil {
				return err
			}
		}
		st.publish(store.Change{Kind: store.MailboxDeleted, MailboxID: mb.ID, ModSeq: mb.HighestModSeq + 1})
		return dropContents(ctx, tx, st, contentIDs)
	})
}

// removeMailbox deletes a mailbox row with its messages and tells its
// watchers.
func removeMailbox(ctx context.Context, tx *sql.Tx, st *txState, mb *store.Mailbox) error {
	contentIDs, err := contentsOf(ctx, tx, mb.ID)
	if err != nil {
		return err
	}
	// ON DELETE CASCADE removes mailbox_messages and expunged rows.
	if _, err := tx.ExecContext(ctx, "DELETE FROM mailboxes WHERE id = ?", mb.ID); err != nil {
		return err
	}
	st.publish(store.Change{Kind: store.MailboxDeleted, MailboxID: mb.ID, ModSeq: mb.HighestModSeq + 1})
	return dropContents(ctx, tx, st, contentIDs)
}

// RenameMailbox implements store.Backend (RFC 9051 §6.3.6). Renamed
// mailboxes keep their ID and UIDVALIDITY; sessions that have one selected
// get MailboxDeleted, since their name for it is gone.
func (s *Store) RenameMailbox(ctx context.Context, userID int64, from, to string) error {
	from, to = canonicalName(from), canonicalName(to)
	if err := validateName(to); err != nil {
		return err
	}
	if from != "INBOX" && strings.HasPrefix(to, from+"/") {
		return fmt.Errorf("%w: cannot rename %q into itself", store.ErrInvalidName, from)
	}
	return s.write(ctx, func(tx *sql.Tx, st *txState) error {
		src, err := mailboxByName(ctx, tx, userID, from)
		if err != nil {
			return err
		}
		if _, err := mailboxByName(ctx, tx, userID, to); err == nil {
			return fmt.Errorf("%w: %q", store.ErrMailboxExists, to)
		} else if !errors.Is(err, store.ErrNoMailbox) {
			return err
		}
		missing, err := missingNames(ctx, tx, userID, parents(to))
		if err != nil {
			return err
		}
		if err := createParents(ctx, tx, userID, to); err != nil {
			return err
		}
		if err := noteCreated(ctx, tx, st, userID, missing); err != nil {
			return err
		}
		if from == "INBOX" {
			if err := renameInbox(ctx, tx, st, src, to); err != nil {
				return err
			}
			return noteRenamed(ctx, tx, st, userID, to, from)
		}
		boxes, err := listMailboxes(ctx, tx, userID)
		if err != nil {
			return err
		}
		for _, mb := range boxes {
			if mb.Name != from && !strings.HasPrefix(mb.Name, from+"/") {
				continue
			}
			newName := to + strings.TrimPrefix(mb.Name, from)
			if _, err := tx.ExecContext(ctx, "UPDATE mailboxes SET name = ?, highestmodseq = highestmodseq + 1 WHERE id = ?", newName, mb.ID); err != nil {
				if isUniqueViolation(err) {
					return fmt.Errorf("%w: %q", store.ErrMailboxExists, newName)
				}
				return err
			}
			st.publish(store.Change{Kind: store.MailboxDeleted, MailboxID: mb.ID, ModSeq: mb.HighestModSeq + 1})
		}
		return noteRenamed(ctx, tx, st, userID, to, from)
	})
}

// renameInbox moves every message of INBOX into a new mailbox named to;
// INBOX stays, empty, and its children stay where they are (RFC 9051
// §6.3.6).
func renameInbox(ctx context.Context, tx *sql.Tx, st *txState, inbox *store.Mailbox, to string) error {
	dst, err := insertMailbox(ctx, tx, inbox.UserID, to, "")
	if err != nil {
		return err
	}
	uids, err := allUIDs(ctx, tx, inbox.ID)
	if err != nil {
		return err
	}
	_, err = copyMessages(ctx, tx, st, inbox, uids, dst, true)
	return err
}

// Status implements store.Backend.
func (s *Store) Status(ctx context.Context, mailboxID int64) (*store.Status, error) {
	tx, mb, err := s.readSelectable(ctx, mailboxID)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	st := store.Status{UIDNext: mb.UIDNext, UIDValidity: mb.UIDValidity, HighestModSeq: mb.HighestModSeq}
	err = tx.QueryRowContext(ctx, `
		SELECT count(*), coalesce(sum((flags & ?) = 0), 0), coalesce(sum((flags & ?) != 0), 0),
		       coalesce(sum(uid >= (SELECT recent_uid FROM mailboxes WHERE id = ?)), 0), coalesce(sum(size), 0)
		FROM mailbox_messages WHERE mailbox_id = ?`, bitSeen, bitDeleted, mailboxID, mailboxID).
		Scan(&st.Messages, &st.Unseen, &st.Deleted, &st.Recent, &st.Size)
	if err != nil {
		return nil, mapErr(err)
	}
	if err := viewerUnseen(ctx, tx, mb, &st); err != nil { // seen.go
		return nil, mapErr(err)
	}
	return &st, nil
}

// Subscribe implements store.Backend.
func (s *Store) Subscribe(ctx context.Context, userID int64, name string) error {
	name = canonicalName(name)
	if err := validateName(name); err != nil {
		return err
	}
	return s.write(ctx, func(tx *sql.Tx, st *txState) error {
		if err := userExists(ctx, tx, userID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, "INSERT OR IGNORE INTO subscriptions (user_id, name) VALUES (?, ?)", userID, name)
		return noteSubscription(st, res, err, userID, name, true)
	})
}

// Unsubscribe implements store.Backend. Unsubscribing a name that is not
// subscribed is not an error.
func (s *Store) Unsubscribe(ctx context.Context, userID int64, name string) error {
	name = canonicalName(name)
	return s.write(ctx, func(tx *sql.Tx, st *txState) error {
		res, err := tx.ExecContext(ctx, "DELETE FROM subscriptions WHERE user_id = ? AND name = ?", userID, name)
		return noteSubscription(st, res, err, userID, name, false)
	})
}

// Subscriptions implements store.Backend, sorted by name.
func (s *Store) Subscriptions(ctx context.Context, userID int64) ([]string, error) {
	rows, err := s.r.QueryContext(ctx, "SELECT name FROM subscriptions WHERE user_id = ? ORDER BY name", userID)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, mapErr(err)
		}
		out = append(out, n)
	}
	slices.Sort(out)
	return out, mapErr(rows.Err())
}

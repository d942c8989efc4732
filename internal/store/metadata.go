package store

import (
	"context"
	"errors"
)

// Metadata (RFC 5464): entries attached to a mailbox or to the server.
// Entry names are stored lower case (they are case-insensitive, §3.2);
// validating them and deciding who may read or write which entry is the
// protocol layer's job.

// ErrMetadataTooMany: setting the entries would exceed the number of
// entries allowed in one scope (RFC 5464 §4.3 METADATA TOOMANY). Nothing
// was changed.
var ErrMetadataTooMany = errors.New("too many metadata entries")

// MetadataScope says whose entries are meant.
type MetadataScope struct {
	// MailboxID is the mailbox the entries belong to; 0 means the server.
	MailboxID int64
	// UserID is the user whose private entries (/private/...) are meant;
	// shared entries (/shared/...) are the same for every user.
	UserID int64
}

// MetadataEntry is one entry. In SetMetadata a nil Value removes it.
type MetadataEntry struct {
	Name  string // lower case, "/private/..." or "/shared/..."
	Value []byte
}

// MetadataBackend is implemented by backends that keep metadata. A
// mailbox's entries go when the mailbox is deleted (also when it stays as
// a \Noselect parent) and follow it when it is renamed; a user's private
// entries go with the user.
type MetadataBackend interface {
	// Metadata returns, ordered by name, the scope's entries named prefix
	// or lying below prefix+"/"; prefix "" means every entry, private and
	// shared.
	Metadata(ctx context.Context, scope MetadataScope, prefix string) ([]MetadataEntry, error)
	// SetMetadata sets and removes entries (private or shared as their
	// names say) in one transaction. It fails with ErrMetadataTooMany,
	// changing nothing, if the private or the shared entries of the scope
	// would grow beyond maxEntries, and with ErrNoMailbox if the mailbox
	// is gone.
	SetMetadata(ctx context.Context, scope MetadataScope, entries []MetadataEntry, maxEntries int) error
	// CopyMailboxMetadata copies every entry (private ones of all users
	// and shared ones) of one mailbox to another, replacing the target's
	// entries of the same names: RENAME INBOX keeps INBOX's entries and
	// gives the new mailbox a copy (RFC 5464 §4.1).
	CopyMailboxMetadata(ctx context.Context, fromMailboxID, toMailboxID int64) error
}

// MetadataPrivate reports whether an entry name is in the private scope.
func MetadataPrivate(name string) bool {
	return name == "/private" || len(name) > 8 && name[:9] == "/private/"
}

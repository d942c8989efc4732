// Package store defines what the protocol layers need from mail storage:
// accounts, mailboxes, messages and a feed of changes. It knows nothing of
// IMAP syntax; backends (store/sqlite today, PostgreSQL later) implement
// Backend and pass the conformance suite in store/storetest.
//
// Conventions shared by every backend:
//   - Mailbox names are UTF-8, hierarchy delimiter "/", and the inbox is
//     always spelled "INBOX" (callers canonicalise any case of it first).
//   - Flags are IMAP-style strings: the system flags `\Seen`, `\Answered`,
//     `\Flagged`, `\Deleted`, `\Draft` in exactly that spelling, and keywords
//     as given (compared case-insensitively, stored with the first spelling
//     seen). `\Recent` is never stored: it is a property of a session.
//   - Every method that returns nil error has made its change durable: it
//     survives kill -9 and power loss. Change notifications are published
//     after the commit, in MODSEQ order per mailbox.
package store

import (
	"context"
	"errors"
	"io"
	"time"

	"roost/internal/mime"
)

// Sentinel errors. Backends wrap them; callers test with errors.Is.
var (
	ErrNoUser        = errors.New("no such user")
	ErrUserExists    = errors.New("user already exists")
	ErrNoMailbox     = errors.New("no such mailbox")
	ErrMailboxExists = errors.New("mailbox already exists")
	ErrHasChildren   = errors.New("mailbox has inferior hierarchical names")
	ErrInvalidName   = errors.New("invalid mailbox name")
	ErrNotSelectable = errors.New("mailbox is not selectable")
	ErrInboxDelete   = errors.New("INBOX cannot be deleted")
	ErrNoSpace       = errors.New("storage is full")
	ErrTooLarge      = errors.New("message too large")
	ErrModified      = errors.New("message was modified since the given MODSEQ")
	// ErrNoContent: OpenBlob found no such blob. Between reading a
	// message and opening its bytes, an expunge of the last message with
	// those bytes may have removed them; callers check whether the
	// message is still there before calling it a fault.
	ErrNoContent = errors.New("message content is gone")
)

// System flags, spelled as stored and returned.
const (
	FlagSeen     = `\Seen`
	FlagAnswered = `\Answered`
	FlagFlagged  = `\Flagged`
	FlagDeleted  = `\Deleted`
	FlagDraft    = `\Draft`
)

// SpecialUse attributes (RFC 6154) of the default mailboxes.
const (
	UseDrafts  = `\Drafts`
	UseSent    = `\Sent`
	UseTrash   = `\Trash`
	UseJunk    = `\Junk`
	UseArchive = `\Archive`
)

// DefaultMailboxes are created, and subscribed, for every new account,
// INBOX first.
var DefaultMailboxes = []struct{ Name, SpecialUse string }{
	{"INBOX", ""},
	{"Drafts", UseDrafts},
	{"Sent", UseSent},
	{"Trash", UseTrash},
	{"Junk", UseJunk},
	{"Archive", UseArchive},
}

// User is an account.
type User struct {
	ID           int64
	Name         string
	PasswordHash string // argon2id, in the encoded form of internal/auth
	// SCRAMSHA256 is the SCRAM-SHA-256 verifier (salt, iteration count,
	// StoredKey, ServerKey; RFC 5802 §3) in the encoded form of
	// internal/auth, or "" if none was derived yet. It is derived from the
	// password, which is never stored.
	SCRAMSHA256 string
	Created     time.Time
}

// Mailbox is one folder of one user.
type Mailbox struct {
	ID            int64
	UserID        int64
	Name          string // UTF-8, "/"-separated
	UIDValidity   uint32
	UIDNext       uint32
	HighestModSeq uint64
	SpecialUse    string // one of the Use* constants, or ""
	// NoSelect marks a name kept only because it has children after a
	// DELETE (RFC 3501 §6.3.4). It holds no messages and cannot be selected.
	NoSelect bool
}

// Status is what STATUS and SELECT report about a mailbox.
type Status struct {
	Messages      uint32
	Unseen        uint32 // messages without \Seen
	Deleted       uint32 // messages with \Deleted
	Recent        uint32 // messages not yet claimed by ClaimRecent
	Size          int64  // sum of RFC822.SIZE
	UIDNext       uint32
	UIDValidity   uint32
	HighestModSeq uint64
}

// Staged is a message whose bytes are written and parsed but not yet part of
// any mailbox. Stage it, then pass it to Append (or Discard it).
type Staged struct {
	Size   int64
	BlobID string        // content address (hex SHA-256)
	Parsed *mime.Message // parse results: structure, envelope, search text
	// Preview is the FETCH PREVIEW text (RFC 8970, mime.Preview).
	Preview string
	// TempPath is backend-private: where the bytes wait until Append.
	TempPath string
}

// AppendMessage is one message for Append.
type AppendMessage struct {
	Staged       *Staged
	Flags        []string
	InternalDate time.Time // zero: now
}

// Snapshot is the state a session starts from when it selects a mailbox.
type Snapshot struct {
	Mailbox Mailbox
	UIDs    []uint32 // every message, ascending: index i is sequence number i+1
	// FirstUnseen is the UID of the first message without \Seen, 0 if none.
	FirstUnseen uint32
	Status      Status
	// Keywords are the keywords set on at least one message, each once
	// (ignoring case), sorted: the session lists them in its FLAGS
	// response (RFC 9051 §7.3.5).
	Keywords []string
}

// FetchOptions say which optional, costlier parts of Message to load.
type FetchOptions struct {
	Structure  bool // Message.Parsed with Root (MIME tree and envelopes)
	SearchText bool // Message.Parsed with Headers and BodyText
	// SearchHeaders: Message.Parsed with Headers (BodyText only if
	// SearchText), for header-only SEARCH keys.
	SearchHeaders bool
	// NoBlobID: Message.BlobID may be left empty, because nothing will
	// read the message bytes (FETCH of flags, dates, sizes only).
	NoBlobID bool
	// TextOnly: with SearchText or SearchHeaders, load Message.UID and
	// the search text only (no flags, dates, sizes, MODSEQ, blob ID): for
	// a SEARCH whose keys read nothing else. Ignored with Structure,
	// SortKeys, ThreadID or Preview.
	TextOnly bool
	// SortDatesOnly: with SortKeys, fill only Message.Sort.SentDate (a
	// SORT by ARRIVAL, DATE or SIZE reads no string key).
	SortDatesOnly bool
	SortKeys      bool // Message.Sort (cheap: no parse result is decoded)
	ThreadID      bool // Message.ThreadID (OBJECTID, RFC 8474 §5.2)
	EmailID       bool // Message.EmailID (OBJECTID, RFC 8474 §5.1)
	Preview       bool // Message.Preview and HasPreview (RFC 8970)
}

// SortKeys are what SORT and THREAD (RFC 5256, RFC 5957 DISPLAYFROM and
// DISPLAYTO) compare, computed from the parse result when the message is
// appended (package search/sortkeys) and stored with it, so that sorting or
// threading a large mailbox reads neither message files nor MIME trees.
// The strings are collation keys (i;unicode-casemap, sortkeys.Collate),
// compared bytewise; they are not for display.
type SortKeys struct {
	// SentDate is the Date header (UTC); zero if absent or unparseable,
	// and then SORT uses INTERNALDATE (RFC 5256 §2.2).
	SentDate time.Time
	// Subject is the base subject (RFC 5256 §2.1); SubjectReply says the
	// extraction removed a reply/forward marker ("re:", "(fwd)", ...).
	Subject      string
	SubjectReply bool
	// From, To and Cc are the addr-mailbox of the first address of the
	// field (RFC 5256 §3), "" if none.
	From, To, Cc string
	// DisplayFrom and DisplayTo are the display name of the first address,
	// or its addr-spec if it has none (RFC 5957).
	DisplayFrom, DisplayTo string
	// MessageID is the normalized Message-ID, "" if it has no valid one;
	// References are the normalized IDs of References, else the first of
	// In-Reply-To (RFC 5256 §3 REFERENCES), oldest first.
	MessageID  string
	References []string
}

// Message is the stored state of one message in one mailbox.
type Message struct {
	UID          uint32
	ModSeq       uint64
	Flags        []string // sorted: system flags first, then keywords
	InternalDate time.Time
	SaveDate     time.Time
	Size         int64
	BlobID       string
	// Parsed holds only what FetchOptions asked for; nil if nothing.
	Parsed *mime.Message
	// Sort is set when FetchOptions.SortKeys asked for it.
	Sort *SortKeys
	// ThreadID is the user's thread the message belongs to, computed at
	// Append from Message-ID, In-Reply-To and References and never
	// changed (RFC 8474 §5.2); 0 if unknown. Set when FetchOptions.ThreadID
	// asked for it.
	ThreadID int64
	// EmailID is the EMAILID the store keeps for the message's content in
	// its account (RFC 8474 §5.1), when FetchOptions.EmailID asked for it;
	// "" for a message stored before those were kept, whose EMAILID is
	// derived from BlobID (objectid.EmailID).
	EmailID string
	// Preview is the preview text stored at Append (RFC 8970), when
	// FetchOptions.Preview asked for it; HasPreview is false for a message
	// stored before previews were kept.
	Preview    string
	HasPreview bool
}

// FlagOp is how StoreFlags changes flags.
type FlagOp int

const (
	FlagsSet FlagOp = iota
	FlagsAdd
	FlagsRemove
)

// FlagUpdate reports the new flags of a message StoreFlags changed.
type FlagUpdate struct {
	UID    uint32
	Flags  []string
	ModSeq uint64
}

// CopyResult maps source UIDs to the UIDs the copies got (RFC 4315 COPYUID).
type CopyResult struct {
	UIDValidity uint32 // of the destination
	SrcUIDs     []uint32
	DstUIDs     []uint32
}

// Blob is a stored message's bytes, readable at random offsets so that a
// partial fetch of a huge message reads only what it needs.
type Blob interface {
	io.ReaderAt
	io.Closer
	Size() int64
}

// Backend is everything the protocol layers use. All methods are safe for
// concurrent use. Methods taking a mailbox ID return ErrNoMailbox if it has
// been deleted.
type Backend interface {
	// Accounts. CreateUser also creates DefaultMailboxes, subscribed.
	CreateUser(ctx context.Context, name, passwordHash string) (*User, error)
	User(ctx context.Context, name string) (*User, error)
	// SetPassword replaces the password hash and forgets the SCRAM
	// verifier, which belonged to the old password.
	SetPassword(ctx context.Context, name, passwordHash string) error
	// SetSCRAM stores the SCRAM-SHA-256 verifier of the user, but only if
	// the password hash is still passwordHash (so that a verifier derived
	// from a password that has just been replaced is never stored; then it
	// does nothing and returns nil).
	SetSCRAM(ctx context.Context, name, passwordHash, verifier string) error
	Users(ctx context.Context) ([]User, error)
	DeleteUser(ctx context.Context, name string) error

	// Mailboxes. CreateMailbox creates missing parents as ordinary mailboxes
	// (RFC 9051 §6.3.4). DeleteMailbox of a name with children keeps it as a
	// NoSelect name and removes its messages; of a NoSelect name with
	// children it is ErrHasChildren. RenameMailbox moves the children too;
	// renaming INBOX moves its messages to a new mailbox and leaves INBOX
	// empty (RFC 9051 §6.3.6).
	Mailboxes(ctx context.Context, userID int64) ([]Mailbox, error)
	Mailbox(ctx context.Context, userID int64, name string) (*Mailbox, error)
	CreateMailbox(ctx context.Context, userID int64, name, specialUse string) (*Mailbox, error)
	DeleteMailbox(ctx context.Context, userID int64, name string) error
	RenameMailbox(ctx context.Context, userID int64, from, to string) error
	Status(ctx context.Context, mailboxID int64) (*Status, error)

	// Subscriptions are names, which need not exist (RFC 9051 §6.3.7).
	Subscribe(ctx context.Context, userID int64, name string) error
	Unsubscribe(ctx context.Context, userID int64, name string) error
	Subscriptions(ctx context.Context, userID int64) ([]string, error)

	// Messages. Stage reads r to the end (at most limit bytes, else
	// ErrTooLarge), stores and parses it. Append commits staged messages
	// atomically and returns their UIDs.
	Stage(ctx context.Context, r io.Reader, limit int64) (*Staged, error)
	Discard(s *Staged)
	Append(ctx context.Context, mailboxID int64, msgs []AppendMessage) (uidValidity uint32, uids []uint32, err error)

	// Select returns a consistent snapshot of a mailbox. Watch before
	// Select and ignore changes with ModSeq <= Snapshot.Mailbox.HighestModSeq.
	Select(ctx context.Context, mailboxID int64) (*Snapshot, error)
	// ClaimRecent atomically marks every message with a UID up to through
	// as no longer recent and returns the lowest of their UIDs that was
	// still recent, 0 if none (RFC 3501 \Recent: only one session sees a
	// message as recent). A session claims what it is about to announce,
	// so messages it has not heard of stay recent for whoever sees them
	// first.
	ClaimRecent(ctx context.Context, mailboxID int64, through uint32) (firstRecent uint32, err error)
	// Messages returns the messages with the given UIDs (ascending; missing
	// UIDs are skipped) in ascending UID order.
	Messages(ctx context.Context, mailboxID int64, uids []uint32, opts FetchOptions) ([]Message, error)
	// ChangedSince returns, in ascending UID order, the messages whose
	// MODSEQ is above modseq, with what Messages loads without
	// FetchOptions. within (ascending, disjoint; see UIDRange) restricts
	// them to those UIDs; nil means the whole mailbox. Its cost grows with
	// the number of changes since modseq, not with the mailbox size
	// (RFC 7162 §3.1.4.1 CHANGEDSINCE, §3.2.5 QRESYNC).
	ChangedSince(ctx context.Context, mailboxID int64, modseq uint64, within []UIDRange) ([]Message, error)
	// Vanished returns, ascending, the UIDs expunged with a MODSEQ above
	// modseq, restricted to within like ChangedSince. Every expunged UID is
	// remembered, so the answer is exact (RFC 7162 §3.2.6).
	Vanished(ctx context.Context, mailboxID int64, modseq uint64, within []UIDRange) ([]uint32, error)
	// OpenBlob opens a message's bytes; a blob that is not there is
	// ErrNoContent.
	OpenBlob(ctx context.Context, blobID string) (Blob, error)

	// StoreFlags changes flags. With unchangedSince > 0, messages whose
	// ModSeq is greater are left alone and returned in failed (RFC 7162).
	// Messages whose flags did not change are not in updated.
	StoreFlags(ctx context.Context, mailboxID int64, uids []uint32, op FlagOp, flags []string, unchangedSince uint64) (updated []FlagUpdate, failed []uint32, err error)
	// Expunge removes those of uids that have \Deleted; nil uids means every
	// message with \Deleted. It returns the UIDs removed, ascending.
	Expunge(ctx context.Context, mailboxID int64, uids []uint32) ([]uint32, error)
	Copy(ctx context.Context, srcMailboxID int64, uids []uint32, dstMailboxID int64) (*CopyResult, error)
	// Move is Copy and the removal of the source messages in one transaction.
	Move(ctx context.Context, srcMailboxID int64, uids []uint32, dstMailboxID int64) (*CopyResult, error)

	// Watch subscribes to the changes of one mailbox. Close the watcher when
	// done.
	Watch(mailboxID int64) *Watcher

	// Check verifies the store's integrity and returns the problems found.
	Check(ctx context.Context) ([]string, error)
	Close() error
}

package proto

import "time"

// Command is one parsed client command.
type Command struct {
	Tag  string
	Name string // upper case: "FETCH", "SELECT", ... ("UID" is folded into UID)
	UID  bool   // UID FETCH/SEARCH/STORE/COPY/MOVE/EXPUNGE
	// Args is a pointer to the command's type below, or nil for commands
	// without arguments (CAPABILITY, NOOP, LOGOUT, STARTTLS, CHECK, CLOSE,
	// UNSELECT, IDLE, NAMESPACE, UNAUTHENTICATE).
	Args any
}

// Login is LOGIN user password.
type Login struct{ Username, Password string }

// Authenticate is AUTHENTICATE mechanism [initial-response] (RFC 4959).
type Authenticate struct {
	Mechanism  string // upper case
	HasInitial bool   // an initial response was given ("=" means empty)
	Initial    []byte // base64-decoded
}

// Enable is ENABLE cap... (RFC 5161).
type Enable struct{ Caps []string } // upper case

// ID is ID (RFC 2971); Params is nil for "ID NIL".
type ID struct{ Params map[string]string }

// Select is SELECT or EXAMINE (ReadOnly).
type Select struct {
	Mailbox   string // decoded: UTF-8 (mUTF-7 already decoded unless UTF8 names in use)
	ReadOnly  bool
	CondStore bool // (CONDSTORE) parameter, RFC 7162
	// QResync holds the (QRESYNC ...) parameter, RFC 7162; nil if absent.
	QResync *QResyncParam
}

// QResyncParam is QRESYNC (uidvalidity modseq [known-uids [seq-match]]).
type QResyncParam struct {
	UIDValidity uint32
	ModSeq      uint64
	KnownUIDs   NumSet
	SeqMatch    *[2]NumSet // known sequence set, matching UID set
}

// Create is CREATE mailbox [(USE (...))] (RFC 6154 CREATE-SPECIAL-USE).
type Create struct {
	Mailbox    string
	SpecialUse []string
}

// Mailbox is the single argument of DELETE, SUBSCRIBE, UNSUBSCRIBE.
type Mailbox struct{ Name string }

// Rename is RENAME from to.
type Rename struct{ From, To string }

// List is LIST or LSUB, with LIST-EXTENDED (RFC 5258) options.
type List struct {
	LSUB      bool
	Reference string
	Patterns  []string
	// Selection options (upper case): SUBSCRIBED, REMOTE, RECURSIVEMATCH,
	// SPECIAL-USE.
	Select []string
	// Return options.
	ReturnSubscribed bool
	ReturnChildren   bool
	ReturnSpecialUse bool
	ReturnStatus     []string // LIST-STATUS items (RFC 5819), upper case; nil if absent
	Extended         bool     // selection or return options were given
}

// Status is STATUS mailbox (items).
type Status struct {
	Mailbox string
	Items   []string // upper case: MESSAGES, UIDNEXT, UIDVALIDITY, UNSEEN, DELETED, SIZE, RECENT, HIGHESTMODSEQ
}

// Append is APPEND mailbox; the messages follow on the wire and are read
// with ReadAppendMessage so that their literals stream into the store.
type Append struct{ Mailbox string }

// AppendMessage is one message of APPEND.
type AppendMessage struct {
	Flags []string
	Date  time.Time // zero if absent
	// Binary is true for a literal8 (~{n}, RFC 3516).
	Binary bool
	// UTF8 is true for the UTF8 (~{n}) form of RFC 6855 §4.
	UTF8 bool
	Size int64
}

// Store is STORE/UID STORE.
type Store struct {
	Set            NumSet
	Op             StoreOp
	Silent         bool
	Flags          []string
	UnchangedSince uint64 // (UNCHANGEDSINCE n), RFC 7162; 0 if absent
	HasUnchanged   bool
}

// StoreOp is FLAGS, +FLAGS or -FLAGS.
type StoreOp int

const (
	StoreSet StoreOp = iota
	StoreAdd
	StoreRemove
)

// Copy is COPY/MOVE (and their UID forms): set mailbox.
type Copy struct {
	Set     NumSet
	Mailbox string
}

// Expunge is UID EXPUNGE set (RFC 4315); plain EXPUNGE has nil Args.
type Expunge struct{ Set NumSet }

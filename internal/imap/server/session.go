package server

import (
	"context"
	"crypto/x509"
	"log/slog"
	"net"
	"strings"
	"sync/atomic"

	"roost/internal/imap/proto"
	"roost/internal/imap/utf7"
	"roost/internal/imap/wire"
	"roost/internal/store"
)

// session is one client connection. All its fields belong to the
// connection's goroutine; only mu-guarded ones are touched by Shutdown.
type session struct {
	srv    *Server
	id     uint64
	conn   net.Conn
	dec    *wire.Decoder
	enc    *wire.Encoder
	parser *proto.Parser
	// ctx lives as long as the connection; store calls use it.
	ctx context.Context
	log *slog.Logger

	tls bool // the connection is TLS (implicit or after STARTTLS)
	// servedCert: the certificate this connection's TLS handshake
	// presented (tlscert.go), for tls-server-end-point.
	servedCert *x509.Certificate
	trusted    bool // loopback: plain-text LOGIN is allowed without TLS

	user *store.User // nil until authenticated
	rev2 bool        // IMAP4rev2 enabled (RFC 9051 §6.3.1)
	utf8 bool        // mailbox names and quoted strings are UTF-8
	// utf8Accept: UTF8=ACCEPT enabled (RFC 6855, utf8accept.go).
	utf8Accept bool
	sel        *selected // nil unless a mailbox is selected
	// condstore and qresync: RFC 7162 is enabled (condstore.go, qresync.go).
	condstore, qresync bool

	// Per command: the tag and whether it is a UID command; a handler sets
	// okCode/okText to shape its tagged OK ("<tag> OK [okCode] okText").
	tag    string
	cmdUID bool
	okCode string
	okText string
	// afterOK runs once the tagged OK has been flushed (STARTTLS upgrades
	// the connection there).
	afterOK func() error

	authFailures int
	loggedOut    bool
	// accountGone: the account was deleted; the session ends with BYE
	// (account_gone.go). Set from the server's look-out goroutine.
	accountGone atomic.Bool
	lim         sessionLimits // connection slots and address (limits.go)

	compressed bool         // COMPRESS=DEFLATE is active (compress.go)
	lowCost    lowCostState // UIDONLY, MESSAGELIMIT, background (lowcost.go)
	notify     *notifyState // NOTIFY SET in force, nil otherwise (notify*.go)

	cs connState // shared with Shutdown
}

// sessionState is a bit set of the protocol states of RFC 9051 §3.
type sessionState uint8

const (
	stateNotAuth sessionState = 1 << iota
	stateAuth
	stateSelected

	stateAny       = stateNotAuth | stateAuth | stateSelected
	stateLoggedIn  = stateAuth | stateSelected
	stateNeedsMbox = stateSelected
)

func (s *session) state() sessionState {
	switch {
	case s.user == nil:
		return stateNotAuth
	case s.sel == nil:
		return stateAuth
	default:
		return stateSelected
	}
}

// commandSpec says in which states a command is valid and who handles it.
type commandSpec struct {
	states sessionState
	// holdExpunge: EXPUNGE responses must not be sent while responding to
	// this command (FETCH, STORE, SEARCH without UID; RFC 9051 §7.5.1).
	holdExpunge bool
	handle      func(s *session, cmd *proto.Command) error
}

// commandFor returns how to run the command named name (upper case, UID
// folded into Command.UID).
func commandFor(cmd *proto.Command) (commandSpec, bool) {
	plain := func(states sessionState, h func(*session, *proto.Command) error) (commandSpec, bool) {
		return commandSpec{states: states, handle: h}, true
	}
	switch cmd.Name {
	case "CAPABILITY":
		return plain(stateAny, (*session).handleCapability)
	case "NOOP":
		return plain(stateAny, (*session).handleNoop)
	case "LOGOUT":
		return plain(stateAny, (*session).handleLogout)
	case "ID":
		return plain(stateAny, (*session).handleID)
	case "STARTTLS":
		return plain(stateNotAuth, (*session).handleStartTLS)
	case "LOGIN":
		return plain(stateNotAuth, (*session).handleLogin)
	case "AUTHENTICATE":
		return plain(stateNotAuth, (*session).handleAuthenticate)
	case "UNAUTHENTICATE":
		return plain(stateLoggedIn, (*session).handleUnauthenticate)
	case "ENABLE":
		return plain(stateAuth, (*session).handleEnable)
	case "NAMESPACE":
		return plain(stateLoggedIn, (*session).handleNamespace)
	case "SELECT", "EXAMINE":
		return plain(stateLoggedIn, (*session).handleSelect)
	case "CREATE":
		return plain(stateLoggedIn, (*session).handleCreate)
	case "DELETE":
		return plain(stateLoggedIn, (*session).handleDelete)
	case "RENAME":
		return plain(stateLoggedIn, (*session).handleRename)
	case "SUBSCRIBE", "UNSUBSCRIBE":
		return plain(stateLoggedIn, (*session).handleSubscribe)
	case "LIST", "LSUB":
		return plain(stateLoggedIn, (*session).handleList)
	case "STATUS":
		return plain(stateLoggedIn, (*session).handleStatus)
	case "APPEND":
		return plain(stateLoggedIn, (*session).handleAppend)
	case "IDLE":
		return plain(stateLoggedIn, (*session).handleIdle)
	case "COMPRESS":
		return plain(stateLoggedIn, (*session).handleCompress)
	case "NOTIFY":
		return plain(stateLoggedIn, (*session).handleNotify)
	case "GETQUOTA": // quota.go (RFC 9208)
		return plain(stateLoggedIn, (*session).handleGetQuota)
	case "GETQUOTAROOT":
		return plain(stateLoggedIn, (*session).handleGetQuotaRoot)
	case "SETQUOTA":
		return plain(stateLoggedIn, (*session).handleSetQuota)
	case "GETMETADATA": // metadata.go (RFC 5464)
		return plain(stateLoggedIn, (*session).handleGetMetadata)
	case "SETMETADATA":
		return plain(stateLoggedIn, (*session).handleSetMetadata)
	case "CHECK":
		return plain(stateNeedsMbox, (*session).handleNoop)
	case "CLOSE":
		return plain(stateNeedsMbox, (*session).handleClose)
	case "UNSELECT":
		return plain(stateNeedsMbox, (*session).handleUnselect)
	}
	return messageCommandFor(cmd)
}

// messageCommandFor covers the message commands, implemented in fetch*.go,
// storeflags*.go, search*.go, copy*.go and expunge*.go.
func messageCommandFor(cmd *proto.Command) (commandSpec, bool) {
	hold := !cmd.UID
	switch cmd.Name {
	case "FETCH":
		return commandSpec{states: stateNeedsMbox, holdExpunge: hold, handle: (*session).handleFetch}, true
	case "STORE":
		return commandSpec{states: stateNeedsMbox, holdExpunge: hold, handle: (*session).handleStore}, true
	case "SEARCH":
		return commandSpec{states: stateNeedsMbox, holdExpunge: hold, handle: (*session).handleSearch}, true
	case "COPY":
		return commandSpec{states: stateNeedsMbox, handle: (*session).handleCopy}, true
	case "MOVE":
		return commandSpec{states: stateNeedsMbox, handle: (*session).handleMove}, true
	case "EXPUNGE":
		return commandSpec{states: stateNeedsMbox, handle: (*session).handleExpunge}, true
	case "REPLACE": // replace.go (RFC 8508)
		return commandSpec{states: stateNeedsMbox, handle: (*session).handleReplace}, true
	case "SORT": // sort.go, thread.go, contexts.go
		return commandSpec{states: stateNeedsMbox, holdExpunge: hold, handle: (*session).handleSort}, true
	case "THREAD":
		return commandSpec{states: stateNeedsMbox, holdExpunge: hold, handle: (*session).handleThread}, true
	case "CANCELUPDATE":
		return commandSpec{states: stateNeedsMbox, handle: (*session).handleCancelUpdate}, true
	case "UIDBATCHES": // uidbatches.go
		return commandSpec{states: stateNeedsMbox, handle: (*session).handleUIDBatches}, true
	}
	return aclCommandFor(cmd.Name) // acl.go (RFC 4314)
}

// stateError is the answer to a command sent in the wrong state.
func (s *session) stateError(spec commandSpec) error {
	switch {
	case s.user == nil && spec.states&stateNotAuth == 0:
		return errBad("Please authenticate first")
	case s.user != nil && spec.states&stateLoggedIn == 0:
		return errBad("Already authenticated")
	case spec.states == stateNeedsMbox:
		return errBad("No mailbox selected")
	}
	return errBad("Command not allowed in this state")
}

// mailboxName is name as the client expects it on the wire: UTF-8 in
// IMAP4rev2 mode, else modified UTF-7 (RFC 3501 §5.1.3).
func (s *session) mailboxName(name string) string {
	if s.utf8 {
		return name
	}
	return utf7.Encode(name)
}

// writeMailbox writes a mailbox name as a string (quoted or literal).
func (s *session) writeMailbox(name string) {
	s.enc.String(s.mailboxName(name))
}

// writeFlags writes a parenthesised flag list, adding \Recent when asked
// (IMAP4rev1 only: callers pass recent=false in IMAP4rev2 mode).
func (s *session) writeFlags(flags []string, recent bool) {
	s.enc.Byte('(')
	for i, f := range flags {
		if i > 0 {
			s.enc.SP()
		}
		s.enc.Raw(f)
	}
	if recent {
		if len(flags) > 0 {
			s.enc.SP()
		}
		s.enc.Raw(`\Recent`)
	}
	s.enc.Byte(')')
}

// writeUntaggedOK writes "* OK [code] text".
func (s *session) writeUntaggedOK(code, text string) {
	s.writeStatus("*", "OK", code, text)
}

// writeStatus writes "<tag> <typ> [code] text".
func (s *session) writeStatus(tag, typ, code, text string) {
	s.enc.Raw(tag).SP().Raw(typ)
	if code != "" {
		s.enc.Raw(" [").Raw(code).Byte(']')
	}
	if text != "" {
		s.enc.SP().Raw(sanitizeText(text))
	}
	s.enc.CRLF()
}

// sanitizeText keeps human-readable response text on one line.
func sanitizeText(text string) string {
	if !strings.ContainsAny(text, "\r\n\x00") {
		return text
	}
	return strings.Map(func(r rune) rune {
		if r == '\r' || r == '\n' || r == 0 {
			return ' '
		}
		return r
	}, text)
}

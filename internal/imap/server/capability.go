package server

import (
	"strconv"
	"strings"

	"roost/internal/imap/proto"
)

// capabilities lists what this session can use right now (RFC 9051
// §6.1.1): only extensions that work end to end are advertised.
func (s *session) capabilities() []string {
	caps := []string{
		"IMAP4rev1", "IMAP4rev2",
		"LITERAL+", "SASL-IR", "ID", "ENABLE", "IDLE", "NAMESPACE",
		"UNSELECT", "UNAUTHENTICATE", "CHILDREN", "LIST-EXTENDED", "LIST-STATUS",
		"SPECIAL-USE", "CREATE-SPECIAL-USE", "MULTIAPPEND", "UIDPLUS", "MOVE",
		"ESEARCH", "SEARCHRES", "BINARY", "STATUS=SIZE",
		"COMPRESS=DEFLATE", // compress.go (RFC 4978)
		"NOTIFY",           // notify*.go (RFC 5465)
		"SORT", "SORT=DISPLAY", "THREAD=ORDEREDSUBJECT", "THREAD=REFERENCES", "ESORT", "CONTEXT=SEARCH", "CONTEXT=SORT",
		"APPENDLIMIT=" + strconv.FormatInt(s.srv.cfg.MaxLiteral, 10),
	}
	if s.user != nil {
		return caps
	}
	if !s.tls && s.srv.cfg.TLSConfig != nil {
		caps = append(caps, "STARTTLS")
	}
	if s.loginAllowed() {
		caps = append(caps, "AUTH=PLAIN")
	} else {
		caps = append(caps, "LOGINDISABLED")
	}
	return caps
}

// loginAllowed: passwords travel only over TLS or loopback (RFC 9051 §11.1).
func (s *session) loginAllowed() bool { return s.tls || s.trusted }

// capabilityCode is the CAPABILITY response code for greetings and the
// tagged OK of LOGIN/AUTHENTICATE (RFC 9051 §7.1).
func (s *session) capabilityCode() string {
	return "CAPABILITY " + strings.Join(s.capabilities(), " ")
}

func (s *session) handleCapability(*proto.Command) error {
	s.enc.Raw("* CAPABILITY ").Raw(strings.Join(s.capabilities(), " ")).CRLF()
	return nil
}

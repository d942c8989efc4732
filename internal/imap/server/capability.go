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
		"CONDSTORE", "QRESYNC", // condstore.go, qresync.go (RFC 7162)
		"COMPRESS=DEFLATE", // compress.go (RFC 4978)
		"NOTIFY",           // notify*.go (RFC 5465)
		"SORT", "SORT=DISPLAY", "THREAD=ORDEREDSUBJECT", "THREAD=REFERENCES", "ESORT", "CONTEXT=SEARCH", "CONTEXT=SORT",
		"OBJECTID", "SAVEDATE", "PREVIEW", "WITHIN", "REPLACE", "UTF8=ACCEPT", "INPROGRESS", // see docs/compliance.md
		"UIDONLY", "PARTIAL", "UIDBATCHES", // uidonly.go, partial.go, uidbatches.go
		"APPENDLIMIT=" + strconv.FormatInt(s.srv.cfg.MaxLiteral, 10),
	}
	if n := s.messageLimit(); n > 0 { // messagelimit.go (RFC 9738)
		caps = append(caps, "MESSAGELIMIT="+strconv.Itoa(n))
	}
	if s.sharer() != nil { // acl.go, namespace.go (RFC 4314)
		caps = append(caps, "ACL", "RIGHTS=texk")
	}
	caps = append(caps, s.quotaCapabilities()...)    // quota.go (RFC 9208)
	caps = append(caps, s.metadataCapabilities()...) // metadata.go (RFC 5464)
	if s.user != nil {
		return caps
	}
	if !s.tls && s.srv.cfg.TLSConfig != nil {
		caps = append(caps, "STARTTLS")
	}
	if s.loginAllowed() {
		for _, m := range s.saslMechanisms() { // sasl.go
			caps = append(caps, "AUTH="+m)
		}
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

package auth

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"

	"github.com/xdg-go/scram"

	"roost/internal/store"
)

// SCRAM is the server side of SASL SCRAM-SHA-256 and SCRAM-SHA-256-PLUS
// (RFC 5802, RFC 7677) against the verifiers in a store.Backend. One SCRAM
// serves every connection; each authentication attempt is an Exchange.
type SCRAM struct {
	backend store.Backend
	// decoySecret keys the decoy salts of unknown accounts; it lives as long
	// as the process (a restart changes the decoy salts, not real ones).
	decoySecret []byte
}

// NewSCRAM returns the SCRAM authenticator of b.
func NewSCRAM(b store.Backend) *SCRAM {
	secret := make([]byte, 32)
	_, _ = rand.Read(secret) // never fails (Go 1.24+)
	return &SCRAM{backend: b, decoySecret: secret}
}

// Mechanism names.
const (
	MechSCRAMSHA256     = "SCRAM-SHA-256"
	MechSCRAMSHA256Plus = "SCRAM-SHA-256-PLUS"
)

// Exchange is one SCRAM authentication attempt: Step it with each client
// message until Done.
type Exchange struct {
	s     *SCRAM
	ctx   context.Context
	plus  bool
	tls   *tls.ConnectionState
	cert  *x509.Certificate // the server's leaf certificate on this connection
	conv  *scram.ServerConversation
	user  *store.User // the account named in client-first, if it exists
	name  string      // the name the client gave
	err   error       // a backend failure during the lookup
	steps int
}

// Errors of an Exchange besides ErrBadCredentials (wrong password, unknown
// user, tampered proof, channel binding mismatch: all alike, RFC 5802 §7
// e=other-error style, so nothing is learnt from the difference).
var (
	// ErrSCRAMProtocol is a malformed or out-of-order SCRAM message.
	ErrSCRAMProtocol = errors.New("auth: malformed SCRAM message")
	// ErrAuthzid is a request to act as another user (not supported).
	ErrAuthzid = errors.New("auth: authorization identity differs from the authentication identity")
)

// Start begins an exchange. plus selects SCRAM-SHA-256-PLUS; tlsState is the
// connection's TLS state, nil for a plain connection, and cert the
// certificate the server presented on it (tls.ConnectionState only has the
// peer's), nil if unknown. On TLS the exchange
// knows channel binding (so a client that says "y", thinking the server
// cannot bind, is refused as a downgrade, RFC 5802 §6): tls-exporter on TLS
// 1.3 (RFC 9266) and tls-server-end-point (RFC 5929) on any version.
func (s *SCRAM) Start(ctx context.Context, plus bool, tlsState *tls.ConnectionState, cert *x509.Certificate) *Exchange {
	return &Exchange{s: s, ctx: ctx, plus: plus, tls: tlsState, cert: cert}
}

// Username is the authentication identity the client gave (after the
// first step), for logging and throttling.
func (x *Exchange) Username() string { return x.name }

// Step takes the next client message and returns the server's reply: the
// server-first-message, then the server-final-message ("v=..."), after
// which the exchange is done and User returns the account. An error ends
// the exchange.
func (x *Exchange) Step(client []byte) ([]byte, error) {
	x.steps++
	switch x.steps {
	case 1:
		return x.first(string(client))
	case 2:
		return x.final(string(client))
	}
	return nil, ErrSCRAMProtocol
}

func (x *Exchange) first(msg string) ([]byte, error) {
	flag, _, _ := strings.Cut(msg, ",")
	// The gs2 flag must fit the mechanism: "p=<type>" with -PLUS only,
	// "n" or "y" without it (RFC 5802 §6).
	if x.plus != strings.HasPrefix(flag, "p=") {
		return nil, ErrSCRAMProtocol
	}
	srv, err := scram.SHA256.NewServer(x.lookup)
	if err != nil {
		return nil, err
	}
	switch cb, ok := x.binding(strings.TrimPrefix(flag, "p=")); {
	case x.tls == nil:
		x.conv = srv.NewConversation()
	case ok:
		x.conv = srv.NewConversationWithChannelBinding(cb)
	default:
		return nil, fmt.Errorf("%w: unsupported channel binding type %q", ErrBadCredentials, flag)
	}
	reply, err := x.conv.Step(msg)
	if x.err != nil {
		return nil, x.err
	}
	if err != nil {
		if strings.HasPrefix(reply, "e=") && reply != scram.ErrInvalidEncoding {
			return nil, fmt.Errorf("%w (%s)", ErrBadCredentials, reply)
		}
		return nil, fmt.Errorf("%w: %v", ErrSCRAMProtocol, err)
	}
	if a := x.conv.AuthzID(); a != "" && a != x.name {
		return nil, ErrAuthzid
	}
	return []byte(reply), nil
}

func (x *Exchange) final(msg string) ([]byte, error) {
	reply, err := x.conv.Step(msg)
	if err != nil || !x.conv.Valid() {
		if strings.HasPrefix(reply, "e=") {
			return nil, fmt.Errorf("%w (%s)", ErrBadCredentials, reply)
		}
		return nil, fmt.Errorf("%w: %v", ErrSCRAMProtocol, err)
	}
	if x.user == nil {
		// Impossible with a decoy verifier; never let it through.
		return nil, ErrBadCredentials
	}
	return []byte(reply), nil
}

// User returns the authenticated account once the exchange succeeded.
func (x *Exchange) User() *store.User {
	if x.conv == nil || !x.conv.Valid() {
		return nil
	}
	return x.user
}

// binding returns the channel binding of the connection for the type the
// client named (a -PLUS client) or the preferred type (a client that did
// not bind: only its "y"/"n" flag is checked against it).
func (x *Exchange) binding(requested string) (scram.ChannelBinding, bool) {
	if x.tls == nil {
		return scram.ChannelBinding{}, false
	}
	tls13 := x.tls.Version >= tls.VersionTLS13
	var cb scram.ChannelBinding
	var err error
	switch {
	case requested == string(scram.ChannelBindingTLSServerEndpoint):
		cb, err = x.endpointBinding()
	case requested == string(scram.ChannelBindingTLSExporter) && tls13:
		cb, err = scram.NewTLSExporterBinding(x.tls)
	case x.plus:
		// Anything else (tls-unique, or tls-exporter on TLS 1.2 where it
		// is not safe without extended master secret, RFC 9266 §3).
		return scram.ChannelBinding{}, false
	case tls13:
		cb, err = scram.NewTLSExporterBinding(x.tls)
	default:
		cb, err = x.endpointBinding()
	}
	return cb, err == nil
}

// endpointBinding is tls-server-end-point (RFC 5929 §4.1): the hash of the
// server's certificate. The library computes it from the first peer
// certificate, as a client sees it; the server passes its own.
func (x *Exchange) endpointBinding() (scram.ChannelBinding, error) {
	if x.cert == nil {
		return scram.ChannelBinding{}, errors.New("auth: server certificate unknown")
	}
	return scram.NewTLSServerEndpointBinding(&tls.ConnectionState{PeerCertificates: []*x509.Certificate{x.cert}})
}

// lookup finds the verifier of username; unknown users and users without a
// verifier get a decoy, so the exchange proceeds exactly as for a wrong
// password (no account enumeration).
func (x *Exchange) lookup(username string) (scram.StoredCredentials, error) {
	x.name = username
	u, err := x.s.backend.User(x.ctx, username)
	switch {
	case errors.Is(err, store.ErrNoUser):
		return decoyVerifier(x.s.decoySecret, username), nil
	case err != nil:
		x.err = err
		return scram.StoredCredentials{}, err
	}
	c, err := decodeSCRAM(u.SCRAMSHA256)
	if err != nil {
		return decoyVerifier(x.s.decoySecret, username), nil
	}
	x.user = u
	return c, nil
}

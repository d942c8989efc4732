package app

import (
	"fmt"
	"io"
	"net"
	"path/filepath"
	"strings"

	"roost/internal/config"
)

// Settings is what a person types into a mail client to reach this server.
type Settings struct {
	Listeners []ListenerSettings
	// User and Password are set only for the demo account; a real
	// account's password is never printed here.
	User, Password string
	DataDir        string
	SelfSigned     bool
	CertPath       string
	Fingerprint    string
}

// ListenerSettings describes one listener.
type ListenerSettings struct {
	Host     string // what to type as the server name
	Port     string
	Security string // "STARTTLS" or "SSL/TLS", as mail clients name them
}

func settingsFor(listeners []listener, cfg config.Config, demo bool, cert *Certificate) Settings {
	s := Settings{
		DataDir:     absPath(cfg.Data),
		SelfSigned:  cert.SelfSigned,
		CertPath:    absPath(cert.CertPath),
		Fingerprint: cert.Fingerprint,
	}
	if demo {
		s.User, s.Password = DemoUser, DemoPassword
	}
	for _, l := range listeners {
		host, port, _ := net.SplitHostPort(l.ln.Addr().String())
		if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
			host = "(this machine's name or address)"
		}
		s.Listeners = append(s.Listeners, ListenerSettings{Host: host, Port: port, Security: l.security})
	}
	return s
}

// PrintSettings writes the mail client settings as a small table.
func PrintSettings(w io.Writer, s Settings) {
	var b strings.Builder
	b.WriteString("Roost is running. Mail client settings (incoming mail, IMAP):\n\n")
	row := func(k, v string) { fmt.Fprintf(&b, "  %-16s %s\n", k+":", v) }
	for _, l := range s.Listeners {
		row("Server", l.Host)
		row("Port", l.Port)
		row("Connection", l.Security)
		b.WriteString("\n")
	}
	if s.User != "" {
		row("Username", s.User)
		row("Password", s.Password)
	} else {
		row("Username", "an account made with `roost user add NAME`")
	}
	row("Authentication", "normal password")
	if s.SelfSigned {
		row("Certificate", "self-signed: your client will ask you to accept it")
		row("  file", s.CertPath)
		row("  SHA-256", s.Fingerprint)
	} else {
		row("Certificate", s.CertPath)
	}
	row("Data", s.DataDir)
	b.WriteString("\nStop with Ctrl-C.\n")
	io.WriteString(w, b.String())
}

// absPath shows a path absolute, so it can be found from any directory.
func absPath(p string) string {
	if abs, err := filepath.Abs(p); err == nil {
		return abs
	}
	return p
}

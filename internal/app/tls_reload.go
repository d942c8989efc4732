package app

import (
	"crypto/tls"
	"log/slog"
	"sync/atomic"

	"roost/internal/config"
)

// CertReloader serves the TLS certificate through tls.Config.GetCertificate
// and replaces it on Reload (SIGHUP), so a renewed certificate takes effect
// without a restart: sessions already established keep the connection they
// have, new handshakes get the new certificate. A pair that fails to load
// (missing file, bad PEM, a key that does not match the certificate) is
// refused with a logged error and the previous pair stays in use.
type CertReloader struct {
	dataDir string
	cfg     config.TLS
	log     *slog.Logger
	cur     atomic.Pointer[Certificate]
}

// NewCertReloader loads the certificate as LoadCertificate does.
func NewCertReloader(dataDir string, t config.TLS, log *slog.Logger) (*CertReloader, error) {
	c, err := LoadCertificate(dataDir, t, log)
	if err != nil {
		return nil, err
	}
	r := &CertReloader{dataDir: dataDir, cfg: t, log: log}
	r.cur.Store(c)
	return r, nil
}

// Current is the certificate new handshakes get.
func (r *CertReloader) Current() *Certificate { return r.cur.Load() }

// GetCertificate is for tls.Config.
func (r *CertReloader) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	return &r.cur.Load().Certificate, nil
}

// Reload reads the certificate and key again. On failure it logs why,
// keeps the current pair and returns the error.
func (r *CertReloader) Reload() error {
	old := r.cur.Load()
	c, err := LoadCertificate(r.dataDir, r.cfg, r.log)
	if err != nil {
		r.log.Error("TLS certificate reload refused; still serving the previous certificate",
			"err", err, "fingerprint", old.Fingerprint)
		return err
	}
	r.cur.Store(c)
	r.log.Info("TLS certificate reloaded", "cert", c.CertPath, "fingerprint", c.Fingerprint,
		"previous", old.Fingerprint, "not_after", c.NotAfter)
	return nil
}

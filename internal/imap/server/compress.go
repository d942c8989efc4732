package server

import (
	"net"
	"sync"

	"github.com/klauspost/compress/flate"

	"roost/internal/imap/proto"
)

// COMPRESS=DEFLATE (RFC 4978): after the tagged OK both directions carry
// a raw DEFLATE stream (RFC 1951, no zlib header), layered inside TLS.
//
// Two properties keep an interactive protocol working through it:
//   - Inflating never waits for more input than the client has sent,
//     whatever its flush mode: see inflater (inflate.go), which returns
//     everything decoded as soon as the received bytes run out.
//   - Every write is followed by a sync flush, so nothing we send waits
//     in the compressor. The session's encoder writes only when its 32 KiB
//     buffer fills or when the session flushes it (end of every response
//     burst), so that is one sync flush per burst or per 32 KiB.

// deflateLevel trades CPU for size; IMAP responses compress well even at
// low levels (RFC 4978 §4).
const deflateLevel = 5

// deflateConn is a net.Conn whose reads are inflated and writes deflated.
// Reads and writes may run in different goroutines (IDLE, NOTIFY: one
// reads, the other writes); each side has its own state and lock.
type deflateConn struct {
	net.Conn

	rmu sync.Mutex
	fr  *inflater

	wmu sync.Mutex
	fw  *flate.Writer
}

// newDeflateConn wraps c; the first byte read and written after it are the
// first of the compressed streams.
func newDeflateConn(c net.Conn) (*deflateConn, error) {
	fw, err := flate.NewWriter(c, deflateLevel)
	if err != nil {
		return nil, err
	}
	return &deflateConn{
		Conn: c,
		fr:   newInflater(c),
		fw:   fw,
	}, nil
}

// Read returns inflated bytes: whatever the received input decodes to,
// waiting on the socket only when it decodes to nothing yet.
func (d *deflateConn) Read(p []byte) (int, error) {
	d.rmu.Lock()
	defer d.rmu.Unlock()
	return d.fr.Read(p)
}

// Write deflates p and sync-flushes it to the socket.
func (d *deflateConn) Write(p []byte) (int, error) {
	d.wmu.Lock()
	defer d.wmu.Unlock()
	n, err := d.fw.Write(p)
	if err != nil {
		return n, err
	}
	return n, d.fw.Flush()
}

// Close closes the socket. The compressed streams are not terminated with
// a final block: the connection ends with them.
func (d *deflateConn) Close() error { return d.Conn.Close() }

// handleCompress: COMPRESS DEFLATE (RFC 4978 §3). The OK goes out
// uncompressed; compression starts right after its CRLF, in afterOK.
func (s *session) handleCompress(cmd *proto.Command) error {
	args, ok := cmd.Args.(*proto.Compress)
	if !ok {
		return errBad("Missing COMPRESS argument")
	}
	if args.Algorithm != "DEFLATE" {
		return errBad("Unsupported compression algorithm")
	}
	if s.compressed {
		return errNo("COMPRESSIONACTIVE", "DEFLATE is already active.")
	}
	s.okText = "DEFLATE active"
	s.afterOK = func() error {
		dc, err := newDeflateConn(s.conn)
		if err != nil {
			return err
		}
		s.setConn(dc)
		s.setupIO(dc)
		s.compressed = true
		return nil
	}
	return nil
}

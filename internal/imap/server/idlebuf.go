package server

import "net"

// Between commands, and during IDLE, a session waits for its client with
// its read and write buffers back in the server's pool (wire.BufferPool):
// an idle connection then costs its goroutines and little else. Only
// plain TCP connections qualify: TLS and COMPRESS keep data of their own
// above the socket, which waiting on the socket would not see.

// waitForClient blocks until the client has sent something (or closed the
// connection, or the read deadline passed), holding no read buffer
// meanwhile. It does nothing if the decoder holds unread input, or if the
// connection is not plain TCP. Errors are left for the next read to meet.
func (s *session) waitForClient() {
	tc, ok := s.conn.(*net.TCPConn)
	if !ok || s.dec.Released() || !s.dec.Release(s.srv.bufs) {
		return
	}
	defer s.dec.Acquire(s.srv.bufs)
	waitReadable(tc) // idlebuf_unix.go
}

// releaseWriteBuffer lends the (flushed) write buffer back while the
// session waits; acquireWriteBuffer takes one before a response.
func (s *session) releaseWriteBuffer() {
	if _, ok := s.conn.(*net.TCPConn); ok && s.enc.Buffered() == 0 {
		s.enc.Release(s.srv.bufs)
	}
}

func (s *session) acquireWriteBuffer() { s.enc.Acquire(s.srv.bufs) }

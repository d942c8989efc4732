//go:build !unix

package server

import "net"

// waitReadable returns at once where there is no MSG_PEEK: the read that
// follows then waits, with its buffer.
func waitReadable(*net.TCPConn) {}

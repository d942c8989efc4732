//go:build unix

package server

import (
	"net"
	"syscall"
)

// waitReadable waits, through the runtime's poller, until c has data to
// read or has reached EOF or an error (including its read deadline),
// without consuming anything: a one-byte MSG_PEEK decides, because the
// poller only wakes on new input and some may have arrived already.
func waitReadable(c *net.TCPConn) {
	rc, err := c.SyscallConn()
	if err != nil {
		return
	}
	var b [1]byte
	rc.Read(func(fd uintptr) bool {
		for range 1000 { // EINTR retries, bounded
			_, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
			if err == syscall.EINTR {
				continue
			}
			return err != syscall.EAGAIN && err != syscall.EWOULDBLOCK
		}
		return true
	})
}

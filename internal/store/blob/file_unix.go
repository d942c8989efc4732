//go:build unix

package blob

import (
	"io"
	"os"
	"sync/atomic"
	"syscall"
)

// fileHandle is an open blob as a bare descriptor. A FETCH of whole
// messages opens, reads and closes a file per message, and on a virtual
// machine each system call is expensive: os.File spends two more per file
// (an fstat to decide whether the file can use the poller, which a regular
// file cannot, and the Stat for its size), about a fifth of the time of a
// BODY[] download. Here: open, fstat, pread, close.
type fileHandle struct {
	fd atomic.Int64 // -1 once closed
}

func openHandle(path string) (*fileHandle, int64, error) {
	var fd int
	var err error
	for {
		fd, err = syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		return nil, 0, &os.PathError{Op: "open", Path: path, Err: err}
	}
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		syscall.Close(fd)
		return nil, 0, &os.PathError{Op: "fstat", Path: path, Err: err}
	}
	h := &fileHandle{}
	h.fd.Store(int64(fd))
	return h, st.Size, nil
}

// readAt reads len(p) bytes at off, or fewer and io.EOF at the end of the
// file (io.ReaderAt).
func (h *fileHandle) readAt(p []byte, off int64) (int, error) {
	fd := int(h.fd.Load())
	if fd < 0 {
		return 0, os.ErrClosed
	}
	n := 0
	for n < len(p) {
		m, err := syscall.Pread(fd, p[n:], off+int64(n))
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return n, &os.PathError{Op: "read", Path: "blob", Err: err}
		}
		if m == 0 {
			return n, io.EOF
		}
		n += m
	}
	return n, nil
}

// close closes the descriptor once; later calls do nothing, so that a
// descriptor number reused by another file is never closed by mistake.
func (h *fileHandle) close() error {
	fd := h.fd.Swap(-1)
	if fd < 0 {
		return nil
	}
	return syscall.Close(int(fd))
}

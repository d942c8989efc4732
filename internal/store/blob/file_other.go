//go:build !unix

package blob

import "os"

// fileHandle is an open blob (file_unix.go explains the unix version).
type fileHandle struct{ f *os.File }

func openHandle(path string) (*fileHandle, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	return &fileHandle{f: f}, fi.Size(), nil
}

func (h *fileHandle) readAt(p []byte, off int64) (int, error) { return h.f.ReadAt(p, off) }

func (h *fileHandle) close() error { return h.f.Close() }

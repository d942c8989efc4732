//go:build unix

package sqlite

import (
	"os"
	"syscall"

	"roost/internal/mime"
)

// parseStaged parses a staged message without copying it onto the heap:
// the file is mapped read-only and parsed in place by mime.ParseBytes, so
// staging a 50 MB message costs the parse results (headers, the part tree
// and at most mime.MaxBodyText of search text), not 50 MB.
//
// Why a mapping rather than a parser that reads the io.ReaderAt through a
// window: the parser resolves boundaries, header ends and line counts with
// random access to the whole message, and its output must stay
// byte-identical to what the golden tests pin; mapping gets the memory
// bound without touching that logic. It is safe because mime.ParseBytes
// keeps nothing of its input (every string in the result is a copy, see
// TestParseStagedDoesNotAliasTheFile) and the mapping is removed before
// returning; the staged file is private to this Stage call, so nothing
// truncates it while it is mapped (which would fault).
func parseStaged(path string, size int64) (*mime.Message, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if size == 0 || int64(int(size)) != size {
		return mime.Parse(f, size)
	}
	b, err := syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		// A file system that cannot map files: read it instead.
		return mime.Parse(f, size)
	}
	m := mime.ParseBytes(b)
	if err := syscall.Munmap(b); err != nil {
		return nil, err
	}
	return m, nil
}

//go:build !unix

package sqlite

import (
	"os"

	"roost/internal/mime"
)

// parseStaged parses a staged message read from its file. Platforms other
// than unix read it onto the heap (see parse_unix.go for the mapping).
func parseStaged(path string, size int64) (*mime.Message, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return mime.Parse(f, size)
}

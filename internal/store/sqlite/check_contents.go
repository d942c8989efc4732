package sqlite

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
)

// CheckContents re-reads message files and compares each with what the
// database says of it: its size, and its ID, which is the SHA-256 of its
// bytes, so a file truncated, overwritten or swapped shows. It reads every
// file when sample <= 0, else sample files chosen at random (Check only
// compares sizes, which is cheap). It returns the problems found and how
// many files it read. For maintenance (roost check), not the serving path.
func (s *Store) CheckContents(ctx context.Context, sample int) (problems []string, checked int, err error) {
	query := "SELECT blob_id, size FROM contents"
	var args []any
	if sample > 0 {
		query += " ORDER BY random() LIMIT ?"
		args = append(args, sample)
	}
	rows, err := s.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, 0, mapErr(err)
	}
	type content struct {
		id   string
		size int64
	}
	var all []content
	for rows.Next() {
		var c content
		if err := rows.Scan(&c.id, &c.size); err != nil {
			rows.Close()
			return nil, 0, mapErr(err)
		}
		all = append(all, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, 0, mapErr(err)
	}
	buf := make([]byte, 64<<10)
	for _, c := range all {
		if err := ctx.Err(); err != nil {
			return problems, checked, err
		}
		f, err := s.blobs.Open(c.id)
		switch {
		case errors.Is(err, os.ErrNotExist):
			problems = append(problems, fmt.Sprintf("blob %s missing", c.id))
			continue
		case err != nil:
			problems = append(problems, fmt.Sprintf("blob %s: %v", c.id, err))
			continue
		}
		h := sha256.New()
		n, err := io.CopyBuffer(h, io.NewSectionReader(f, 0, f.Size()+1), buf)
		f.Close()
		checked++
		switch {
		case err != nil:
			problems = append(problems, fmt.Sprintf("blob %s: reading: %v", c.id, err))
		case n != c.size:
			problems = append(problems, fmt.Sprintf("blob %s has %d bytes, content says %d", c.id, n, c.size))
		case hex.EncodeToString(h.Sum(nil)) != c.id:
			problems = append(problems, fmt.Sprintf("blob %s: contents do not match their SHA-256 (changed on disk)", c.id))
		}
	}
	return problems, checked, nil
}

package sqlite

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"slices"
	"time"

	"roost/internal/mime"
)

// encodeHeaders stores header fields compactly: for each field, the
// uvarint length of the name, the name, the uvarint length of the value,
// the value.
func encodeHeaders(fields []mime.Field) []byte {
	var b []byte
	for _, f := range fields {
		b = binary.AppendUvarint(b, uint64(len(f.Name)))
		b = append(b, f.Name...)
		b = binary.AppendUvarint(b, uint64(len(f.Value)))
		b = append(b, f.Value...)
	}
	return b
}

var errBadHeaders = errors.New("sqlite: corrupt stored headers")

func decodeHeaders(b []byte) ([]mime.Field, error) {
	var out []mime.Field
	// One string for the whole encoding, which names and values slice:
	// one allocation per message instead of two per field.
	all := string(b)
	pos := 0
	next := func() (string, error) {
		n, k := binary.Uvarint(b[pos:])
		if k <= 0 || uint64(len(b)-pos-k) < n {
			return "", errBadHeaders
		}
		start := pos + k
		pos = start + int(n)
		return all[start:pos], nil
	}
	for pos < len(b) {
		name, err := next()
		if err != nil {
			return nil, err
		}
		value, err := next()
		if err != nil {
			return nil, err
		}
		out = append(out, mime.Field{Name: name, Value: value})
	}
	return out, nil
}

// zones caches the fixed zones of stored dates, so that loading many
// messages does not allocate one per row.
type zones map[int]*time.Location

func (z zones) at(sec int64, offset int) time.Time {
	if offset == 0 {
		return time.Unix(sec, 0).UTC()
	}
	loc, ok := z[offset]
	if !ok {
		loc = time.FixedZone("", offset)
		z[offset] = loc
	}
	return time.Unix(sec, 0).In(loc)
}

func zoneOffset(t time.Time) int {
	_, off := t.Zone()
	return off
}

// uidRuns groups sorted UIDs into ranges to scan. Nearby UIDs share a
// range (scanning a few missing rows is cheaper than another query); rows
// not asked for are filtered out afterwards.
func uidRuns(uids []uint32) [][2]uint32 {
	const maxGap = 64
	var runs [][2]uint32
	for _, u := range uids {
		if n := len(runs); n > 0 && u-runs[n-1][1] <= maxGap {
			runs[n-1][1] = u
			continue
		}
		runs = append(runs, [2]uint32{u, u})
	}
	return runs
}

// sortedUIDs returns uids ascending without duplicates, copying only if
// they are not already.
func sortedUIDs(uids []uint32) []uint32 {
	for i := 1; i < len(uids); i++ {
		if uids[i] <= uids[i-1] {
			c := slices.Clone(uids)
			slices.Sort(c)
			return slices.Compact(c)
		}
	}
	return uids
}

// queryUIDs runs query (which must have three parameters: mailbox ID, first
// UID, last UID, and return rows in UID order) over the runs of uids and
// returns what scan made of the rows whose UID was asked for, in UID order.
func queryUIDs[T any](ctx context.Context, q querier, mailboxID int64, uids []uint32, query string,
	scan func(*sql.Rows) (T, uint32, error)) ([]T, error) {
	uids = sortedUIDs(uids)
	out := make([]T, 0, len(uids))
	i := 0
	for _, run := range uidRuns(uids) {
		rows, err := q.QueryContext(ctx, query, mailboxID, run[0], run[1])
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			item, uid, err := scan(rows)
			if err != nil {
				rows.Close()
				return nil, err
			}
			for i < len(uids) && uids[i] < uid {
				i++
			}
			if i < len(uids) && uids[i] == uid {
				out = append(out, item)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

package blob

import (
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// GCStats counts what GC removed.
type GCStats struct {
	Blobs int // unreferenced blobs removed
	Temps int // stale temporary files removed
}

// CleanTemps removes temporary files last modified more than minAge before
// now (left by crashes or abandoned stages) and returns how many it removed.
func (s *Store) CleanTemps(minAge time.Duration, now time.Time) (int, error) {
	temps, err := os.ReadDir(s.tmp)
	if err != nil {
		return 0, fmt.Errorf("blob: %w", err)
	}
	n := 0
	for _, e := range temps {
		if isOld(e, now.Add(-minAge)) && os.Remove(filepath.Join(s.tmp, e.Name())) == nil {
			n++
		}
	}
	return n, nil
}

// OldBlobs lists the blobs last modified more than minAge before now: the
// candidates for garbage collection. The age check protects work in flight,
// such as a blob committed by another process whose metadata transaction
// has not finished yet.
func (s *Store) OldBlobs(minAge time.Duration, now time.Time) ([]string, error) {
	fans, err := os.ReadDir(s.blobs)
	if err != nil {
		return nil, fmt.Errorf("blob: %w", err)
	}
	var ids []string
	for _, fan := range fans {
		if !fan.IsDir() || len(fan.Name()) != 2 {
			continue
		}
		files, err := os.ReadDir(filepath.Join(s.blobs, fan.Name()))
		if err != nil {
			return nil, fmt.Errorf("blob: %w", err)
		}
		for _, e := range files {
			if id := fan.Name() + e.Name(); ValidID(id) && isOld(e, now.Add(-minAge)) {
				ids = append(ids, id)
			}
		}
	}
	return ids, nil
}

// GC removes the old blobs (see OldBlobs) for which referenced returns
// false, and stale temporary files. If referenced fails, GC stops and
// returns the error. Callers must make sure nothing starts referring to a
// blob between the referenced check and its removal.
func (s *Store) GC(referenced func(id string) (bool, error), minAge time.Duration, now time.Time) (GCStats, error) {
	var st GCStats
	var err error
	if st.Temps, err = s.CleanTemps(minAge, now); err != nil {
		return st, err
	}
	ids, err := s.OldBlobs(minAge, now)
	if err != nil {
		return st, err
	}
	for _, id := range ids {
		ok, err := referenced(id)
		if err != nil {
			return st, err
		}
		if ok {
			continue
		}
		if err := s.Remove(id); err != nil {
			return st, err
		}
		st.Blobs++
	}
	return st, nil
}

func isOld(e os.DirEntry, cutoff time.Time) bool {
	fi, err := e.Info()
	return err == nil && fi.Mode().IsRegular() && fi.ModTime().Before(cutoff)
}

package main

// Workload "bigbox": one mailbox of N generated messages (filled once with
// MULTIAPPEND or pipelined LITERAL+ APPENDs, and reused by later runs when
// it already holds exactly N), then the time of the commands a client runs
// on a big folder: SELECT, UID FETCH of flags, FETCH of envelopes, SEARCH
// on a header and on the body, and SORT by date when the server has it.

import (
	"bytes"
	"context"
	"fmt"
	"time"
)

const (
	bigboxName    = "load-bigbox"
	bigboxSubject = 3 // index into subjectWords
	bigboxBody    = 2 // index into bodyWords
	fillChunk     = 5000
)

func runBigbox(ctx context.Context, cfg *Config) *Result {
	r := newResult("bigbox")
	ctx, cancel := context.WithTimeout(ctx, cfg.BigboxDuration)
	defer cancel()
	n := cfg.BigboxCount
	if err := bigboxFill(ctx, cfg, r); err != nil {
		return r.fail(fmt.Errorf("fill: %w", err))
	}

	// A fresh session, as a client opening the folder would have.
	c, err := cfg.login(ctx, 0)
	if err != nil {
		return r.fail(err)
	}
	defer c.Logout()
	var exists uint32
	d, err := timeIt(func() (err error) { exists, err = c.Select(bigboxName); return err })
	if err != nil {
		return r.fail(err)
	}
	r.addDuration("select_ms", d)
	r.Counts["exists"] = int64(exists)
	if int(exists) != n {
		return r.fail(fmt.Errorf("SELECT reports %d messages, want %d", exists, n))
	}

	steps := []struct {
		metric, command, count string
		want                   int
	}{
		{"uid_fetch_flags_ms", "UID FETCH 1:* (UID FLAGS)", "flags_responses", n},
		{"fetch_envelope_ms", "FETCH 1:* (ENVELOPE)", "envelope_responses", n},
		{"search_subject_ms", "UID SEARCH SUBJECT " + subjectWords[bigboxSubject], "subject_matches",
			expectedMatches(n, len(subjectWords), bigboxSubject)},
		{"search_body_ms", "UID SEARCH BODY " + bodyWords[bigboxBody], "body_matches",
			expectedMatches(n, len(bodyWords), bigboxBody)},
		{"sort_date_ms", "UID SORT (DATE) UTF-8 ALL", "sort_results", n},
	}
	for _, st := range steps {
		if st.metric == "sort_date_ms" && !c.Has("SORT") {
			r.addNA(st.metric, "ms", "lower")
			continue
		}
		if ctx.Err() != nil {
			return r.fail(fmt.Errorf("time limit reached before %s", st.command))
		}
		got := 0
		d, err := timeIt(func() error {
			return c.Do(st.command, func(line []byte) {
				if bytes.Contains(line, []byte(" FETCH (")) {
					got++
				} else if k, ok := searchCount(line); ok {
					got += k
				}
			})
		})
		if err != nil {
			return r.fail(err)
		}
		r.addDuration(st.metric, d)
		r.Counts[st.count] = int64(got)
		if got != st.want {
			r.fail(fmt.Errorf("%s: %d results, want %d", st.command, got, st.want))
		}
	}
	return r
}

// bigboxFill makes sure the mailbox holds exactly messages 1..N.
func bigboxFill(ctx context.Context, cfg *Config, r *Result) error {
	n := cfg.BigboxCount
	c, err := cfg.login(ctx, 0)
	if err != nil {
		return err
	}
	defer c.Logout()
	if err := c.EnsureMailbox(bigboxName); err != nil {
		return err
	}
	exists, err := c.Select(bigboxName)
	if err != nil {
		return err
	}
	if int(exists) == n {
		r.Notes = append(r.Notes, "mailbox already filled; fill not timed")
		return nil
	}
	if err := c.Do("UNSELECT", nil); err != nil {
		return err
	}
	if err := c.RecreateMailbox(bigboxName); err != nil {
		return err
	}
	start := time.Now()
	method := ""
	for from := 1; from <= n; from += fillChunk {
		if ctx.Err() != nil {
			return fmt.Errorf("time limit reached after %d of %d messages", from-1, n)
		}
		method, err = c.FillMailbox(bigboxName, generatedMessages(from, min(n, from+fillChunk-1)), 500)
		if err != nil {
			return err
		}
	}
	elapsed := time.Since(start)
	r.add("fill_msgs_per_s", perSecond(float64(n), elapsed), "msg/s", "higher")
	r.Notes = append(r.Notes, "filled with "+method)
	return nil
}

func timeIt(fn func() error) (time.Duration, error) {
	t := time.Now()
	err := fn()
	return time.Since(t), err
}

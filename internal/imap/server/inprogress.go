package server

import (
	"strconv"
	"time"
)

// INPROGRESS (RFC 9585): while a command works through many messages
// (FETCH, SEARCH, COPY, MOVE), the client hears how far it got:
//
//	* OK [INPROGRESS ("tag" done total)] Processed done of total
//
// The first update comes only after a command has run for
// defaultProgressInterval, and then at most once per interval: a fast
// command sends none, and a slow one tells the client (and any proxy
// timer) that it is alive without flooding it. Updates go out between
// messages, never inside another response, and are flushed at once.

const defaultProgressInterval = time.Second

// progress tracks one command's progress.
type progress struct {
	s        *session
	total    int
	done     int
	interval time.Duration // < 0: after every step
	next     time.Time     // when the next update is due
	checked  int           // done when the clock was last read
}

// progressCheckEvery is how many steps pass between readings of the clock.
const progressCheckEvery = 16

// newProgress starts tracking a command over total messages.
func (s *session) newProgress(total int) *progress {
	iv := s.srv.cfg.progressInterval
	if iv == 0 {
		iv = defaultProgressInterval
	}
	return &progress{s: s, total: total, interval: iv, next: time.Now().Add(iv)}
}

// at records that done messages are finished and sends an update if one
// is due. Nothing is sent before the first message is done or after the
// last: the tagged response follows.
func (p *progress) at(done int) error {
	if p == nil {
		return nil
	}
	p.done = done
	if p.done <= 0 || p.done >= p.total {
		return nil
	}
	if p.interval > 0 {
		// The clock is read every progressCheckEvery steps: reading it
		// for each of 100,000 flag FETCHes cost more than the FETCH.
		if p.done-p.checked < progressCheckEvery {
			return nil
		}
		p.checked = p.done
		now := time.Now()
		if now.Before(p.next) {
			return nil
		}
		p.next = now.Add(p.interval)
	}
	s := p.s
	code := make([]byte, 0, 48)
	code = append(code, "INPROGRESS ("...)
	code = appendQuoted(code, s.tag)
	code = append(code, ' ')
	code = strconv.AppendInt(code, int64(p.done), 10)
	code = append(code, ' ')
	code = strconv.AppendInt(code, int64(p.total), 10)
	code = append(code, ')')
	s.writeUntaggedOK(string(code), "Processed "+strconv.Itoa(p.done)+" of "+strconv.Itoa(p.total))
	return s.enc.Flush()
}

// appendQuoted appends s as a quoted string. Tags are ASTRING-CHARs
// without "+" (RFC 9051 §9), so only '"' and '\' could need escaping, and
// a tag cannot contain '"'; the escape is kept for safety.
func appendQuoted(dst []byte, s string) []byte {
	dst = append(dst, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			dst = append(dst, '\\')
		}
		dst = append(dst, s[i])
	}
	return append(dst, '"')
}

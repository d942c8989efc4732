package server

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// A command over many messages may take long enough under load (-race, two
// cores) to send INPROGRESS updates (RFC 9585, inprogress.go). They are
// legitimate untagged responses whose number depends on timing, so tests
// that compare a long command's answer exactly take them out first,
// checking each one, and compare the rest exactly.

var inProgressRE = regexp.MustCompile(`^\* OK \[INPROGRESS \("([^"\\]*)" ([0-9]+) ([0-9]+)\)\] Processed ([0-9]+) of ([0-9]+)$`)

// withoutProgress returns untagged without the INPROGRESS updates, and how
// many there were. Each update must be well formed and for the command
// tagged tag, with 0 < done < total, done strictly increasing, the text
// repeating the numbers, and total equal to wantTotal unless that is < 0.
// Any other "* OK [INPROGRESS" line fails the test.
func withoutProgress(t *testing.T, tag string, wantTotal int, untagged []string) (rest []string, updates int) {
	t.Helper()
	last := 0
	for _, line := range untagged {
		m := inProgressRE.FindStringSubmatch(line)
		if m == nil {
			if strings.HasPrefix(line, "* OK [INPROGRESS") {
				t.Fatalf("malformed INPROGRESS update %q", line)
			}
			rest = append(rest, line)
			continue
		}
		done, _ := strconv.Atoi(m[2])
		total, _ := strconv.Atoi(m[3])
		switch {
		case m[1] != tag:
			t.Fatalf("INPROGRESS update %q: tag %q, want %q", line, m[1], tag)
		case m[4] != m[2] || m[5] != m[3]:
			t.Fatalf("INPROGRESS update %q: text does not repeat the numbers", line)
		case done <= last || done >= total:
			t.Fatalf("INPROGRESS update %q: done %d after %d, total %d", line, done, last, total)
		case wantTotal >= 0 && total != wantTotal:
			t.Fatalf("INPROGRESS update %q: total %d, want %d", line, total, wantTotal)
		}
		last = done
		updates++
	}
	return rest, updates
}

// doLong runs a command that may run long enough for INPROGRESS updates
// (over total messages; < 0: not checked) and returns its other untagged
// responses, its status and the number of updates.
func (c *rawClient) doLong(command string, total int) (untagged []string, status string, updates int) {
	c.t.Helper()
	tag := c.nextTag()
	c.writeLine(tag + " " + command)
	untagged, status = c.collect(tag)
	untagged, updates = withoutProgress(c.t, tag, total, untagged)
	return untagged, status, updates
}

// TestDoLongCountsProgress: with an update due after every message, doLong
// returns exactly the FETCH and SEARCH answers and counts every update.
func TestDoLongCountsProgress(t *testing.T) {
	ts := newTestServer(t, func(c *Config) { c.progressInterval = -1 })
	for i := range 4 {
		ts.appendMsg(t, "INBOX", "Subject: "+strconv.Itoa(i)+"\r\n\r\nx\r\n")
	}
	c := ts.login(t)
	c.ok("SELECT INBOX")
	got, st, updates := c.doLong("FETCH 1:4 (UID)", 4)
	want := []string{"* 1 FETCH (UID 1)", "* 2 FETCH (UID 2)", "* 3 FETCH (UID 3)", "* 4 FETCH (UID 4)"}
	if st != "OK Fetch completed." || strings.Join(got, "\n") != strings.Join(want, "\n") || updates != 3 {
		t.Fatalf("FETCH: %q %q, %d updates; want %q, 3 updates", got, st, updates, want)
	}
	got, st, updates = c.doLong("SEARCH OR SUBJECT 3 BODY nowhere", 4)
	if st != "OK Search completed." || strings.Join(got, "\n") != "* SEARCH 4" || updates != 3 {
		t.Fatalf("SEARCH: %q %q, %d updates; want [* SEARCH 4], 3 updates", got, st, updates)
	}
}

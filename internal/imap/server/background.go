package server

// Background traffic shedding (Apple TN3189). iOS Mail says in ID whether
// a connection is a background download: the "event" field, NIL or a
// comma-separated list, contains "indexer" or "back-fill" for background
// work, and counts only when "name" starts with "com.apple.". When the
// server is under load, such a session is answered NO [UNAVAILABLE] —
// to its ID command, which makes iOS Mail postpone the download by about
// a day, and to any later command but LOGOUT — while interactive sessions
// go on unhindered.
//
// Load is the number of commands being executed server-wide (IDLE is a
// wait, not work, and does not count); the server is under load when, not
// counting the command being admitted, at least Config.BackgroundLoadThreshold
// are.

import (
	"runtime"
	"strings"
	"sync/atomic"

	"roost/internal/imap/proto"
)

// errShedBackground answers a background session while the server is
// under load (RFC 5530 §3 UNAVAILABLE: try again later).
var errShedBackground = &statusError{Type: "NO", Code: "UNAVAILABLE", Text: "Server busy; background download postponed"}

// loadMeter counts the commands in progress.
type loadMeter struct {
	inFlight atomic.Int64
	// threshold: under load when inFlight >= threshold; <= 0: never.
	threshold int64
	// simulated is added to inFlight; tests set it to saturate the server
	// deterministically.
	simulated atomic.Int64
}

// newLoadMeter: threshold 0 picks 8 commands per CPU, negative switches
// shedding off.
func newLoadMeter(threshold int) *loadMeter {
	if threshold == 0 {
		threshold = 8 * runtime.GOMAXPROCS(0)
	}
	return &loadMeter{threshold: int64(threshold)}
}

// underLoad reports whether the commands already in progress reach the
// threshold.
func (m *loadMeter) underLoad() bool {
	return m.threshold > 0 && m.inFlight.Load()+m.simulated.Load() >= m.threshold
}

// enter counts a command in until the returned function is called.
func (m *loadMeter) enter() func() {
	m.inFlight.Add(1)
	return func() { m.inFlight.Add(-1) }
}

// noteClientID records from ID whether this session is background
// traffic (TN3189).
func (s *session) noteClientID(id *proto.ID) {
	if id == nil {
		return
	}
	s.lowCost.background = isBackgroundID(id.Params)
}

// isBackgroundID applies TN3189's rule to ID parameters: an Apple client
// (name "com.apple.*") whose event list includes indexer or back-fill.
func isBackgroundID(params map[string]string) bool {
	var name, event string
	for k, v := range params {
		switch strings.ToLower(k) {
		case "name":
			name = v
		case "event":
			event = v
		}
	}
	if !strings.HasPrefix(strings.ToLower(name), "com.apple.") {
		return false
	}
	for _, e := range strings.Split(event, ",") {
		switch strings.ToLower(strings.TrimSpace(e)) {
		case "indexer", "back-fill":
			return true
		}
	}
	return false
}

// shedBackground refuses the command of a background session while the
// server is under load. LOGOUT always goes through.
func (s *session) shedBackground(cmd *proto.Command) error {
	if cmd.Name == "ID" {
		id, _ := cmd.Args.(*proto.ID)
		s.noteClientID(id)
	}
	if !s.lowCost.background || cmd.Name == "LOGOUT" || !s.srv.load.underLoad() {
		return nil
	}
	s.log.Info("background session refused under load", "command", cmd.Name)
	return errShedBackground
}

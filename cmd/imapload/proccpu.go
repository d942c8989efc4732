package main

// Server CPU time from /proc/PID/stat, for the CPU cost of a login.

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// clockTick is USER_HZ, the unit of the times in /proc/PID/stat: 100 on
// every Linux architecture Go supports.
const clockTick = 10 * time.Millisecond

// serverCPU is the CPU time (user and system) pid has used, with that of
// the children it has reaped (cutime, cstime); with tree, summed over pid
// and its live descendants too, so that a forking server (Dovecot: login,
// auth and imap processes) is counted whole, exited processes included.
func serverCPU(pid int, tree bool) (time.Duration, error) {
	pids := []int{pid}
	if tree {
		var err error
		if pids, err = descendants(pid); err != nil {
			return 0, err
		}
	}
	var total time.Duration
	for _, p := range pids {
		d, err := procCPU(p)
		if err != nil {
			if p == pid {
				return 0, err
			}
			continue // a child that just exited: its parent reaps it
		}
		total += d
	}
	return total, nil
}

// procCPU reads utime+stime+cutime+cstime of one process.
func procCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// "pid (comm) state ppid ...": comm may hold spaces and parens; utime
	// is field 14, so the 12th after the closing parenthesis.
	close := bytes.LastIndexByte(b, ')')
	if close < 0 {
		return 0, fmt.Errorf("/proc/%d/stat: malformed", pid)
	}
	f := strings.Fields(string(b[close+1:]))
	if len(f) < 15 {
		return 0, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f))
	}
	var ticks int64
	for _, s := range f[11:15] {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc/%d/stat: %v", pid, err)
		}
		ticks += n
	}
	return time.Duration(ticks) * clockTick, nil
}

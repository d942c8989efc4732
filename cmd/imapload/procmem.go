package main

// Server memory from /proc: VmRSS (what the task asks for, and what `ps`
// shows) and, where readable, PSS (proportional set size, which splits
// shared pages between the processes sharing them, so a forking server's
// shared libraries are not counted once per process).

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// memSample is the memory of a process or of a process tree.
type memSample struct {
	RSSKiB int64
	PSSKiB int64 // 0 when smaps_rollup is not readable
	Procs  int
}

// serverMemory measures pid alone, or pid and all its descendants.
func serverMemory(pid int, tree bool) (memSample, error) {
	pids := []int{pid}
	if tree {
		var err error
		if pids, err = descendants(pid); err != nil {
			return memSample{}, err
		}
	}
	var m memSample
	for _, p := range pids {
		rss, err := procField(fmt.Sprintf("/proc/%d/status", p), "VmRSS:")
		if err != nil {
			if p == pid {
				return memSample{}, err
			}
			continue // a child that just exited
		}
		pss, _ := procField(fmt.Sprintf("/proc/%d/smaps_rollup", p), "Pss:")
		m.RSSKiB += rss
		m.PSSKiB += pss
		m.Procs++
	}
	return m, nil
}

// procField reads "Name:   1234 kB" from a /proc file.
func procField(path, name string) (int64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, name) {
			f := strings.Fields(line[len(name):])
			if len(f) > 0 {
				return strconv.ParseInt(f[0], 10, 64)
			}
		}
	}
	return 0, fmt.Errorf("%s: no %s", path, name)
}

// descendants returns root and every process below it.
func descendants(root int) ([]int, error) {
	stats, err := filepath.Glob("/proc/[0-9]*/stat")
	if err != nil {
		return nil, err
	}
	children := map[int][]int{}
	for _, s := range stats {
		b, err := os.ReadFile(s)
		if err != nil {
			continue
		}
		// "pid (comm) state ppid ...": comm may hold spaces and parens.
		close := bytes.LastIndexByte(b, ')')
		if close < 0 {
			continue
		}
		f := strings.Fields(string(b[close+1:]))
		if len(f) < 2 {
			continue
		}
		pid, err1 := strconv.Atoi(filepath.Base(filepath.Dir(s)))
		ppid, err2 := strconv.Atoi(f[1])
		if err1 == nil && err2 == nil {
			children[ppid] = append(children[ppid], pid)
		}
	}
	out := []int{root}
	for i := 0; i < len(out) && i < 1<<20; i++ {
		out = append(out, children[out[i]]...)
	}
	return out, nil
}

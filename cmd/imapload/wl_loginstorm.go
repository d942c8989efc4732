package main

// Workload "loginstorm": what logins cost when many clients come at once
// or reconnect often.
//
//  1. The storm: StormAccounts accounts connect and LOGIN at the same
//     moment, as every client does after a server restart or a network
//     blip (run it on a freshly started server: bench/compare.sh restarts
//     both before it). Measured: the time until the last one is in, and
//     each LOGIN's latency and, with ServerPID, the server's CPU time per
//     login. Every login here is a first one, so it costs
//     a full password hash on every server.
//  2. Repeat logins: StormClients clients connect, LOGIN and LOGOUT in a
//     loop, on the same accounts round robin, StormRepeats times in total
//     (or until StormDuration): the rate of repeat logins, their LOGIN
//     latency and, with ServerPID, the server's CPU time per login.

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func runLoginStorm(ctx context.Context, cfg *Config) *Result {
	r := newResult("loginstorm")
	n := cfg.StormAccounts
	if n <= 0 {
		n = cfg.Users
	}
	// Accounts 0..n-1 of the pattern, whatever -users says.
	user := func(i int) string {
		if !strings.Contains(cfg.UserPattern, "%") {
			return cfg.UserPattern
		}
		return fmt.Sprintf(cfg.UserPattern, i%n)
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.StormDuration)
	defer cancel()

	// 1. Everyone at once: connections are dialled first, then released
	// together, so the LOGINs reach the server in the same instant.
	clients := make([]*Client, n)
	defer func() { logoutAll(clients) }()
	for i := range clients {
		c, err := Dial(ctx, cfg.Dial)
		if err != nil {
			return r.fail(fmt.Errorf("storm: connect %d: %w", i, err))
		}
		clients[i] = c
	}
	lat := newLatencies()
	var wg sync.WaitGroup
	var stormErr error
	var once sync.Once
	go0 := make(chan struct{})
	for i, c := range clients {
		wg.Go(func() {
			<-go0
			t := time.Now()
			if err := c.Login(user(i), cfg.Password); err != nil {
				once.Do(func() { stormErr = fmt.Errorf("storm: login %s: %w", user(i), err) })
				return
			}
			lat.Add("storm", time.Since(t))
		})
	}
	stormCPU0, stormCPUErr := serverCPUOf(cfg)
	start := time.Now()
	close(go0)
	wg.Wait()
	allIn := time.Since(start)
	stormCPU1, stormCPUErr1 := serverCPUOf(cfg)
	if stormErr != nil {
		return r.fail(stormErr)
	}
	logoutAll(clients)
	clients = nil
	storm := lat.Samples("storm")
	r.addDuration("storm_all_in", allIn)
	r.addDuration("storm_login_p50", percentile(storm, 50))
	r.addDuration("storm_login_p99", percentile(storm, 99))
	r.Counts["storm_logins"] = int64(len(storm))
	if stormCPUErr == nil && stormCPUErr1 == nil && len(storm) > 0 {
		// The server's CPU time per first login (one full hash each): with
		// storm_all_in it tells a slow hash from a server that got too
		// little of the machine's CPU time.
		r.add("storm_server_cpu_per_login_ms", float64((stormCPU1-stormCPU0).Microseconds())/1000/float64(len(storm)), "ms", "lower")
	} else {
		r.addNA("storm_server_cpu_per_login_ms", "ms", "lower")
	}

	// 2. Reconnecting clients.
	cpu0, cpuErr := serverCPUOf(cfg)
	var claimed, done atomic.Int64
	begin := time.Now()
	err := runClients(ctx, cfg.StormClients, func(ctx context.Context, _ int) error {
		for ctx.Err() == nil {
			k := claimed.Add(1)
			if k > int64(cfg.StormRepeats) {
				return nil
			}
			t := time.Now()
			c, err := Dial(ctx, cfg.Dial)
			if err != nil {
				return err
			}
			l := time.Now()
			if err := c.Login(user(int(k)), cfg.Password); err != nil {
				c.Close()
				return fmt.Errorf("repeat login %s: %w", user(int(k)), err)
			}
			lat.Add("LOGIN", time.Since(l))
			if err := c.Logout(); err != nil {
				return err
			}
			lat.Add("session", time.Since(t))
			done.Add(1)
		}
		return nil
	})
	elapsed := time.Since(begin)
	r.fail(err)
	logins := done.Load()
	r.add("repeat_logins_per_s", perSecond(float64(logins), elapsed), "login/s", "higher")
	login, session := lat.Samples("LOGIN"), lat.Samples("session")
	r.addDuration("repeat_LOGIN_p50", percentile(login, 50))
	r.addDuration("repeat_LOGIN_p99", percentile(login, 99))
	r.addDuration("repeat_session_p50", percentile(session, 50))
	if cpu1, err := serverCPUOf(cfg); cfg.ServerPID > 0 && cpuErr == nil && err == nil && logins > 0 {
		// connect + LOGIN + LOGOUT: the server's whole cost of a reconnect.
		r.add("server_cpu_per_repeat_ms", float64((cpu1-cpu0).Microseconds())/1000/float64(logins), "ms", "lower")
	} else {
		r.addNA("server_cpu_per_repeat_ms", "ms", "lower")
	}
	r.Counts["repeat_logins"] = logins
	return r
}

func serverCPUOf(cfg *Config) (time.Duration, error) {
	if cfg.ServerPID <= 0 {
		return 0, fmt.Errorf("no server PID")
	}
	return serverCPU(cfg.ServerPID, cfg.ServerTree)
}

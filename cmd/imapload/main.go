// Command imapload puts bounded, repeatable load on an IMAP server (any
// server: Roost, Dovecot, ...) and reports what it measured, one line per
// workload on stdout and the full numbers as JSON.
//
//	imapload -addr 127.0.0.1:1143 -user 'load%d' -pass secret -users 10 \
//	    -workloads append,mixed,bigbox,body,idle,loginstorm -json out.json
//
// Every loop is bounded twice: by a count and by a time limit, whichever
// comes first. Workloads assume the accounts exist (user pattern with %d
// replaced by 0..users-1, all with the same password) and create the
// mailboxes they use (names start with "load-").
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// Config is every knob of every workload.
type Config struct {
	Dial        DialOptions
	UserPattern string
	Password    string
	Users       int
	// Messages are what append and body store: the files of --messages,
	// or else the built-in set of Generator{Seed}, MessageCount of them.
	Messages     [][]byte
	Seed         uint64
	MessageCount int      // 0: DefaultMessageCount
	generated    [][]byte // the built-in set, made once

	AppendClients  int
	AppendCount    int // messages in total
	AppendDuration time.Duration

	MixedClients  int
	MixedSessions int // sessions per client
	MixedBoxSize  int // messages kept in each client's mailbox
	MixedDuration time.Duration

	BigboxCount    int
	BigboxDuration time.Duration // bound for filling and for the measured commands

	BodyClients  int
	BodyRounds   int // full downloads of the mailbox per client
	BodyDuration time.Duration

	IdleConns       int
	IdleUser        string // account the idle workload logs in as; "": user 0
	IdlePassword    string // its password; "": Password
	IdleDeliveries  int
	IdleDialers     int // connections being set up at once (logins are costly)
	IdleDuration    time.Duration
	ServerPID       int  // 0: no memory measurement
	ServerTree      bool // sum the RSS of ServerPID and all its descendants
	IdleSettle      time.Duration
	IdleWaitPerSend time.Duration

	StormAccounts int // accounts logging in at once; 0: Users
	StormClients  int // clients reconnecting in a loop
	StormRepeats  int // repeat logins in total
	StormDuration time.Duration
}

func (c *Config) user(i int) string {
	if !strings.Contains(c.UserPattern, "%") {
		return c.UserPattern
	}
	return fmt.Sprintf(c.UserPattern, i%max(1, c.Users))
}

// login dials and logs in as user number i.
func (c *Config) login(ctx context.Context, i int) (*Client, error) {
	cl, err := Dial(ctx, c.Dial)
	if err != nil {
		return nil, err
	}
	if err := cl.Login(c.user(i), c.Password); err != nil {
		cl.Close()
		return nil, err
	}
	return cl, nil
}

// idleLogin dials and logs in as the idle workload's account: IdleUser
// (bench/compare.sh gives it a cheap argon2id hash, the same string in both
// servers, so that 10,000 logins do not take 25 minutes) or else user 0.
func (c *Config) idleLogin(ctx context.Context) (*Client, error) {
	if c.IdleUser == "" {
		return c.login(ctx, 0)
	}
	pass := c.IdlePassword
	if pass == "" {
		pass = c.Password
	}
	cl, err := Dial(ctx, c.Dial)
	if err != nil {
		return nil, err
	}
	if err := cl.Login(c.IdleUser, pass); err != nil {
		cl.Close()
		return nil, err
	}
	return cl, nil
}

// workloads in the order they run.
var workloads = []struct {
	name string
	run  func(context.Context, *Config) *Result
}{
	{"append", runAppend},
	{"mixed", runMixed},
	{"bigbox", runBigbox},
	{"body", runBody},
	{"idle", runIdle},
	{"loginstorm", runLoginStorm},
}

func main() {
	os.Exit(realMain(os.Args[1:], os.Stdout, os.Stderr))
}

func realMain(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("imapload", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg Config
	fs.StringVar(&cfg.Dial.Addr, "addr", "127.0.0.1:1143", "server address host:port")
	fs.StringVar(&cfg.Dial.TLS, "tls", "none", "none, starttls or tls")
	fs.BoolVar(&cfg.Dial.Insecure, "insecure", false, "accept any TLS certificate (self-signed)")
	fs.DurationVar(&cfg.Dial.Timeout, "io-timeout", 120*time.Second, "limit for any single read or write")
	fs.StringVar(&cfg.UserPattern, "user", "load%d", "user name pattern; %d becomes 0..users-1")
	fs.StringVar(&cfg.Password, "pass", "", "password of every user")
	fs.IntVar(&cfg.Users, "users", 10, "number of accounts matching -user")
	messagesDir := fs.String("messages", "", "append and body store the *.eml files of this `DIR` (default: the built-in generated set)")
	fs.Uint64Var(&cfg.Seed, "seed", DefaultSeed, "seed of the built-in message set (the same seed gives the same bytes)")
	fs.IntVar(&cfg.MessageCount, "message-count", DefaultMessageCount, "size of the built-in message set")
	which := fs.String("workloads", "append,mixed,bigbox,body,idle,loginstorm", "comma-separated workloads to run, in this order")
	jsonOut := fs.String("json", "", "write the results as JSON to this file")
	jsonAppend := fs.Bool("json-append", false, "add the results to those already in the -json file (a round run in two parts)")
	label := fs.String("label", "", "label stored in the JSON (e.g. the server's name)")

	fs.IntVar(&cfg.AppendClients, "append-clients", 4, "append: concurrent clients")
	fs.IntVar(&cfg.AppendCount, "append-count", 2000, "append: messages in total")
	fs.DurationVar(&cfg.AppendDuration, "append-time", 60*time.Second, "append: time limit")
	fs.IntVar(&cfg.MixedClients, "mixed-clients", 8, "mixed: concurrent clients")
	fs.IntVar(&cfg.MixedSessions, "mixed-sessions", 20, "mixed: sessions per client")
	fs.IntVar(&cfg.MixedBoxSize, "mixed-box", 200, "mixed: messages in each client's mailbox")
	fs.DurationVar(&cfg.MixedDuration, "mixed-time", 60*time.Second, "mixed: time limit")
	fs.IntVar(&cfg.BigboxCount, "bigbox-count", 100000, "bigbox: messages in the mailbox")
	fs.DurationVar(&cfg.BigboxDuration, "bigbox-time", 10*time.Minute, "bigbox: time limit (fill included)")
	fs.IntVar(&cfg.BodyClients, "body-clients", 4, "body: concurrent clients")
	fs.IntVar(&cfg.BodyRounds, "body-rounds", 5, "body: full mailbox downloads per client")
	fs.DurationVar(&cfg.BodyDuration, "body-time", 60*time.Second, "body: time limit")
	fs.IntVar(&cfg.IdleConns, "idle-conns", 1000, "idle: connections in IDLE (up to 10000)")
	fs.StringVar(&cfg.IdleUser, "idle-user", "", "idle: account every idle connection logs in as (default: the first of -user)")
	fs.StringVar(&cfg.IdlePassword, "idle-pass", "", "idle: password of -idle-user (default: -pass)")
	fs.IntVar(&cfg.IdleDeliveries, "idle-deliveries", 5, "idle: APPENDs whose EXISTS fan-out is timed")
	fs.IntVar(&cfg.IdleDialers, "idle-dialers", 16, "idle: connections logging in at once")
	fs.DurationVar(&cfg.IdleDuration, "idle-time", 10*time.Minute, "idle: time limit for setting up the connections")
	fs.DurationVar(&cfg.IdleWaitPerSend, "idle-wait", 60*time.Second, "idle: how long to wait for all EXISTS of one delivery")
	fs.DurationVar(&cfg.IdleSettle, "idle-settle", 2*time.Second, "idle: pause before reading the server's memory")
	fs.IntVar(&cfg.StormAccounts, "storm-accounts", 0, "loginstorm: accounts that log in at once (default: -users)")
	fs.IntVar(&cfg.StormClients, "storm-clients", 8, "loginstorm: clients reconnecting in a loop")
	fs.IntVar(&cfg.StormRepeats, "storm-repeats", 2000, "loginstorm: repeat logins in total")
	fs.DurationVar(&cfg.StormDuration, "storm-time", 120*time.Second, "loginstorm: time limit (storm and repeats)")
	fs.IntVar(&cfg.ServerPID, "server-pid", 0, "PID of the server, for memory per idle connection (0: not measured)")
	fs.BoolVar(&cfg.ServerTree, "server-tree", false, "sum memory over the PID and all its descendants (Dovecot forks per connection)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if cfg.Password == "" {
		fmt.Fprintln(stderr, "imapload: -pass is required")
		return 2
	}
	if *messagesDir != "" {
		var err error
		if cfg.Messages, err = loadMessages(*messagesDir); err != nil {
			fmt.Fprintf(stderr, "imapload: --messages: %v\n", err)
			return 1
		}
	}

	report := Report{Label: *label, Addr: cfg.Dial.Addr, Started: time.Now().UTC()}
	if *jsonAppend && *jsonOut != "" {
		if b, err := os.ReadFile(*jsonOut); err == nil {
			if err := json.Unmarshal(b, &report); err != nil {
				fmt.Fprintf(stderr, "imapload: %s: %v\n", *jsonOut, err)
				return 1
			}
		}
	}
	failed := false
	for _, name := range strings.Split(*which, ",") {
		run := lookup(strings.TrimSpace(name))
		if run == nil {
			fmt.Fprintf(stderr, "imapload: unknown workload %q\n", name)
			return 2
		}
		res := timed(context.Background(), &cfg, strings.TrimSpace(name), run)
		fmt.Fprintln(stdout, res.Line())
		if res.Error != "" {
			failed = true
		}
		report.Results = append(report.Results, res)
	}
	if *jsonOut != "" {
		b, _ := json.MarshalIndent(report, "", "  ")
		if err := os.WriteFile(*jsonOut, append(b, '\n'), 0o644); err != nil {
			fmt.Fprintln(stderr, "imapload:", err)
			return 1
		}
	}
	if failed {
		return 1
	}
	return 0
}

func lookup(name string) func(context.Context, *Config) *Result {
	for _, w := range workloads {
		if w.name == name {
			return w.run
		}
	}
	return nil
}

// timed runs one workload and stamps its wall time.
func timed(ctx context.Context, cfg *Config, name string, run func(context.Context, *Config) *Result) *Result {
	start := time.Now()
	res := run(ctx, cfg)
	res.Workload = name
	res.Seconds = time.Since(start).Seconds()
	return res
}

// fail records err on r and returns r, for one-line error exits.
func (r *Result) fail(err error) *Result {
	if err != nil && r.Error == "" {
		r.Error = err.Error()
	}
	return r
}

// messageSet returns the messages of --messages or else the built-in set.
func (c *Config) messageSet() [][]byte {
	if len(c.Messages) > 0 {
		return c.Messages
	}
	if c.generated == nil {
		n := c.MessageCount
		if n <= 0 {
			n = DefaultMessageCount
		}
		c.generated = Generator{Seed: c.Seed}.Messages(n)
	}
	return c.generated
}

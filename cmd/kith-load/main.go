// Command kith-load plays a fake fediverse at scale against a running Kith
// node over loopback: hundreds of fake Mastodon-like servers, each on its
// own 127.0.X.Y address, with thousands of actors holding real RSA-2048
// keys, and inboxes that verify the node's signatures and record what
// arrives. Scenarios (-scenario) measure following, fan-out, inbox
// throughput, junk handling and public pages, then print a table.
//
// The node must run with --insecure-http --allow-private-networks so that
// it may talk plain HTTP to 127.x addresses. The tool only ever contacts
// 127.0.0.0/8. See docs/load-tool.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Exit codes: 0 the scenario ran to completion; 1 it failed or finished
// incomplete (the table is printed anyway); 2 bad flags.
const (
	exitOK         = 0
	exitFailed     = 1
	exitUsage      = 2
	maxServers     = 10_000 // 127.0.1.1 … 127.0.41.10
	defaultPort    = 7000
	defaultMembers = 2000
	defaultServers = 250
)

// scenarios lists the values of -scenario.
func scenarios() []string { return []string{"follow", "fanout", "inbox", "junk", "pages"} }

// config is every flag, validated.
type config struct {
	Node        string
	Metrics     string // the node's metrics listener (kith serve --metrics-listen)
	Group       string
	Scenario    string
	Members     int
	Servers     int
	Port        int
	Keys        int
	KeyFile     string
	Concurrency int
	Duration    time.Duration
	Timeout     time.Duration
	Settle      time.Duration
	Inbox       string // shared | group | mixed
	Mix         mix
	MaxRequests int
	Presign     int
	// PresignFollows signs every Follow before the follow setup's clock
	// starts (scenario_follow.go).
	PresignFollows bool
	Thread         string
	Posts          int
	Kinds          int
	Software       string // NodeInfo software of the fake servers
	PostEvery      time.Duration
	Events         string
	Verbose        bool
}

// errIncomplete means the scenario ran but did not see everything it
// waited for (the table says what is missing).
var errIncomplete = errors.New("incomplete")

// errUsage marks bad flags.
var errUsage = errors.New("usage")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := mainCode(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// mainCode runs the tool and returns its exit code.
func mainCode(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		fmt.Fprintln(stderr, "kith-load:", err)
		return exitUsage
	}
	level := slog.LevelWarn
	if cfg.Verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	err = execute(ctx, cfg, stdout, log)
	if err != nil {
		fmt.Fprintln(stderr, "kith-load:", err)
		return exitFailed
	}
	return exitOK
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var cfg config
	fs := flag.NewFlagSet("kith-load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.Node, "node", "http://127.0.0.1:8080", "base URL of the running node (must be 127.x.y.z)")
	fs.StringVar(&cfg.Metrics, "metrics", "http://127.0.0.1:9464", "base URL of the node's metrics listener, its --metrics-listen (must be 127.x.y.z); the inbox scenario reads the queue there to report processed/s")
	fs.StringVar(&cfg.Group, "group", "load", "name of the group under test (create it first: kith group create NAME)")
	fs.StringVar(&cfg.Scenario, "scenario", "follow", "one of "+strings.Join(scenarios(), ", "))
	fs.IntVar(&cfg.Members, "members", defaultMembers, "remote actors that follow the group")
	fs.IntVar(&cfg.Servers, "servers", defaultServers, "fake remote servers, one loopback IP each")
	fs.IntVar(&cfg.Port, "port", defaultPort, "port every fake server listens on (127.0.1.1:PORT, 127.0.1.2:PORT, …)")
	fs.IntVar(&cfg.Keys, "keys", 64, "RSA-2048 keys generated and shared round-robin by the actors")
	fs.StringVar(&cfg.KeyFile, "key-file", "", "PEM file of RSA keys reused across runs (created, or extended, when it has fewer than -keys)")
	fs.IntVar(&cfg.Concurrency, "concurrency", 64, "concurrent requests (follows, inbox POSTs, junk, page clients)")
	fs.DurationVar(&cfg.Duration, "duration", 10*time.Second, "how long the inbox, junk and pages scenarios send")
	fs.DurationVar(&cfg.Timeout, "timeout", 60*time.Second, "longest wait for the node (all Accepts, the fan-out to every server)")
	fs.DurationVar(&cfg.Settle, "settle", 2*time.Second, "after a fan-out completes, how long to keep counting late duplicates")
	fs.StringVar(&cfg.Inbox, "inbox", "mixed", "where activities are POSTed: shared, group or mixed (alternate)")
	mixStr := fs.String("mix", "like:70,update:20,create:10", "inbox scenario: weights of Like, Update and Create")
	fs.IntVar(&cfg.MaxRequests, "max-requests", 1_000_000, "hard cap on requests per scenario, whatever the duration")
	fs.IntVar(&cfg.Presign, "presign", 0, "inbox scenario: activities signed before the clock starts (0: 2000 per core)")
	fs.BoolVar(&cfg.PresignFollows, "presign-follows", true, "follow setup: sign every Follow before the clock starts, so the tool's signing does not compete with the node (false: sign each as it is sent)")
	fs.StringVar(&cfg.Thread, "thread", "", "pages scenario: thread page path or URL (default: the first post in the outbox)")
	fs.IntVar(&cfg.Posts, "posts", 1, "fanout: notes to post, one after another (fault scripts kill the node meanwhile)")
	fs.IntVar(&cfg.Kinds, "kinds", 1, "fanout: wait until every server has this many kinds of Announce of each note (Kith sends a known family 1 shape: the plain boost to microblogs, Announce{Create} to FEP-1b12 software; 2 to an unknown -software)")
	fs.DurationVar(&cfg.PostEvery, "post-every", 2*time.Second, "fanout: pause between notes when -posts > 1")
	fs.StringVar(&cfg.Software, "software", "mastodon", "NodeInfo software name every fake server gives (mastodon, gotosocial, misskey, lemmy, mbin…): the node sends each family only the shapes it uses, so the fan-out floor is one signature per server for a known family and two for an unknown name")
	fs.StringVar(&cfg.Events, "events", "", "append a time-stamped line per phase (fanout-start, posted N, fanout-done) to this file, for scripts")
	fs.BoolVar(&cfg.Verbose, "v", false, "log debug detail to standard error")
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	if fs.NArg() > 0 {
		return config{}, fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	var err error
	if cfg.Mix, err = parseMix(*mixStr); err != nil {
		return config{}, fmt.Errorf("%w: -mix: %w", errUsage, err)
	}
	if cfg.Presign == 0 {
		cfg.Presign = 2000 * runtime.NumCPU()
	}
	return cfg, cfg.validate()
}

func (c config) validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", errUsage, fmt.Sprintf(format, args...))
	}
	switch {
	case !slices.Contains(scenarios(), c.Scenario):
		return bad("-scenario %q: want one of %s", c.Scenario, strings.Join(scenarios(), ", "))
	case c.Group == "" || strings.ContainsAny(c.Group, "/?#@ "):
		return bad("-group %q: want a group name", c.Group)
	case c.Members < 1:
		return bad("-members %d: want at least 1", c.Members)
	case c.Servers < 1 || c.Servers > maxServers:
		return bad("-servers %d: want 1 to %d", c.Servers, maxServers)
	case c.Port < 0 || c.Port > 65535-c.Servers:
		return bad("-port %d: out of range", c.Port)
	case c.Keys < 1 || c.Keys > 4096:
		return bad("-keys %d: want 1 to 4096", c.Keys)
	case c.Concurrency < 1 || c.Concurrency > 4096:
		return bad("-concurrency %d: want 1 to 4096", c.Concurrency)
	case c.Duration <= 0 || c.Timeout <= 0 || c.Settle < 0:
		return bad("-duration and -timeout must be positive, -settle not negative")
	case c.Inbox != "shared" && c.Inbox != "group" && c.Inbox != "mixed":
		return bad("-inbox %q: want shared, group or mixed", c.Inbox)
	case c.Posts < 1 || c.Posts > 1000 || c.PostEvery < 0 || c.Kinds < 1 || c.Kinds > 2:
		return bad("-posts wants 1 to 1000, -kinds 1 or 2, and -post-every not negative")
	case c.MaxRequests < 1 || c.Presign < 0:
		return bad("-max-requests must be positive and -presign not negative")
	}
	if _, err := checkURL(c.Node); err != nil {
		return bad("-node: %v", err)
	}
	if _, err := checkURL(c.Metrics); err != nil {
		return bad("-metrics: %v", err)
	}
	return nil
}

// mix is the weight of each kind of activity the inbox scenario sends.
type mix struct{ Like, Update, Create int }

func parseMix(s string) (mix, error) {
	var m mix
	for part := range strings.SplitSeq(s, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), ":")
		n, err := strconv.Atoi(v)
		if !ok || err != nil || n < 0 {
			return mix{}, fmt.Errorf("%q: want kind:weight", part)
		}
		switch k {
		case "like":
			m.Like = n
		case "update":
			m.Update = n
		case "create":
			m.Create = n
		default:
			return mix{}, fmt.Errorf("unknown kind %q (like, update, create)", k)
		}
	}
	if m.Like+m.Update+m.Create == 0 {
		return mix{}, errors.New("all weights are zero")
	}
	return m, nil
}

// pick returns the kind of the n-th activity, spreading kinds evenly by
// weight (a deterministic stride, not random, so runs are comparable).
func (m mix) pick(n int) string {
	total := m.Like + m.Update + m.Create
	x := n % total
	if total%37 != 0 {
		x = (n * 37) % total // a stride prime to total interleaves the kinds
	}
	switch {
	case x < m.Like:
		return "Like"
	case x < m.Like+m.Update:
		return "Update"
	}
	return "Create"
}

func (m mix) String() string {
	return fmt.Sprintf("like:%d,update:%d,create:%d", m.Like, m.Update, m.Create)
}

// Package webtest starts a complete Kith node for end-to-end tests: the
// web handler and the federation engine with its job queue, on a fresh
// database, registered in a fake fediverse (federation/fedtest) under the
// host name kith.test, so remote instances and the node reach each other
// by name with real HTTP signatures.
package webtest

import (
	"cmp"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/uptrace/bun"

	"github.com/kith-social/kith/federation"
	"github.com/kith-social/kith/federation/community"
	"github.com/kith-social/kith/federation/content"
	"github.com/kith-social/kith/federation/fedtest"
	"github.com/kith-social/kith/federation/inbox"
	"github.com/kith-social/kith/federation/keys"
	"github.com/kith-social/kith/federation/media"
	"github.com/kith-social/kith/federation/metrics"
	"github.com/kith-social/kith/federation/transport"
	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/storage/storagetest"
	"github.com/kith-social/kith/web"
)

// Host is the node's host name in the fake fediverse.
const Host = "kith.test"

// Node is a running node under test.
type Node struct {
	// Host is the node's host name in the fake fediverse (Host unless
	// Options.Host says otherwise).
	Host  string
	Net   *fedtest.Network
	Fed   *federation.Engine
	DB    *bun.DB
	Media *media.Cache
	// Metrics is the node's registry; Metrics.Handler serves it as the
	// metrics listener does.
	Metrics *metrics.Metrics

	mu        sync.Mutex
	processed []inbox.Processed
	changed   chan struct{}
}

// Options change how the node starts.
type Options struct {
	AuthorizedFetch bool
	Now             func() time.Time
	RetryDelay      func(attempt int, unreachable bool) time.Duration
	InboxPerMinute  int
	// InboxPerServerPerMinute is the budget per verified signing server;
	// InboxClock is the budgets' clock (nil: time.Now).
	InboxPerServerPerMinute int
	InboxClock              func() time.Time
	// FetchTimeout bounds the node's outgoing requests; 0 means a minute, an outer
	// limit only a broken fetch reaches (a loaded machine answers late, not
	// wrongly).
	// Tests of servers that never answer shorten it.
	FetchTimeout time.Duration
	// Engagement configures polls, scheduled posts and notification e-mail.
	Engagement community.EngagementConfig
	// Media adjusts the media cache's configuration (budget, limits).
	Media func(*media.Config)
	// ListenPool, on PostgreSQL, is the node's pool for LISTEN
	// (storage.OpenListenPool): the job queue's wake-ups and the cache
	// invalidation bus. Nil: the queue polls and no invalidation is heard.
	ListenPool *pgxpool.Pool
	// Beside makes a second node on the database of one already serving
	// Host: it keeps its own caches and listens to the invalidation bus,
	// but registers no web handler and runs no jobs (like a `kith`
	// command next to `kith serve`), so every request and job reaches
	// the first node. Call its services directly.
	Beside bool
	// Host is the node's host name; "" is Host. A second node on the same
	// network needs its own (a group moving between two nodes).
	Host string
	// Shapes makes the node read each server's NodeInfo and send it only
	// the shapes its software uses (federation/software), as kith serve
	// does. Off, every server gets every shape: most tests are about
	// other behaviour and must not race the NodeInfo check.
	Shapes bool
}

// Start runs a node on backend b in a new fake fediverse.
func Start(t testing.TB, b storagetest.Backend, opts Options) *Node {
	t.Helper()
	db, _ := b.Open(t)
	return StartOn(t, fedtest.NewNetwork(t), db, opts)
}

// StartOn runs a node on an existing network and database.
func StartOn(t testing.TB, network *fedtest.Network, db *bun.DB, opts Options) *Node {
	t.Helper()
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	if os.Getenv("KITH_TEST_LOG") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	reads := readPool(t, db)
	m := metrics.New()
	host := cmp.Or(opts.Host, Host)
	fed, err := federation.New(ctx, db, federation.Config{
		Reads:  reads,
		Scheme: "http", Domain: host, AuthorizedFetch: opts.AuthorizedFetch,
		Transport: transport.Config{
			InsecureHTTP: true, AllowPrivateNetworks: true,
			DialContext: network.DialContext, RootCAs: network.RootCAs(),
			Timeout: cmp.Or(opts.FetchTimeout, time.Minute),
		},
		ListenPool: opts.ListenPool,
		Work:       !opts.Beside, PollInterval: 50 * time.Millisecond, Log: log, Now: opts.Now, RetryDelay: opts.RetryDelay,
		Engagement: opts.Engagement, Metrics: m, AllShapes: !opts.Shapes,
	})
	if err != nil {
		t.Fatalf("start engine: %v", err)
	}
	n := &Node{Host: host, Net: network, Fed: fed, DB: db, Metrics: m, changed: make(chan struct{})}
	fed.Inbox.OnProcessed(func(p inbox.Processed) {
		n.mu.Lock()
		n.processed = append(n.processed, p)
		close(n.changed)
		n.changed = make(chan struct{})
		n.mu.Unlock()
	})
	dataDir := t.TempDir()
	mcfg := media.Config{
		Dir: filepath.Join(dataDir, "media-cache"), Reads: reads,
		Transport: transport.Config{
			InsecureHTTP: true, AllowPrivateNetworks: true,
			DialContext: network.DialContext, RootCAs: network.RootCAs(),
			Timeout: cmp.Or(opts.FetchTimeout, 15*time.Second),
		},
		LocalMedia: fed.IRI.Media(""), Log: log, Now: opts.Now,
	}
	if opts.Media != nil {
		opts.Media(&mcfg)
	}
	cache, err := media.New(ctx, db, mcfg)
	if err != nil {
		t.Fatalf("media cache: %v", err)
	}
	n.Media = cache
	if opts.Beside {
		if err := fed.Start(ctx); err != nil {
			t.Fatalf("start engine: %v", err)
		}
		t.Cleanup(func() { _ = fed.Stop(context.Background()) })
		return n
	}
	network.AddHost(host, web.New(web.Deps{DB: db, Reads: reads, Fed: fed, Log: log, InsecureHTTP: true, DataDir: dataDir, InboxPerMinute: opts.InboxPerMinute, InboxPerServerPerMinute: opts.InboxPerServerPerMinute, Now: opts.InboxClock, Metrics: m, Media: cache}))
	if err := fed.Start(ctx); err != nil {
		t.Fatalf("start queue: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = fed.Stop(ctx)
	})
	return n
}

// URL is the node's base URL.
func (n *Node) URL(path string) string { return "http://" + n.Host + path }

// GroupIRI is a group's actor IRI.
func (n *Node) GroupIRI(name string) string { return n.Fed.IRI.Group(name) }

// CreateGroup makes a group directly in storage; mutate adjusts it first.
func (n *Node) CreateGroup(t testing.TB, name string, mutate func(*storage.Group)) *storage.Group {
	t.Helper()
	priv, pub, err := keys.Generate()
	if err != nil {
		t.Fatal(err)
	}
	summary, err := content.New().Markdown("The **" + name + "** group")
	if err != nil {
		t.Fatal(err)
	}
	g := &storage.Group{Name: name, Title: strings.ToUpper(name[:1]) + name[1:], SummaryHTML: summary,
		Discoverable: true, PrivateKeyPEM: priv, PublicKeyPEM: pub}
	if mutate != nil {
		mutate(g)
	}
	if err := storage.CreateGroup(context.Background(), n.DB, time.Now(), g); err != nil {
		t.Fatal(err)
	}
	return g
}

// WaitProcessed blocks until the inbox job for activity id finished and
// returns how it ended.
func (n *Node) WaitProcessed(t testing.TB, id string) inbox.Processed {
	t.Helper()
	p, ok := fedtest.Await(&n.mu, func() chan struct{} { return n.changed }, func() (inbox.Processed, bool) {
		for _, p := range n.processed {
			if p.ActivityID == id {
				return p, true
			}
		}
		return inbox.Processed{}, false
	}, Wait)
	if !ok {
		t.Fatalf("activity %s was not processed in time", id)
	}
	return p
}

// Eventually polls cond until it holds or the deadline passes.
func Eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	storagetest.Eventually(t, what, cond)
}

// readPool opens, on SQLite, the read pool kith serve uses beside the
// writer (nil on PostgreSQL), so that tests run the node as deployed.
func readPool(t testing.TB, db *bun.DB) *bun.DB {
	t.Helper()
	if storage.IsPostgres(db) {
		return nil
	}
	var seq int
	var name, file string
	if err := db.QueryRowContext(context.Background(), "PRAGMA database_list").Scan(&seq, &name, &file); err != nil {
		t.Fatalf("SQLite file: %v", err)
	}
	reads, err := storage.OpenReadPool(context.Background(), "sqlite:"+file, "")
	if err != nil {
		t.Fatalf("read pool: %v", err)
	}
	t.Cleanup(func() { reads.Close() })
	return reads
}

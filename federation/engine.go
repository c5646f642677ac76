// Package federation wires Kith's group actor engine: New builds what the
// services share (federation/node), the services along the pipeline —
// federation/inbox receives, federation/community decides,
// federation/outbox publishes and delivers, federation/actors knows the
// remote actors — and the job queue with every worker, and returns them
// in one Engine for cmd and web. It also serves the node's discovery
// documents (WebFinger, host-meta, NodeInfo). See docs/architecture.md.
package federation

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/uptrace/bun"

	"github.com/kith-social/kith/federation/actors"
	"github.com/kith-social/kith/federation/community"
	"github.com/kith-social/kith/federation/content"
	"github.com/kith-social/kith/federation/httpsig"
	"github.com/kith-social/kith/federation/inbox"
	"github.com/kith-social/kith/federation/iri"
	"github.com/kith-social/kith/federation/keys"
	"github.com/kith-social/kith/federation/metrics"
	"github.com/kith-social/kith/federation/node"
	"github.com/kith-social/kith/federation/outbox"
	"github.com/kith-social/kith/federation/software"
	"github.com/kith-social/kith/federation/transport"
	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/storage/queue"
	"github.com/kith-social/kith/storage/tune"
)

// Config configures an Engine.
type Config struct {
	Version         string // reported in NodeInfo and the User-Agent
	Scheme          string // "https", or "http" with --insecure-http
	Domain          string // host[:port] of the node
	AuthorizedFetch bool   // answer GETs of AP documents only when signed
	Transport       transport.Config
	// Work runs the job queue in this process (kith serve). Without it the
	// engine only enqueues (CLI commands).
	Work bool
	// DeliveryWorkers and InboxWorkers bound concurrent jobs per process.
	DeliveryWorkers int
	InboxWorkers    int
	// PollInterval is how often idle workers look for jobs other processes
	// inserted.
	PollInterval time.Duration
	// RescueAfter is how long a job may run before it is taken to belong
	// to a dead process and run again (0: queue.DefaultRescueAfter).
	RescueAfter time.Duration
	Log         *slog.Logger
	// Now is the clock for timestamps and server health (tests inject one).
	Now func() time.Time
	// RetryDelay is the wait before the next delivery attempt; nil is
	// outbox.DeliveryRetryDelay. Tests shorten it.
	RetryDelay func(attempt int, unreachable bool) time.Duration
	// Engagement configures polls, scheduled posts and notification e-mail.
	Engagement community.EngagementConfig
	// Reads serves lookups made outside transactions while processing
	// received activities; nil means the database. On SQLite it is
	// storage.OpenReadPool's readers, so those lookups do not queue on
	// the one connection that writes.
	Reads *bun.DB
	// ListenPool, on PostgreSQL, lets the job queue LISTEN for inserted
	// jobs (queue.Options.ListenPool); nil polls.
	ListenPool *pgxpool.Pool
	// Metrics receives delivery outcomes and inbox refusals; nil: none.
	Metrics *metrics.Metrics
	// AllShapes sends every server every shape of a relayed activity and
	// reads no server's NodeInfo, as before Kith knew servers' software:
	// for tests of other behaviour, which must not race the NodeInfo
	// check of the servers they talk to.
	AllShapes bool
}

// Engine is the federation of every group on the node: the services,
// built and wired by New, which cmd and web use.
type Engine struct {
	*node.Node                      // what the services share
	Community  *community.Community // what groups do: posting, moderation, events...
	Outbox     *outbox.Outbox       // publishing and delivering
	Actors     *actors.Actors       // remote actors and their keys
	Inbox      *inbox.Inbox         // receiving activities
	Servers    *software.Servers    // what software each remote server runs

	listen     *pgxpool.Pool      // the invalidation bus's connection (nil: SQLite)
	stopListen context.CancelFunc // ends the bus listener (Stop)
}

// New builds the engine and its job queue and makes sure the instance
// actor has a key pair.
func New(ctx context.Context, db *bun.DB, cfg Config) (*Engine, error) {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Version == "" {
		cfg.Version = "dev"
	}
	if cfg.Scheme == "" {
		cfg.Scheme = "https"
	}
	tcfg := cfg.Transport
	if tcfg.UserAgent == "" {
		tcfg.UserAgent = fmt.Sprintf("Kith/%s (+%s://%s/)", cfg.Version, cfg.Scheme, cfg.Domain)
	}
	if cfg.Reads == nil {
		cfg.Reads = db
	}
	writes := tune.NewGroupCommit(db, tune.GroupCommitSize(db))
	n := &node.Node{
		DB: db, Reads: cfg.Reads, Writes: writes, IRI: iri.New(cfg.Scheme, cfg.Domain),
		HTML: content.New(), Log: cfg.Log, Now: cfg.Now, Version: cfg.Version, Metrics: cfg.Metrics,
	}
	if err := loadInstanceKey(ctx, n); err != nil {
		return nil, err
	}
	e := &Engine{Node: n, listen: cfg.ListenPool}
	// Fan-outs yield half the signing slots while inbox jobs run: the
	// inbox is what remote servers are waiting on.
	tcfg.Yield = func() bool { return e.Inbox.Busy() }
	n.Client = transport.New(tcfg)
	e.Outbox = outbox.New(n, cfg.RetryDelay)
	e.Actors = actors.New(n, cfg.AuthorizedFetch)
	e.Servers = software.New(n)
	var seen func(context.Context, string)
	if !cfg.AllShapes {
		e.Outbox.SetServers(e.Servers)
		seen = e.Servers.Seen
	}
	e.Community = community.New(n, e.Outbox, e.Actors, cfg.Engagement)
	e.Actors.SetHooks(actors.Hooks{Gone: e.Community.Membership.RemoveActor, InboxesChanged: e.Outbox.MembersChanged, ServerSeen: seen})
	e.Inbox = inbox.New(n, e.Actors, e.Outbox, e.Community)
	e.Community.SetHooks(community.Hooks{ForgetReceived: e.Inbox.ForgetParsed})
	opts := queue.Options{Logger: cfg.Log.With("component", "queue"), PollInterval: cfg.PollInterval, RescueAfter: cfg.RescueAfter, ListenPool: cfg.ListenPool}
	if cfg.Work {
		workers := river.NewWorkers()
		e.Inbox.AddWorkers(workers)
		e.Outbox.AddWorkers(workers)
		river.AddWorker(workers, &queue.PruneActivitiesWorker{DB: db, Log: cfg.Log, Now: cfg.Now})
		opts.Workers = workers
		opts.Periodic = append([]*river.PeriodicJob{queue.PrunePeriodic()}, e.Actors.AddWorkers(workers)...)
		opts.Periodic = append(opts.Periodic, e.Community.AddWorkers(workers)...)
		if !cfg.AllShapes {
			opts.Periodic = append(opts.Periodic, e.Servers.AddWorkers(workers)...)
		}
		opts.Queues = map[string]int{
			river.QueueDefault: 2,
			node.QueueInbox:    orDefault(cfg.InboxWorkers, 8),
			node.QueueDelivery: orDefault(cfg.DeliveryWorkers, 32),
			node.QueueFanout:   outbox.FanoutWorkers,
		}
	}
	q, err := queue.New(db, opts)
	if err != nil {
		return nil, err
	}
	n.Queue = q
	return e, nil
}

// GroupCommitStats reports how transactions were shared (/metrics).
func (e *Engine) GroupCommitStats() tune.GroupCommitStats { return e.Writes.Stats() }

func orDefault(n, def int) int {
	if n > 0 {
		return n
	}
	return def
}

// Start listens for other processes' cache invalidations (on PostgreSQL
// with Config.ListenPool) and runs the job queue (with Config.Work).
func (e *Engine) Start(ctx context.Context) error {
	e.listenInvalidations(ctx) // invalidate.go
	return e.Queue.Start(ctx)
}

// Stop lets running jobs finish until ctx ends; the rest are retried
// later. It stops the invalidation listener.
func (e *Engine) Stop(ctx context.Context) error {
	if e.stopListen != nil {
		e.stopListen()
	}
	return e.Queue.Stop(ctx)
}

// loadInstanceKey reads the instance actor's key pair, creating it on the
// first start. Processes starting together agree on one pair.
func loadInstanceKey(ctx context.Context, n *node.Node) error {
	priv, err := storage.GetSetting(ctx, n.DB, storage.SettingInstancePrivateKey)
	if err != nil {
		privPEM, pubPEM, gerr := keys.Generate()
		if gerr != nil {
			return gerr
		}
		err = n.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
			stored, err := storage.SetSettingIfAbsent(ctx, tx, n.Now(), storage.SettingInstancePrivateKey, privPEM)
			if err != nil || !stored {
				return err
			}
			return storage.SetSetting(ctx, tx, n.Now(), storage.SettingInstancePublicKey, pubPEM)
		})
		if err != nil {
			return fmt.Errorf("create instance key: %w", err)
		}
		if priv, err = storage.GetSetting(ctx, n.DB, storage.SettingInstancePrivateKey); err != nil {
			return err
		}
	}
	k, err := keys.ParsePrivate(priv)
	if err != nil {
		return fmt.Errorf("instance key: %w", err)
	}
	pub, err := storage.GetSetting(ctx, n.DB, storage.SettingInstancePublicKey)
	if err != nil {
		return fmt.Errorf("instance public key: %w", err)
	}
	n.InstanceKey = httpsig.Key{ID: n.IRI.InstanceKey(), Private: k}
	n.InstancePub = pub
	return nil
}

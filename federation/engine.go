// Package federation is Kith's group actor engine: it receives activities
// (authenticate, validate, deduplicate, queue), processes them in jobs
// (membership, posting, reactions), and delivers what groups send through
// the durable queue. It serves the node's ActivityPub documents to the web
// layer. It knows nothing about pages; it converts between the vocabulary
// (federation/vocab) and storage models in one place.
package federation

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/uptrace/bun"

	"github.com/kith-social/kith/federation/content"
	"github.com/kith-social/kith/federation/httpsig"
	"github.com/kith-social/kith/federation/iri"
	"github.com/kith-social/kith/federation/keys"
	"github.com/kith-social/kith/federation/metrics"
	"github.com/kith-social/kith/federation/transport"
	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/storage/queue"
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
	// DeliveryRetryDelay. Tests shorten it.
	RetryDelay func(attempt int, unreachable bool) time.Duration
	// Engagement configures polls, scheduled posts and notification e-mail.
	Engagement EngagementConfig
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
}

// Engine runs the federation of every group on the node.
type Engine struct {
	db       *bun.DB
	reads    *bun.DB // see Config.Reads
	writes   *storage.GroupCommit
	q        *queue.Queue
	iri      iri.Builder
	client   *transport.Client
	html     *content.Sanitizer
	log      *slog.Logger
	now      func() time.Time
	authFech bool
	version  string

	instanceKey httpsig.Key
	instancePub string

	hosts      *hostLimiter
	sends      sendCache    // deliver.go
	caches     inboxCaches  // cache.go
	accepts    *acceptor    // accept.go
	inboxBusy  atomic.Int32 // inbox jobs running in this process
	retryDelay func(attempt int, unreachable bool) time.Duration

	// hooks lets tests wait for processed activities without sleeping.
	hookMu sync.Mutex
	hooks  []func(Processed)

	engage  EngagementConfig
	metrics *metrics.Metrics // observe.go
}

// Processed describes an activity the engine finished processing.
type Processed struct {
	ActivityID string
	Type       string
	Err        error
	// Dropped is why the node did not act on the activity ("" if it did).
	Dropped string
}

// Queue names.
const (
	queueInbox    = "inbox"
	queueDelivery = "delivery"
	queueFanout   = "fanout"
)

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
	e := &Engine{
		reads:    cfg.Reads,
		db:       db,
		writes:   storage.NewGroupCommit(db, storage.GroupCommitSize(db)),
		iri:      iri.New(cfg.Scheme, cfg.Domain),
		html:     content.New(),
		log:      cfg.Log,
		now:      cfg.Now,
		authFech: cfg.AuthorizedFetch,
		version:  cfg.Version,
		engage:   cfg.Engagement.withDefaults(),
		hosts:    newHostLimiter(4),
		caches:   newInboxCaches(),
		metrics:  cfg.Metrics,
	}
	e.accepts = newAcceptor(e)
	// Fan-outs yield half the signing slots while inbox jobs run: the
	// inbox is what remote servers are waiting on.
	tcfg.Yield = func() bool { return e.inboxBusy.Load() > 0 }
	e.client = transport.New(tcfg)
	e.retryDelay = cfg.RetryDelay
	if e.retryDelay == nil {
		e.retryDelay = DeliveryRetryDelay
	}
	if err := e.loadInstanceKey(ctx); err != nil {
		return nil, err
	}
	opts := queue.Options{Logger: cfg.Log.With("component", "queue"), PollInterval: cfg.PollInterval, RescueAfter: cfg.RescueAfter, ListenPool: cfg.ListenPool}
	if cfg.Work {
		workers := river.NewWorkers()
		river.AddWorker(workers, &inboxWorker{e: e})
		river.AddWorker(workers, &inboxBatchWorker{e: e})
		river.AddWorker(workers, &deliverWorker{e: e})
		river.AddWorker(workers, &fanoutWorker{e: e})
		river.AddWorker(workers, &refreshActorsWorker{e: e})
		river.AddWorker(workers, &queue.PruneActivitiesWorker{DB: db, Log: cfg.Log, Now: cfg.Now})
		opts.Workers = workers
		opts.Periodic = []*river.PeriodicJob{queue.PrunePeriodic(), refreshPeriodic()}
		opts.Periodic = append(opts.Periodic, e.addEngagementWorkers(workers)...)
		opts.Periodic = append(opts.Periodic, e.addBelongingWorkers(workers)...) // events, digests (belonging.go)
		opts.Queues = map[string]int{
			river.QueueDefault: 2,
			queueInbox:         orDefault(cfg.InboxWorkers, 8),
			queueDelivery:      orDefault(cfg.DeliveryWorkers, 32),
			queueFanout:        fanoutWorkers,
		}
	}
	q, err := queue.New(db, opts)
	if err != nil {
		return nil, err
	}
	e.q = q
	return e, nil
}

// tx runs fn in a transaction that concurrent callers may share
// (storage.GroupCommit): fn must wait on nothing but the database.
func (e *Engine) tx(ctx context.Context, fn func(context.Context, bun.Tx) error) error {
	return e.writes.RunInTx(ctx, fn)
}

// GroupCommitStats reports how transactions were shared (/metrics).
func (e *Engine) GroupCommitStats() storage.GroupCommitStats { return e.writes.Stats() }

func orDefault(n, def int) int {
	if n > 0 {
		return n
	}
	return def
}

// Start runs the job queue (with Config.Work).
func (e *Engine) Start(ctx context.Context) error { return e.q.Start(ctx) }

// Stop lets running jobs finish until ctx ends; the rest are retried later.
func (e *Engine) Stop(ctx context.Context) error { return e.q.Stop(ctx) }

// IRI is the node's IRI builder.
func (e *Engine) IRI() iri.Builder { return e.iri }

// DB is the engine's database.
func (e *Engine) DB() *bun.DB { return e.db }

// OnProcessed registers a hook called after each inbox job (tests).
func (e *Engine) OnProcessed(fn func(Processed)) {
	e.hookMu.Lock()
	defer e.hookMu.Unlock()
	e.hooks = append(e.hooks, fn)
}

func (e *Engine) processed(p Processed) {
	e.hookMu.Lock()
	hooks := append([]func(Processed){}, e.hooks...)
	e.hookMu.Unlock()
	for _, h := range hooks {
		h(p)
	}
}

// loadInstanceKey reads the instance actor's key pair, creating it on the
// first start. Processes starting together agree on one pair.
func (e *Engine) loadInstanceKey(ctx context.Context) error {
	priv, err := storage.GetSetting(ctx, e.db, storage.SettingInstancePrivateKey)
	if err != nil {
		privPEM, pubPEM, gerr := keys.Generate()
		if gerr != nil {
			return gerr
		}
		err = e.tx(ctx, func(ctx context.Context, tx bun.Tx) error {
			stored, err := storage.SetSettingIfAbsent(ctx, tx, storage.SettingInstancePrivateKey, privPEM)
			if err != nil || !stored {
				return err
			}
			return storage.SetSetting(ctx, tx, storage.SettingInstancePublicKey, pubPEM)
		})
		if err != nil {
			return fmt.Errorf("create instance key: %w", err)
		}
		if priv, err = storage.GetSetting(ctx, e.db, storage.SettingInstancePrivateKey); err != nil {
			return err
		}
	}
	k, err := keys.ParsePrivate(priv)
	if err != nil {
		return fmt.Errorf("instance key: %w", err)
	}
	pub, err := storage.GetSetting(ctx, e.db, storage.SettingInstancePublicKey)
	if err != nil {
		return fmt.Errorf("instance public key: %w", err)
	}
	e.instanceKey = httpsig.Key{ID: e.iri.InstanceKey(), Private: k}
	e.instancePub = pub
	return nil
}

// groupKey returns the signing key of a group.
func (e *Engine) groupKey(g *storage.Group) (httpsig.Key, error) {
	k, err := keys.ParsePrivate(g.PrivateKeyPEM)
	if err != nil {
		return httpsig.Key{}, fmt.Errorf("key of group %s: %w", g.Name, err)
	}
	return httpsig.Key{ID: e.iri.GroupKey(g.Name), Private: k}, nil
}

// stamp returns now with millisecond precision, never before notBefore:
// Misskey drops a boost stamped earlier than the boosted note.
func (e *Engine) stamp(notBefore time.Time) time.Time {
	t := e.now().UTC().Truncate(time.Millisecond)
	if nb := notBefore.UTC().Truncate(time.Millisecond).Add(time.Millisecond); t.Before(nb) && !notBefore.IsZero() {
		return nb
	}
	return t
}

// hostLimiter bounds concurrent deliveries per remote server, so one slow
// server cannot hold every delivery worker. Entries are removed when no
// one holds or waits for them, so it does not grow without bound.
type hostLimiter struct {
	mu    sync.Mutex
	max   int
	hosts map[string]*hostSlots
}

type hostSlots struct {
	sem   chan struct{}
	users int // holders and waiters
}

func newHostLimiter(max int) *hostLimiter {
	return &hostLimiter{max: max, hosts: map[string]*hostSlots{}}
}

// acquire takes one of host's slots, waiting at most wait (0: not at
// all); false means none came free in time.
func (h *hostLimiter) acquire(ctx context.Context, host string, wait time.Duration) bool {
	h.mu.Lock()
	s := h.hosts[host]
	if s == nil {
		s = &hostSlots{sem: make(chan struct{}, h.max)}
		h.hosts[host] = s
	}
	s.users++
	h.mu.Unlock()
	select {
	case s.sem <- struct{}{}:
		return true
	default:
	}
	if wait > 0 {
		t := time.NewTimer(wait)
		defer t.Stop()
		select {
		case s.sem <- struct{}{}:
			return true
		case <-t.C:
		case <-ctx.Done():
		}
	}
	h.leave(host, s)
	return false
}

func (h *hostLimiter) tryAcquire(host string) bool {
	return h.acquire(context.Background(), host, 0)
}

func (h *hostLimiter) release(host string) {
	h.mu.Lock()
	s := h.hosts[host]
	h.mu.Unlock()
	<-s.sem
	h.leave(host, s)
}

func (h *hostLimiter) leave(host string, s *hostSlots) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if s.users--; s.users == 0 {
		delete(h.hosts, host)
	}
}

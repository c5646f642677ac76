// Package queue is Kith's durable job queue: River on the node's own
// database (riversqlite on SQLite, riverdatabasesql on PostgreSQL), so a job
// is inserted in the same transaction as the data it concerns and survives
// restarts and crashes. Several `kith serve` processes on one PostgreSQL
// database share the work.
package queue

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
)

// Options configure a queue.
type Options struct {
	// Workers are the job kinds this process runs. Nil makes an insert-only
	// queue (the CLI enqueues jobs that `kith serve` runs).
	Workers *river.Workers
	// Periodic jobs, run by whichever process is the elected leader.
	Periodic []*river.PeriodicJob
	// Queues names the queues this process works and how many jobs of
	// each it runs at once. Empty: the default queue with 16 workers.
	Queues map[string]int
	// PollInterval is how often idle workers look for jobs they were not
	// told about. Zero: 1 s on SQLite (where River learns of inserts
	// outside transactions itself, and of those inside a transaction run
	// with AfterCommit when it commits) and on PostgreSQL with ListenPool;
	// 100 ms on PostgreSQL without it, where every job of another process
	// is found only by polling.
	PollInterval time.Duration
	// ListenPool, on PostgreSQL, is a pgx pool (storage.OpenListenPool)
	// from which River takes one connection to LISTEN for inserts, so that
	// a job inserted in a transaction runs as soon as it commits, in this
	// process or another one. Nil: poll-only.
	ListenPool *pgxpool.Pool
	// RescueAfter is how long a job may stay running before it is taken to
	// belong to a process that died (kill -9, power loss) and is retried.
	// Zero: DefaultRescueAfter. It must exceed JobTimeout, or jobs still
	// running on a live process would be run a second time.
	RescueAfter time.Duration
	Logger      *slog.Logger
}

// JobTimeout is the longest a job runs before its context is cancelled
// (a worker may set less: deliveries take at most a minute).
const JobTimeout = 2 * time.Minute

// DefaultRescueAfter is RescueAfter's default: a minute more than
// JobTimeout. Any job still marked running then was lost by a process
// that stopped without finishing it, and River's rescuer (every 30 s, on
// the leader) schedules it again. River's own default is an hour; Kith
// had 10 minutes, which kept a crashed node's in-flight deliveries
// waiting that long (docs/performance.md, faults).
const DefaultRescueAfter = JobTimeout + time.Minute

// fetchCooldown is the least time between two fetches of one queue.
const fetchCooldown = 10 * time.Millisecond

// pgPollInterval is how often a process looks for new jobs on PostgreSQL
// unless Options.PollInterval says otherwise.
const pgPollInterval = 100 * time.Millisecond

// Queue inserts and runs jobs.
type Queue struct {
	client *river.Client[*sql.Tx]
	work   bool
	pilot  *kickPilot // see kick.go
}

// New builds a queue over db. Call Start to run jobs.
func New(db *bun.DB, opts Options) (*Queue, error) {
	cfg := &river.Config{
		Logger:               opts.Logger,
		PeriodicJobs:         opts.Periodic,
		RescueStuckJobsAfter: DefaultRescueAfter,
		JobTimeout:           JobTimeout,
	}
	if opts.RescueAfter > 0 {
		cfg.RescueStuckJobsAfter = opts.RescueAfter
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	work := opts.Workers != nil
	if work {
		cfg.Workers = opts.Workers
		cfg.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 16}}
		if len(opts.Queues) > 0 {
			cfg.Queues = map[string]river.QueueConfig{}
			for name, n := range opts.Queues {
				cfg.Queues[name] = river.QueueConfig{MaxWorkers: n}
			}
		}
		cfg.FetchPollInterval = opts.PollInterval
		if cfg.FetchPollInterval <= 0 {
			cfg.FetchPollInterval = time.Second
		}
		// A queue fetches at most once per cooldown, up to its free worker
		// slots: 32 delivery workers and River's 100 ms default capped a
		// fan-out at 320 deliveries/s whatever the CPU. An idle queue does
		// not fetch more often for it (fetches follow inserts, completions
		// and the poll interval). See docs/performance.md.
		cfg.FetchCooldown = min(cfg.FetchPollInterval, fetchCooldown)
	}
	var (
		client *river.Client[*sql.Tx]
		err    error
		pilot  = &kickPilot{}
	)
	switch {
	case db.Dialect().Name() == dialect.PG && opts.ListenPool != nil:
		// database/sql has no LISTEN: River listens on a pgx connection of
		// its own and does everything else through db, so its inserts
		// still share bun's transactions. A NOTIFY sent in a transaction
		// is delivered when it commits: each step of a chain (received →
		// processed → fanned out) starts at once.
		client, err = river.NewClient(&kickDriver{Driver: riverdatabasesql.NewWithPgxListener(db.DB, opts.ListenPool), pilot: pilot}, cfg)
	case db.Dialect().Name() == dialect.PG:
		// Poll-only: a job inserted inside a transaction (nearly all of
		// Kith's) is seen at the next poll. At River's 1 s default every
		// step of a chain waited up to a second; polling every 100 ms
		// costs a few tiny queries a second.
		cfg.PollOnly = true
		if work && opts.PollInterval <= 0 {
			cfg.FetchPollInterval = pgPollInterval
			cfg.FetchCooldown = min(cfg.FetchPollInterval, fetchCooldown)
		}
		client, err = river.NewClient(&kickDriver{Driver: riverdatabasesql.New(db.DB), pilot: pilot}, cfg)
	default:
		// SQLite: jobs start when their transaction commits (kick.go), and
		// at the poll otherwise.
		cfg.PollOnly = true
		client, err = river.NewClient(&kickDriver{Driver: riversqlite.New(db.DB), pilot: pilot, noListener: true}, cfg)
	}
	if err != nil {
		return nil, fmt.Errorf("create job queue: %w", err)
	}
	return &Queue{client: client, work: work, pilot: pilot}, nil
}

// InsertTx enqueues a job inside tx: it exists if and only if tx commits.
func (q *Queue) InsertTx(ctx context.Context, tx bun.Tx, args river.JobArgs, opts *river.InsertOpts) error {
	if _, err := q.client.InsertTx(ctx, tx.Tx, args, opts); err != nil {
		return fmt.Errorf("enqueue %s job: %w", args.Kind(), err)
	}
	noteInserted(ctx, args, opts)
	return nil
}

// InsertManyTx enqueues several jobs inside tx. It takes River's fast
// path, which returns no rows: on SQLite, returning each inserted job
// (its arguments converted back to JSON text) was a third of the insert.
// The fast path does not handle unique jobs; those go through InsertTx.
func (q *Queue) InsertManyTx(ctx context.Context, tx bun.Tx, params []river.InsertManyParams) error {
	if len(params) == 0 {
		return nil
	}
	if _, err := q.client.InsertManyFastTx(ctx, tx.Tx, params); err != nil {
		return fmt.Errorf("enqueue %d jobs: %w", len(params), err)
	}
	for _, p := range params {
		noteInserted(ctx, p.Args, p.InsertOpts)
	}
	return nil
}

// InsertMany enqueues several jobs, outside any transaction (the fast
// path, as InsertManyTx).
func (q *Queue) InsertMany(ctx context.Context, params []river.InsertManyParams) error {
	if len(params) == 0 {
		return nil
	}
	if _, err := q.client.InsertManyFast(ctx, params); err != nil {
		return fmt.Errorf("enqueue %d jobs: %w", len(params), err)
	}
	return nil
}

// Insert enqueues a job on its own.
func (q *Queue) Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) error {
	if _, err := q.client.Insert(ctx, args, opts); err != nil {
		return fmt.Errorf("enqueue %s job: %w", args.Kind(), err)
	}
	return nil
}

// Start runs jobs until Stop. An insert-only queue does nothing.
func (q *Queue) Start(ctx context.Context) error {
	if !q.work {
		return nil
	}
	if err := q.client.Start(ctx); err != nil {
		return fmt.Errorf("start job queue: %w", err)
	}
	return nil
}

// Stop stops fetching new jobs and waits for running ones until ctx ends;
// then it cancels them. A cancelled job is retried later (by this process
// after a restart, or by another one), so nothing is lost.
func (q *Queue) Stop(ctx context.Context) error {
	if !q.work {
		return nil
	}
	if err := q.client.Stop(ctx); err != nil {
		// Out of patience: cancel what still runs; River records it for retry.
		stopCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err2 := q.client.StopAndCancel(stopCtx); err2 != nil {
			return fmt.Errorf("stop job queue: %w", err2)
		}
	}
	return nil
}

// Client exposes River's client for job listing and tests.
func (q *Queue) Client() *river.Client[*sql.Tx] { return q.client }

// Depth counts jobs waiting to run or retry (for health pages and metrics).
func Depth(ctx context.Context, db bun.IDB) (int, error) {
	n, err := db.NewSelect().TableExpr("river_job").
		Where("state IN (?)", bun.List([]string{"available", "scheduled", "retryable", "running"})).Count(ctx)
	if err != nil {
		return 0, fmt.Errorf("count queued jobs: %w", err)
	}
	return int(n), nil
}

// KindCount is how many jobs of one kind are in one state.
type KindCount struct {
	Kind  string `bun:"kind"`
	State string `bun:"state"`
	Count int    `bun:"count"`
}

// Counts counts unfinished jobs by kind and state (for /metrics).
func Counts(ctx context.Context, db bun.IDB) ([]KindCount, error) {
	var out []KindCount
	err := db.NewSelect().TableExpr("river_job").
		ColumnExpr("kind, state, count(*) AS count").
		Where("state IN (?)", bun.List([]string{"available", "scheduled", "retryable", "running"})).
		GroupExpr("kind, state").OrderExpr("kind, state").Scan(ctx, &out)
	if err != nil {
		return nil, fmt.Errorf("count queued jobs by kind: %w", err)
	}
	return out, nil
}

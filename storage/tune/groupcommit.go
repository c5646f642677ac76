package tune

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"

	"github.com/kith-social/kith/storage/batch"
)

// GroupCommit runs the transactions of concurrent callers together (group
// commit): while one transaction runs, the callers that arrive wait, and
// the next transaction runs all their functions, each under a savepoint of
// its own, and commits once.
//
// Why: SQLite has one writer connection. With a transaction per caller the
// writer passes from goroutine to goroutine, and under load each waits in
// the run queue for a core before it can use the connection, which then
// sits idle (docs/performance.md). One goroutine running many callers'
// functions back to back keeps the writer busy and commits once.
//
// A caller sees what a transaction of its own would give it: its function's
// writes commit together or not at all, its error rolls back only its own
// writes, and RunInTx returns after the commit. A caller alone runs a plain
// transaction, so an idle node behaves exactly as without group commit.
// Functions must not wait on anything but the database: every caller in a
// batch waits for the slowest.
//
// Batching is storage/batch's: the first waiting caller runs the
// transaction, and hands the rest to a new goroutine if more arrived
// meanwhile.
type GroupCommit struct {
	db      *bun.DB
	group   bool // false: every caller runs a plain transaction at once
	batches *batch.Runner[*txCall]
	mu      sync.Mutex
	stats   GroupCommitStats
}

// GroupCommitStats counts what a GroupCommit did: Calls ÷ Transactions is
// how many callers shared a transaction on average.
type GroupCommitStats struct {
	Transactions uint64 // transactions run
	Calls        uint64 // callers' functions run
	Waiting      int    // callers waiting for the next transaction now
}

// Stats returns the counts so far.
func (g *GroupCommit) Stats() GroupCommitStats {
	g.mu.Lock()
	s := g.stats
	g.mu.Unlock()
	if g.group {
		s.Waiting = g.batches.Pending()
	}
	return s
}

func (g *GroupCommit) count(calls int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.stats.Transactions++
	g.stats.Calls += uint64(calls)
}

type txCall struct {
	ctx  context.Context
	fn   func(context.Context, bun.Tx) error
	done chan txResult
}

type txResult struct {
	err   error
	panic any // re-raised in the caller's goroutine
}

var errPanicked = errors.New("the transaction's function panicked")

// groupCommitTimeout bounds one combined transaction.
const groupCommitTimeout = 30 * time.Second

// NewGroupCommit returns a GroupCommit on db that puts at most perTx callers
// in one transaction. With perTx 1 or less it does not group at all: each
// caller runs its own transaction, at once, as with db.RunInTx.
//
// Group only on SQLite (GroupCommitSize): PostgreSQL runs transactions on
// several connections in parallel, and grouping would queue them all on
// one (measured: the inbox accepted a third as much, docs/performance.md).
func NewGroupCommit(db *bun.DB, perTx int) *GroupCommit {
	g := &GroupCommit{db: db, group: perTx > 1}
	if g.group {
		g.batches = batch.New(perTx, g.run)
	}
	return g
}

// GroupCommitSize is the number of callers to group on db by default: 64
// on SQLite, whose one writer connection runs transactions one at a time
// anyway, and 1 (no grouping) on PostgreSQL.
func GroupCommitSize(db *bun.DB) int {
	if db.Dialect().Name() == dialect.PG {
		return 1
	}
	return 64
}

// RunInTx runs fn in a transaction, possibly shared with other callers'
// functions, and returns fn's error or the commit's. When grouping, fn
// gets ctx without its cancellation: once started it runs to the end,
// because cancelling a statement in SQLite can abort the whole shared
// transaction; a cancelled caller stops waiting, and fn's writes may still
// commit.
func (g *GroupCommit) RunInTx(ctx context.Context, fn func(context.Context, bun.Tx) error) error {
	if !g.group {
		g.count(1)
		return g.db.RunInTx(ctx, nil, fn)
	}
	c := &txCall{ctx: context.WithoutCancel(ctx), fn: fn, done: make(chan txResult, 1)}
	g.batches.Add(c)
	select {
	case r := <-c.done:
		if r.panic != nil {
			panic(r.panic)
		}
		return r.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// run runs b in one transaction and tells every caller its result.
func (g *GroupCommit) run(b []*txCall) {
	g.count(len(b))
	ctx, cancel := context.WithTimeout(b[0].ctx, groupCommitTimeout)
	defer cancel()
	if len(b) == 1 {
		c := b[0]
		var r txResult
		r.err = g.db.RunInTx(ctx, nil, func(_ context.Context, tx bun.Tx) error {
			r.panic, r.err = call(c, tx)
			if r.panic != nil {
				return errPanicked // roll back
			}
			return r.err
		})
		c.done <- r
		return
	}
	results := make([]txResult, len(b))
	err := g.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		for i, c := range b {
			if _, err := tx.ExecContext(ctx, "SAVEPOINT kith_call"); err != nil {
				return fmt.Errorf("savepoint: %w", err)
			}
			results[i].panic, results[i].err = call(c, tx)
			if results[i].panic != nil || results[i].err != nil {
				if _, err := tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT kith_call"); err != nil {
					return fmt.Errorf("roll back to savepoint: %w", err)
				}
			}
			if _, err := tx.ExecContext(ctx, "RELEASE SAVEPOINT kith_call"); err != nil {
				return fmt.Errorf("release savepoint: %w", err)
			}
		}
		return nil
	})
	for i, c := range b {
		r := results[i]
		if err != nil && r.panic == nil && r.err == nil {
			r.err = err // the transaction failed: nothing of this caller's was kept
		}
		c.done <- r
	}
}

// call runs one caller's function, turning a panic into a value for the
// caller's own goroutine, so one caller's bug does not take down the
// goroutine running everyone's.
func call(c *txCall, tx bun.Tx) (p any, err error) {
	defer func() {
		if v := recover(); v != nil {
			p = v
		}
	}()
	return nil, c.fn(c.ctx, tx)
}

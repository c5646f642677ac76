package queue

import (
	"context"
	"database/sql"
	"sync"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/rivershared/baseservice"
	"github.com/riverqueue/river/rivershared/riverpilot"
	"github.com/riverqueue/river/rivertype"
)

// River learns of a job inserted outside a transaction at once, but of
// one inserted inside a transaction — nearly all of Kith's: an Accept, the
// shards of a fan-out — only through its listener or at its next poll. On
// SQLite its listener is itself a poll: the insert writes a row to a
// notification table, which each process reads every 50 ms, and a queue
// notified in the last few milliseconds is not notified again. Every step
// of a chain (received → processed → fanned out) waited 0–50 ms for it,
// and sometimes a whole fetch poll. River tells its workers itself through
// a hook it gives its pilot (PilotInitParams.NotifyNonTxJobInsert: "a job
// has become available and the transaction that committed it has
// finished"); kickDriver hands River a pilot that keeps that hook, so the
// queue can call it once a transaction that inserted jobs has committed
// (AfterCommit). On SQLite it also tells River that there is no listener:
// River then runs poll-only, uses the hook, and writes no notification row
// in every transaction that queues a job. A SQLite database has one Kith
// process; a job queued by another (a command-line tool, a process that
// died before it could kick) still starts at the next poll. On
// PostgreSQL with a listener the hook does nothing: NOTIFY already tells
// every process.

// kickDriver is a River driver with the standard pilot that keeps River's
// notify hook (River asks a driver for its pilot through PluginPilot).
type kickDriver struct {
	riverdriver.Driver[*sql.Tx]
	pilot *kickPilot
	// noListener hides the driver's listener (SQLite's polled one) from
	// River: see above.
	noListener bool
}

func (d *kickDriver) SupportsListener() bool {
	return !d.noListener && d.Driver.SupportsListener()
}

func (d *kickDriver) SupportsListenNotify() bool {
	return !d.noListener && d.Driver.SupportsListenNotify()
}

func (d *kickDriver) PluginInit(*baseservice.Archetype) {}

func (d *kickDriver) PluginPilot() riverpilot.Pilot { return d.pilot }

// kickPilot is River's standard pilot and the hook River gives it.
type kickPilot struct {
	riverpilot.StandardPilot
	notify func(context.Context, []*rivertype.JobInsertResult)
}

func (p *kickPilot) PilotInit(a *baseservice.Archetype, params *riverpilot.PilotInitParams) {
	p.notify = params.NotifyNonTxJobInsert
	p.StandardPilot.PilotInit(a, params)
}

// kick tells this process's workers of queues to look for jobs now.
func (p *kickPilot) kick(ctx context.Context, queues []string) {
	if p.notify == nil || len(queues) == 0 {
		return
	}
	res := make([]*rivertype.JobInsertResult, len(queues))
	for i, q := range queues {
		res[i] = &rivertype.JobInsertResult{Job: &rivertype.JobRow{Queue: q}}
	}
	p.notify(ctx, res)
}

// inserted records the queues jobs were inserted into within one
// transaction, for AfterCommit.
type inserted struct {
	mu     sync.Mutex
	queues []string
}

type insertedKey struct{}

func (in *inserted) add(queue string) {
	in.mu.Lock()
	defer in.mu.Unlock()
	for _, q := range in.queues {
		if q == queue {
			return
		}
	}
	in.queues = append(in.queues, queue)
}

// AfterCommit returns ctx, to run a transaction with, and a function to
// call once that transaction has committed: it tells this process's
// workers of the queues that InsertTx and InsertManyTx put jobs into
// under ctx, so those jobs start now instead of at the next poll. Not
// calling it (the transaction failed) only leaves the jobs to the poll.
func (q *Queue) AfterCommit(ctx context.Context) (context.Context, func()) {
	if q == nil || !q.work || q.pilot == nil {
		return ctx, func() {}
	}
	in := &inserted{}
	return context.WithValue(ctx, insertedKey{}, in), func() {
		in.mu.Lock()
		queues := in.queues
		in.mu.Unlock()
		q.pilot.kick(ctx, queues)
	}
}

// noteInserted records under ctx (see AfterCommit) the queue of a job.
func noteInserted(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) {
	in, ok := ctx.Value(insertedKey{}).(*inserted)
	if !ok {
		return
	}
	queue := river.QueueDefault
	if opts != nil && opts.Queue != "" {
		queue = opts.Queue
	} else if a, ok := args.(river.JobArgsWithInsertOpts); ok && a.InsertOpts().Queue != "" {
		queue = a.InsertOpts().Queue
	}
	in.add(queue)
}

package inbox

import (
	"context"
	"slices"
	"time"

	"github.com/riverqueue/river"
	"github.com/uptrace/bun"

	"github.com/kith-social/kith/federation/vocab"
	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/storage/batch"
)

// acceptBatchMax bounds how many received activities one transaction
// records.
const acceptBatchMax = 256

// acceptor records received activities in batches (group commit). Every
// activity must be recorded (its id, for deduplication) and its
// processing queued before the inbox answers 202; one transaction per
// activity made that the inbox's largest cost on SQLite, where
// transactions run one at a time. Requests that arrive while a
// transaction runs wait and go together in the next one (storage/batch).
type acceptor struct {
	e       *Inbox
	batches *batch.Runner[*acceptReq]
}

func newAcceptor(e *Inbox) *acceptor {
	a := &acceptor{e: e}
	a.batches = batch.New(acceptBatchMax, a.commitBatch)
	return a
}

type acceptReq struct {
	ctx  context.Context // the request's, without its cancellation
	args inboxArgs
	act  *vocab.Activity // as parsed by Receive, for the job to reuse
	done chan error
}

// accept records an authenticated activity and queues its processing; it
// returns when both are committed (nil for a repeated activity too).
func (a *acceptor) accept(ctx context.Context, act *vocab.Activity, args inboxArgs) error {
	req := &acceptReq{ctx: context.WithoutCancel(ctx), args: args, act: act, done: make(chan error, 1)}
	a.batches.Add(req)
	select {
	case err := <-req.done:
		return err
	case <-ctx.Done():
		// The batch may still commit: the sender retries and the id
		// deduplicates it.
		return ctx.Err()
	}
}

// commitBatch commits one batch and tells each request the outcome.
func (a *acceptor) commitBatch(b []*acceptReq) {
	err := a.commit(b[0].ctx, b)
	for _, r := range b {
		r.done <- err
	}
}

func (a *acceptor) commit(ctx context.Context, batch []*acceptReq) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	e := a.e
	iris := make([]string, len(batch))
	for i, r := range batch {
		iris[i] = r.act.ID
	}
	return e.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		fresh, err := storage.RecordActivities(ctx, tx, iris, e.Now())
		if err != nil {
			return err
		}
		var items []inboxArgs
		for _, r := range batch {
			if fresh[r.act.ID] {
				delete(fresh, r.act.ID) // the same activity twice in one batch: once
				items = append(items, r.args)
				// The job usually runs in this process moments later:
				// parsing it again cost a tenth of processing.
				e.caches.parsed.Add(r.act.ID, r.act)
			}
		}
		// One job per activity when they come one at a time, one per
		// batch under load (jobs.go).
		var params []river.InsertManyParams
		for chunk := range slices.Chunk(items, inboxBatchMax) {
			if len(chunk) == 1 {
				params = append(params, river.InsertManyParams{Args: chunk[0]})
			} else {
				params = append(params, river.InsertManyParams{Args: inboxBatchArgs{Items: chunk}})
			}
		}
		return e.Queue.InsertManyTx(ctx, tx, params)
	})
}

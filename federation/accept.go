package federation

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/riverqueue/river"
	"github.com/uptrace/bun"

	"github.com/kith-social/kith/federation/vocab"
	"github.com/kith-social/kith/storage"
)

// acceptBatchMax bounds how many received activities one transaction
// records.
const acceptBatchMax = 256

// acceptor records received activities in batches (group commit). Every
// activity must be recorded (its id, for deduplication) and its
// processing queued before the inbox answers 202; one transaction per
// activity made that the inbox's largest cost on SQLite, where
// transactions run one at a time. Requests that arrive while a
// transaction runs wait and go together in the next one. There is no
// goroutine of its own: the first waiting request commits, and hands the
// rest to a new goroutine if more arrived meanwhile.
type acceptor struct {
	e       *Engine
	mu      sync.Mutex
	pending []*acceptReq
	busy    bool // a goroutine is committing
}

type acceptReq struct {
	args inboxArgs
	act  *vocab.Activity // as parsed by Receive, for the job to reuse
	done chan error
}

// accept records an authenticated activity and queues its processing; it
// returns when both are committed (nil for a repeated activity too).
func (a *acceptor) accept(ctx context.Context, act *vocab.Activity, args inboxArgs) error {
	req := &acceptReq{args: args, act: act, done: make(chan error, 1)}
	a.mu.Lock()
	a.pending = append(a.pending, req)
	lead := !a.busy
	a.busy = true
	a.mu.Unlock()
	if lead {
		a.flush(context.WithoutCancel(ctx))
	}
	select {
	case err := <-req.done:
		return err
	case <-ctx.Done():
		// The batch may still commit: the sender retries and the id
		// deduplicates it.
		return ctx.Err()
	}
}

// flush commits one batch; if more requests arrived meanwhile it goes on
// in another goroutine, so no request waits for batches after its own.
func (a *acceptor) flush(ctx context.Context) {
	a.mu.Lock()
	n := min(len(a.pending), acceptBatchMax)
	batch := a.pending[:n:n]
	a.pending = a.pending[n:]
	a.mu.Unlock()

	err := a.commit(ctx, batch)
	for _, r := range batch {
		r.done <- err
	}

	a.mu.Lock()
	more := len(a.pending) > 0
	if !more {
		a.busy = false
		a.pending = nil
	}
	a.mu.Unlock()
	if more {
		go a.flush(ctx)
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
	return e.tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		fresh, err := storage.RecordActivities(ctx, tx, iris, e.now())
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
		// batch under load (inbox.go).
		var params []river.InsertManyParams
		for chunk := range slices.Chunk(items, inboxBatchMax) {
			if len(chunk) == 1 {
				params = append(params, river.InsertManyParams{Args: chunk[0]})
			} else {
				params = append(params, river.InsertManyParams{Args: inboxBatchArgs{Items: chunk}})
			}
		}
		return e.q.InsertManyTx(ctx, tx, params)
	})
}

package inbox

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kith-social/kith/federation/actors"
	"github.com/kith-social/kith/federation/community"
	"github.com/kith-social/kith/federation/node"
	"github.com/kith-social/kith/federation/transport"
	"github.com/kith-social/kith/federation/vocab"
	"github.com/riverqueue/river"
)

// inboxArgs is an authenticated activity waiting to be processed. The body
// is kept as a string, byte for byte: FEP-1b12 announces embed it unchanged.
type inboxArgs struct {
	ID      string `json:"id,omitempty"` // the activity's id (for the parsed-activity cache)
	Body    string `json:"body"`
	Group   string `json:"group,omitempty"`   // the group whose inbox it came to; empty: the shared inbox
	Retried int    `json:"retried,omitempty"` // attempts made before this job (in a batch)
	// LastError is why the attempt in a batch failed: the queue records
	// the errors of a job's own attempts, not of the batch's.
	LastError string `json:"last_error,omitempty"`
}

func (inboxArgs) Kind() string { return "inbox" }

func (inboxArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: node.QueueInbox, MaxAttempts: inboxMaxAttempts}
}

// inboxWorker processes one received activity.
type inboxWorker struct {
	river.WorkerDefaults[inboxArgs]
	e *Inbox
}

func (w *inboxWorker) Work(ctx context.Context, job *river.Job[inboxArgs]) error {
	w.e.busy.Add(1)
	defer w.e.busy.Add(-1)
	return w.e.processReceived(ctx, job.Args, job.Attempt+job.Args.Retried >= inboxMaxAttempts)
}

// inboxBatchArgs are activities accepted together (accept.go), processed
// in order by one job: under load the queue then inserts, fetches and
// completes one job per batch instead of one per activity, which on
// SQLite was a third of the cost of processing (docs/performance.md).
// An activity that fails is retried as a job of its own.
type inboxBatchArgs struct {
	Items []inboxArgs `json:"items"`
}

func (inboxBatchArgs) Kind() string { return "inbox_batch" }

func (inboxBatchArgs) InsertOpts() river.InsertOpts {
	// A crash or a database error while recording the retries runs the
	// batch again; processing is idempotent where it matters (activity
	// ids, reactions, follows), so at worst an announce goes out twice.
	return river.InsertOpts{Queue: node.QueueInbox, MaxAttempts: 3}
}

// inboxBatchMax bounds the activities of one batch job, so that a burst
// still spreads over several workers.
const inboxBatchMax = 32

type inboxBatchWorker struct {
	river.WorkerDefaults[inboxBatchArgs]
	e *Inbox
}

func (w *inboxBatchWorker) Work(ctx context.Context, job *river.Job[inboxBatchArgs]) error {
	e := w.e
	e.busy.Add(1)
	defer e.busy.Add(-1)
	var retries []river.InsertManyParams
	for _, item := range job.Args.Items {
		if err := e.processReceived(ctx, item, false); err != nil {
			if ctx.Err() != nil {
				return err // out of time: the batch runs again
			}
			var cancel *river.JobCancelError
			if errors.As(err, &cancel) {
				e.Log.WarnContext(ctx, "activity not processed", "err", err)
				continue
			}
			item.Retried = 1
			item.LastError = err.Error()
			if len(item.LastError) > 500 {
				item.LastError = item.LastError[:500]
			}
			retries = append(retries, river.InsertManyParams{Args: item, InsertOpts: &river.InsertOpts{
				Queue: node.QueueInbox, MaxAttempts: inboxMaxAttempts - 1, ScheduledAt: time.Now().Add(inboxFirstRetry),
			}})
		}
	}
	return e.Queue.InsertMany(ctx, retries)
}

// Processing is tried inboxMaxAttempts times in all, on River's schedule
// after the first retry (which waits inboxFirstRetry).
const (
	inboxMaxAttempts = 8
	inboxFirstRetry  = 10 * time.Second
)

// processReceived processes one received activity; last says whether no
// attempt follows. A drop (the node does not act on it) is not an error.
func (e *Inbox) processReceived(ctx context.Context, args inboxArgs, last bool) error {
	act, ok := e.caches.parsed.Get(args.ID)
	if ok {
		e.caches.parsed.Remove(args.ID) // a later attempt parses again
	} else {
		var err error
		if act, err = vocab.ParseActivity(ctx, []byte(args.Body)); err != nil {
			// It parsed when it arrived; a change of parser must not loop.
			return river.JobCancel(fmt.Errorf("reparse activity: %w", err))
		}
	}
	err := e.process(ctx, act, args.Group)
	if err != nil && cannotSucceed(err) {
		// What the activity names cannot be had, and never will: retrying
		// for hours would only load the remote server.
		err = &community.Dropped{Reason: err.Error()}
	}
	var drop *community.Dropped
	reason := ""
	if errors.As(err, &drop) {
		e.Log.InfoContext(ctx, "activity dropped", "id", act.ID, "type", act.Type, "actor", act.Actor, "reason", drop.Reason)
		reason, err = drop.Reason, nil
	}
	if last || err == nil {
		e.processed(Processed{ActivityID: act.ID, Type: act.Type, Err: err, Dropped: reason})
	}
	if err != nil {
		return fmt.Errorf("process %s %s: %w", act.Type, act.ID, err)
	}
	return nil
}

// cannotSucceed tells whether processing failed for a reason a retry
// cannot change: a fetch refused with a 4xx (other than 408 and 429), a
// redirect loop, a document too large or not valid, a forbidden address,
// an actor that is gone. Timeouts, 5xx and database errors are retried.
func cannotSucceed(err error) bool {
	var se *transport.StatusError
	return errors.As(err, &se) && se.Permanent() ||
		errors.Is(err, transport.ErrTooLarge) || errors.Is(err, transport.ErrTooManyRedirects) ||
		errors.Is(err, transport.ErrInvalidURL) || errors.Is(err, transport.ErrForbiddenAddress) ||
		errors.Is(err, vocab.ErrInvalid) || errors.Is(err, actors.ErrActorGone) || errors.Is(err, actors.ErrKeyNotOwned)
}

package federation

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/riverqueue/river"

	"github.com/kith-social/kith/federation/httpsig"
	"github.com/kith-social/kith/federation/transport"
	"github.com/kith-social/kith/federation/vocab"
	"github.com/kith-social/kith/storage"
)

// MaxInboxBody is the largest activity the inbox reads.
const MaxInboxBody = 1 << 20

// Error is a refusal the web layer turns into a status code; Reason is
// written to the sender, so it says what was wrong.
type Error struct {
	Status int
	Reason string
	Err    error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%d %s: %v", e.Status, e.Reason, e.Err)
	}
	return fmt.Sprintf("%d %s", e.Status, e.Reason)
}

func (e *Error) Unwrap() error { return e.Err }

func refuse(status int, reason string, err error) *Error {
	return &Error{Status: status, Reason: reason, Err: err}
}

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
	return river.InsertOpts{Queue: queueInbox, MaxAttempts: inboxMaxAttempts}
}

// receive handles a POST to a group's inbox (groupName set) or to the
// shared inbox (Receive in observe.go counts the outcome): read at most
// 1 MiB, parse, verify the HTTP signature and that its key belongs to the activity's actor, record the activity id
// and queue its processing — all before answering, so a 202 means the
// activity is safe. Refusals are *Error with a 4xx status; cheap checks
// come before any database work or signature verification.
func (e *Engine) receive(ctx context.Context, r *http.Request, groupName string) error {
	if r.Header.Get("Signature") == "" && r.Header.Get("Authorization") == "" {
		return refuse(http.StatusUnauthorized, "request is not signed", httpsig.ErrMissingSignature)
	}
	if r.ContentLength > MaxInboxBody {
		return refuse(http.StatusRequestEntityTooLarge, "activity larger than 1 MiB", nil)
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, MaxInboxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return refuse(http.StatusRequestEntityTooLarge, "activity larger than 1 MiB", err)
		}
		return refuse(http.StatusBadRequest, "could not read the body", err)
	}
	act, err := vocab.ParseActivity(ctx, body)
	if err != nil {
		return refuse(http.StatusBadRequest, "not a valid activity", err)
	}
	if e.iri.Owns(act.Actor) {
		return refuse(http.StatusBadRequest, "the actor is local", nil)
	}
	if blocked, err := e.isBlocked(ctx, hostOf(act.Actor)); err != nil {
		return err
	} else if blocked {
		return refuse(http.StatusForbidden, "this server is blocked here", nil)
	}
	if groupName != "" {
		if ok, err := e.groupExists(ctx, groupName); err != nil {
			return err
		} else if !ok {
			return refuse(http.StatusNotFound, "no such group", nil)
		}
	}
	if act.Type == "Delete" && act.Object != nil && act.Object.ID == act.Actor {
		// An account deletion: its key usually cannot be fetched any more
		// (410). Verify against the cached key if we know the actor; if we
		// do not, the deletion concerns nothing here.
		if _, err := storage.RemoteActorByIRI(ctx, e.reads, act.Actor); errors.Is(err, storage.ErrNotFound) {
			return nil
		}
	}
	key, err := httpsig.Verify(ctx, r, body, e, e.now())
	var se *storageError
	if errors.As(err, &se) {
		return err // the key could not be stored: not the sender's fault
	}
	if err != nil {
		return refuse(http.StatusUnauthorized, "HTTP signature not valid", err)
	}
	if key.Owner != act.Actor {
		return refuse(http.StatusUnauthorized, "signed by "+key.Owner+", but the actor is "+act.Actor, nil)
	}
	if changesMembership(act) { // applied before the answer (ordered.go)
		return e.applyNow(ctx, act, groupName)
	}
	// A repeated delivery is accepted with no second effect.
	return e.accepts.accept(ctx, act, inboxArgs{ID: act.ID, Body: string(body), Group: groupName})
}

// inboxWorker processes one received activity.
type inboxWorker struct {
	river.WorkerDefaults[inboxArgs]
	e *Engine
}

func (w *inboxWorker) Work(ctx context.Context, job *river.Job[inboxArgs]) error {
	w.e.inboxBusy.Add(1)
	defer w.e.inboxBusy.Add(-1)
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
	return river.InsertOpts{Queue: queueInbox, MaxAttempts: 3}
}

// inboxBatchMax bounds the activities of one batch job, so that a burst
// still spreads over several workers.
const inboxBatchMax = 32

type inboxBatchWorker struct {
	river.WorkerDefaults[inboxBatchArgs]
	e *Engine
}

func (w *inboxBatchWorker) Work(ctx context.Context, job *river.Job[inboxBatchArgs]) error {
	e := w.e
	e.inboxBusy.Add(1)
	defer e.inboxBusy.Add(-1)
	var retries []river.InsertManyParams
	for _, item := range job.Args.Items {
		if err := e.processReceived(ctx, item, false); err != nil {
			if ctx.Err() != nil {
				return err // out of time: the batch runs again
			}
			var cancel *river.JobCancelError
			if errors.As(err, &cancel) {
				e.log.WarnContext(ctx, "activity not processed", "err", err)
				continue
			}
			item.Retried = 1
			item.LastError = err.Error()
			if len(item.LastError) > 500 {
				item.LastError = item.LastError[:500]
			}
			retries = append(retries, river.InsertManyParams{Args: item, InsertOpts: &river.InsertOpts{
				Queue: queueInbox, MaxAttempts: inboxMaxAttempts - 1, ScheduledAt: time.Now().Add(inboxFirstRetry),
			}})
		}
	}
	return e.q.InsertMany(ctx, retries)
}

// Processing is tried inboxMaxAttempts times in all, on River's schedule
// after the first retry (which waits inboxFirstRetry).
const (
	inboxMaxAttempts = 8
	inboxFirstRetry  = 10 * time.Second
)

// processReceived processes one received activity; last says whether no
// attempt follows. A drop (the node does not act on it) is not an error.
func (e *Engine) processReceived(ctx context.Context, args inboxArgs, last bool) error {
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
		err = drop("%v", err)
	}
	var drop *dropped
	reason := ""
	if errors.As(err, &drop) {
		e.log.InfoContext(ctx, "activity dropped", "id", act.ID, "type", act.Type, "actor", act.Actor, "reason", drop.reason)
		reason, err = drop.reason, nil
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
		errors.Is(err, vocab.ErrInvalid) || errors.Is(err, ErrActorGone) || errors.Is(err, errKeyNotOwned)
}

// storageError is a database failure on a path whose other errors are
// the sender's (resolving a signature's key): the inbox answers it with
// 503, so the sender retries, instead of 401.
type storageError struct{ err error }

func (e *storageError) Error() string { return "storage: " + e.err.Error() }
func (e *storageError) Unwrap() error { return e.err }

// dropped is an activity the node does not act on, with the reason; it is
// logged, not retried.
type dropped struct{ reason string }

func (d *dropped) Error() string { return "dropped: " + d.reason }

func drop(format string, args ...any) error { return &dropped{reason: fmt.Sprintf(format, args...)} }

// AuthorizeFetch enforces authorized-fetch mode on a GET of an
// ActivityPub document: without the mode every GET is allowed; with it
// the request must carry a valid HTTP signature.
func (e *Engine) AuthorizeFetch(ctx context.Context, r *http.Request) error {
	if !e.authFech {
		return nil
	}
	if _, err := httpsig.Verify(ctx, r, nil, e, e.now()); err != nil {
		return refuse(http.StatusUnauthorized, "this server requires signed requests (authorized fetch)", err)
	}
	return nil
}

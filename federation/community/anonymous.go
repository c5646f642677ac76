package community

// Anonymous posts: where the sender's identity lives, and forgetting it
// so that nothing names the sender afterwards.
//
// The link between an anonymous request and its sender lives in the
// request's row (storage.AnonRequest): the sender (actor_id), the direct
// message it came in (iri), and the notes the group sent the sender about
// it (sent_iris: the thank-you and the outcome). Every other copy the
// intake makes — the received message's id, the inbox job that carried
// its body, those notes in the outbox and their delivery jobs — is found
// through them, and ForgetAnonymous erases all of it in one transaction,
// then (SQLite) checkpoints the WAL so no old page keeps it; the SQLite
// file runs with secure_delete, so deleted bytes are zeroed.

import (
	"context"
	"errors"
	"fmt"
	"html"
	"time"

	"github.com/uptrace/bun"

	"github.com/kith-social/kith/storage"
)

// anonReply sends the sender of an anonymous request a note about it and
// records the note with the request, so forgetting can erase it.
func (e *Moderation) anonReply(ctx context.Context, tx bun.Tx, g *storage.Group, r *storage.AnonRequest, to *storage.RemoteActor, bodyHTML string) error {
	noteID, err := e.directMessage(ctx, tx, g, to, bodyHTML, "")
	if err != nil {
		return err
	}
	return storage.AddAnonSent(ctx, tx, r.ID, noteID)
}

// anonFeedback is feedback (safety.go) on an anonymous request: the
// outcome, when the group sends feedback, recorded with the request.
func (e *Moderation) anonFeedback(ctx context.Context, tx bun.Tx, g *storage.Group, r *storage.AnonRequest, text string) error {
	if !g.FeedbackDMs || r.Actor == nil {
		return nil
	}
	ok, err := storage.FeedbackAllowed(ctx, tx, g.ID, r.Actor.ID, e.Now(), feedbackEvery)
	if err != nil || !ok {
		return err
	}
	return e.anonReply(ctx, tx, g, r, r.Actor, "<p>"+html.EscapeString(text)+"</p>")
}

// ForgetAnonymous erases, once a request is decided, everything that
// links it to its sender (see above); afterwards not even the moderators
// can tell who sent it. storage.ErrBusy: a job that carries part of it is
// running; trying again in a moment succeeds.
//
// A note to the sender that is being delivered right now holds it up: it
// waits for that delivery, up to forgetWait.
func (e *Moderation) ForgetAnonymous(ctx context.Context, requestID string, by Staff) error {
	deadline := time.Now().Add(forgetWait)
	for {
		err := e.forgetAnonymous(ctx, requestID, by)
		if !errors.Is(err, storage.ErrBusy) || time.Now().After(deadline) {
			return err
		}
		t := time.NewTimer(250 * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// forgetWait bounds how long ForgetAnonymous waits for a delivery in
// progress.
const forgetWait = 10 * time.Second

func (e *Moderation) forgetAnonymous(ctx context.Context, requestID string, by Staff) error {
	var dm string
	err := e.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		r, err := storage.AnonRequestByID(ctx, tx, requestID)
		if err != nil {
			return err
		}
		g, err := storage.GroupByID(ctx, tx, r.GroupID)
		if err != nil {
			return err
		}
		dm = r.IRI
		if err := storage.ForgetAnonSender(ctx, tx, r.ID); err != nil {
			return err
		}
		return e.logAction(ctx, tx, g, by, "forget_anonymous", r.ID, "")
	})
	if err != nil {
		return fmt.Errorf("forget the sender of %s: %w", requestID, err)
	}
	if e.hooks.ForgetReceived != nil {
		e.hooks.ForgetReceived(dm) // the inbox's parsed copy of the DM
	}
	if err := storage.TruncateWAL(ctx, e.DB); err != nil {
		// Forgotten in the database; the WAL's old pages are overwritten
		// by later writes or the next checkpoint.
		e.Log.WarnContext(ctx, "checkpoint after forgetting an anonymous sender", "err", err)
	}
	return nil
}

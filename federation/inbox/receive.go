package inbox

import (
	"context"
	"errors"
	"io"
	"net/http"

	"github.com/kith-social/kith/federation/actors"
	"github.com/kith-social/kith/federation/httpsig"
	"github.com/kith-social/kith/federation/node"
	"github.com/kith-social/kith/federation/vocab"
	"github.com/kith-social/kith/storage"
)

// MaxInboxBody is the largest activity the inbox reads.
const MaxInboxBody = 1 << 20

// receive handles a POST to a group's inbox (groupName set) or to the
// shared inbox (Receive in observe.go counts the outcome): read at most
// 1 MiB, parse, verify the HTTP signature and that its key belongs to the
// activity's actor, record the activity id and queue its processing — all
// before answering, so a 202 means the activity is safe. Refusals are
// *node.Error with a 4xx status; cheap checks come before any database
// work or signature verification.
func (e *Inbox) receive(ctx context.Context, r *http.Request, groupName string) error {
	if r.Header.Get("Signature") == "" && r.Header.Get("Authorization") == "" {
		return node.Refuse(http.StatusUnauthorized, "request is not signed", httpsig.ErrMissingSignature)
	}
	if r.ContentLength > MaxInboxBody {
		return node.Refuse(http.StatusRequestEntityTooLarge, "activity larger than 1 MiB", nil)
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, MaxInboxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return node.Refuse(http.StatusRequestEntityTooLarge, "activity larger than 1 MiB", err)
		}
		return node.Refuse(http.StatusBadRequest, "could not read the body", err)
	}
	act, err := vocab.ParseActivity(ctx, body)
	if err != nil {
		return node.Refuse(http.StatusBadRequest, "not a valid activity", err)
	}
	if e.IRI.Owns(act.Actor) {
		return node.Refuse(http.StatusBadRequest, "the actor is local", nil)
	}
	if blocked, err := e.actors.IsBlocked(ctx, node.HostOf(act.Actor)); err != nil {
		return err
	} else if blocked {
		return node.Refuse(http.StatusForbidden, "this server is blocked here", nil)
	}
	if groupName != "" {
		if ok, err := e.groupExists(ctx, groupName); err != nil {
			return err
		} else if !ok {
			return node.Refuse(http.StatusNotFound, "no such group", nil)
		}
	}
	if act.Type == "Delete" && act.Object != nil && act.Object.ID == act.Actor {
		// An account deletion: its key usually cannot be fetched any more
		// (410). Verify against the cached key if we know the actor; if we
		// do not, the deletion concerns nothing here.
		if _, err := storage.RemoteActorByIRI(ctx, e.Reads, act.Actor); errors.Is(err, storage.ErrNotFound) {
			return nil
		}
	}
	key, err := httpsig.Verify(ctx, r, body, e.actors, e.Now())
	var se *actors.StorageError
	if errors.As(err, &se) {
		return err // the key could not be stored: not the sender's fault
	}
	if err != nil {
		return node.Refuse(http.StatusUnauthorized, "HTTP signature not valid", err)
	}
	if key.Owner != act.Actor {
		return node.Refuse(http.StatusUnauthorized, "signed by "+key.Owner+", but the actor is "+act.Actor, nil)
	}
	if limit := e.signerLimit.Load(); limit != nil {
		if err := (*limit)(ctx, node.HostOf(key.Owner)); err != nil {
			return err
		}
	}
	if changesMembership(act) { // applied before the answer (ordered.go)
		return e.applyNow(ctx, act, groupName)
	}
	// A repeated delivery is accepted with no second effect.
	return e.accepts.accept(ctx, act, inboxArgs{ID: act.ID, Body: string(body), Group: groupName})
}

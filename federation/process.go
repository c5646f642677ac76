package federation

import (
	"context"
	"errors"
	"fmt"

	"github.com/uptrace/bun"

	"github.com/kith-social/kith/federation/vocab"
	"github.com/kith-social/kith/storage"
)

// process applies one authenticated activity. groupName is the group
// whose inbox it came to ("" for the shared inbox); the activity's own
// addressing decides which groups it concerns.
func (e *Engine) process(ctx context.Context, act *vocab.Activity, groupName string) error {
	if host := hostOf(act.Actor); host != "" {
		// Hearing from a server proves it is up again.
		if err := e.markAlive(ctx, host); err != nil {
			return err
		}
	}
	switch act.Type {
	case "Follow":
		return e.onFollow(ctx, act)
	case "Undo":
		return e.onUndo(ctx, act)
	case "Create":
		return e.onCreate(ctx, act)
	case "Update":
		return e.onUpdate(ctx, act)
	case "Delete":
		return e.onDelete(ctx, act)
	case "Like", "Dislike":
		return e.onReaction(ctx, act)
	case "Flag":
		return e.onFlag(ctx, act)
	case "Join", "Leave": // RSVP to an event (event.go)
		return e.onJoinOrLeave(ctx, act)
	case "Accept", "Reject":
		return drop("groups do not follow anyone, so there is nothing to accept")
	default:
		return drop("%s is not handled", act.Type)
	}
}

// targetGroup returns the local group an IRI names, or ErrNotFound.
func (e *Engine) targetGroup(ctx context.Context, db bun.IDB, id string) (*storage.Group, error) {
	name, ok := e.iri.IsGroup(id)
	if !ok {
		return nil, fmt.Errorf("%s is not a group here: %w", id, storage.ErrNotFound)
	}
	return storage.GroupByName(ctx, db, name)
}

// onUndo dispatches on what is undone. Misskey's Undo{Follow} embeds a
// Follow whose id differs from the one it sent: unfollows are matched by
// actor and object, never by the Follow's id.
func (e *Engine) onUndo(ctx context.Context, act *vocab.Activity) error {
	inner := act.Object
	if inner == nil {
		return drop("Undo without an object")
	}
	if inner.Embedded && inner.Actor != "" && inner.Actor != act.Actor {
		return drop("Undo of an activity by someone else (%s)", inner.Actor)
	}
	switch inner.Type {
	case "Follow":
		if inner.Object == nil {
			return drop("Undo{Follow} without the followed object")
		}
		return e.onUnfollow(ctx, act.Actor, inner.Object.ID)
	case "Like", "Dislike":
		return e.onUndoReaction(ctx, act, inner)
	case "Join": // leaving an event (event.go)
		return e.onLeave(ctx, act.Actor, inner)
	case "":
		// Only the id was given: it may be a Like we counted.
		return e.onUndoReaction(ctx, act, inner)
	default:
		return drop("Undo of %s is not handled", inner.Type)
	}
}

// isNotFound tells whether err is a storage miss.
func isNotFound(err error) bool { return errors.Is(err, storage.ErrNotFound) }

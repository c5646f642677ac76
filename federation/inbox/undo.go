package inbox

import (
	"context"

	"github.com/kith-social/kith/federation/vocab"
)

// undo dispatches on what is undone. Misskey's Undo{Follow} embeds a
// Follow whose id differs from the one it sent: unfollows are matched by
// actor and object, never by the Follow's id.
func (e *Inbox) undo(ctx context.Context, act *vocab.Activity) error {
	inner := act.Object
	if inner == nil {
		return dropf("Undo without an object")
	}
	if inner.Embedded && inner.Actor != "" && inner.Actor != act.Actor {
		return dropf("Undo of an activity by someone else (%s)", inner.Actor)
	}
	switch inner.Type {
	case "Follow":
		if inner.Object == nil {
			return dropf("Undo{Follow} without the followed object")
		}
		return e.unfollow(ctx, act.Actor, inner.Object.ID)
	case "Like", "Dislike":
		return e.unlike(ctx, act, inner)
	case "Join":
		return e.leave(ctx, act.Actor, inner)
	case "":
		// Only the id was given: it may be a Like we counted.
		return e.unlike(ctx, act, inner)
	default:
		return dropf("Undo of %s is not handled", inner.Type)
	}
}

package inbox

import (
	"context"

	"github.com/kith-social/kith/federation/vocab"
)

// like: a Like or Dislike of a group post, counted by the community
// (community/posting.go).
func (e *Inbox) like(ctx context.Context, act *vocab.Activity) error {
	return e.com.Posting.OnReaction(ctx, act)
}

// unlike (Undo{Like}, Undo{Dislike}, or an Undo naming only an id): the
// reaction is no longer counted.
func (e *Inbox) unlike(ctx context.Context, act *vocab.Activity, inner *vocab.Object) error {
	return e.com.Posting.OnUndoReaction(ctx, act, inner)
}

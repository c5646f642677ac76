package inbox

import (
	"context"

	"github.com/kith-social/kith/federation/vocab"
)

// rsvp: a Join or Leave of a group event (community/event.go).
func (e *Inbox) rsvp(ctx context.Context, act *vocab.Activity) error {
	return e.com.Events.OnJoinOrLeave(ctx, act)
}

// leave (Undo{Join}): no longer attending an event.
func (e *Inbox) leave(ctx context.Context, actor string, inner *vocab.Object) error {
	return e.com.Events.OnLeave(ctx, actor, inner)
}

package inbox

import (
	"context"

	"github.com/kith-social/kith/federation/vocab"
)

// follow: a request to join a group. The community accepts it, asks the
// join questions of a closed group or queues it for review, or rejects a
// banned actor (community/membership.go).
func (e *Inbox) follow(ctx context.Context, act *vocab.Activity) error {
	return e.com.Membership.OnFollow(ctx, act)
}

// unfollow (Undo{Follow}): the member leaves the group. Misskey's
// Undo{Follow} embeds a Follow whose id differs from the one it sent, so
// the follow is matched by actor and group, never by its id.
func (e *Inbox) unfollow(ctx context.Context, actor, group string) error {
	return e.com.Membership.OnUnfollow(ctx, actor, group)
}

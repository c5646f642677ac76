package inbox

import (
	"context"

	"github.com/kith-social/kith/federation/vocab"
)

// flag: a report sent by another server, stored for the group's
// moderators (community/moderation.go).
func (e *Inbox) flag(ctx context.Context, act *vocab.Activity) error {
	return e.com.Moderation.OnFlag(ctx, act)
}

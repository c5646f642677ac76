package inbox

import (
	"context"

	"github.com/kith-social/kith/federation/vocab"
)

// update: an edited post, or a changed profile. The community stores
// the new version and announces it again (community/posting.go).
func (e *Inbox) update(ctx context.Context, act *vocab.Activity) error {
	return e.com.Posting.OnUpdate(ctx, act)
}

package inbox

import (
	"context"

	"github.com/kith-social/kith/federation/vocab"
)

// delete: a post or an account deleted by its author. The community
// retracts the post (or everything the account posted) and undoes the
// group's announces (community/posting.go, membership.go).
func (e *Inbox) delete(ctx context.Context, act *vocab.Activity) error {
	return e.com.Posting.OnDelete(ctx, act)
}

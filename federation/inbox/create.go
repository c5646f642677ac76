package inbox

import (
	"context"

	"github.com/kith-social/kith/federation/vocab"
)

// create: a post (or reply, a vote, a direct message) addressed to a
// group. The community applies the posting policy — membership, review,
// keyword and mention screening, members-only — stores it and, if it is
// published, announces it to the members (community/posting.go).
func (e *Inbox) create(ctx context.Context, act *vocab.Activity) error {
	return e.com.Posting.OnCreate(ctx, act)
}

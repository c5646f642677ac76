package inbox

import (
	"context"

	"github.com/kith-social/kith/federation/vocab"
)

// move: a member's account moved to a new one (Move{object: itself,
// target: the new account}). The community checks that the new account
// names the old one in alsoKnownAs and hands it the memberships
// (community/move.go).
func (e *Inbox) move(ctx context.Context, act *vocab.Activity) error {
	return e.com.Membership.OnMove(ctx, act)
}

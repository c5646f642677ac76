package inbox

// The order of a member's activities.
//
// Accepted activities are processed by a pool of inbox workers, in any
// order. For most that is harmless, but not for those that change who the
// group's deliveries go to: an Undo{Follow} answered 202 and queued could
// be applied after a post that arrived later had been announced, and the
// server that had just left still received the Announce. So activities
// that change membership are applied in the request, before it is
// answered: once the sender has its 202 the change has taken effect, and
// everything accepted after it is processed — and its fan-out reads the
// members — after it. The member-inbox cache cannot bring an older list
// back (federation/outbox/membercache.go).
//
// Processing a Follow in the request costs little more than queueing it:
// the follower's actor was fetched to verify the signature, and the
// transaction is shared with concurrent callers (tune.GroupCommit). A
// failure that a retry may cure answers 503, so the sender tries again
// later; nothing is accepted that was not applied.

import (
	"context"
	"errors"
	"fmt"

	"github.com/uptrace/bun"

	"github.com/kith-social/kith/federation/community"
	"github.com/kith-social/kith/federation/vocab"
	"github.com/kith-social/kith/storage"
)

// changesMembership tells whether act is applied in the request: Follow,
// Undo{Follow}, Block, the Delete of an actor (it leaves every group), and
// Accept/Reject (groups follow no one, so these are dropped, at once).
// Moderators' decisions on follow requests and bans are made in their own
// requests already.
func changesMembership(act *vocab.Activity) bool {
	switch act.Type {
	case "Follow", "Block", "Accept", "Reject":
		return true
	case "Undo":
		return act.Object != nil && act.Object.Type == "Follow"
	case "Delete":
		return act.Object != nil && act.Object.ID == act.Actor
	}
	return false
}

// applyNow processes an authenticated activity that changes membership
// before the request is answered, then records its id so a repeated
// delivery has no second effect. A repeated one (already recorded) is
// accepted as it is.
func (e *Inbox) applyNow(ctx context.Context, act *vocab.Activity, group string) error {
	seen, err := storage.ActivityReceived(ctx, e.Reads, act.ID)
	if err != nil {
		return err
	}
	if seen {
		return nil
	}
	err = e.process(ctx, act, group)
	if err != nil && cannotSucceed(err) {
		err = &community.Dropped{Reason: err.Error()}
	}
	var d *community.Dropped
	reason := ""
	if errors.As(err, &d) {
		e.Log.InfoContext(ctx, "activity dropped", "id", act.ID, "type", act.Type, "actor", act.Actor, "reason", d.Reason)
		reason, err = d.Reason, nil
	}
	if err != nil {
		// Not wrapped: whatever failed (a lookup that found nothing
		// included) is the node's trouble, answered 503 for a retry.
		return fmt.Errorf("apply %s %s: %v", act.Type, act.ID, err)
	}
	err = e.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		_, err := storage.RecordActivity(ctx, tx, act.ID, e.Now())
		return err
	})
	if err != nil {
		return err
	}
	e.processed(Processed{ActivityID: act.ID, Type: act.Type, Dropped: reason})
	return nil
}

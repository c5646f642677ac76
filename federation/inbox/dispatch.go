package inbox

import (
	"context"
	"errors"
	"fmt"

	"github.com/kith-social/kith/federation/community"
	"github.com/kith-social/kith/federation/node"
	"github.com/kith-social/kith/federation/vocab"
	"github.com/kith-social/kith/storage"
)

// process applies one authenticated activity. groupName is the group
// whose inbox it came to ("" for the shared inbox); the activity's own
// addressing decides which groups it concerns.
func (e *Inbox) process(ctx context.Context, act *vocab.Activity, groupName string) error {
	if host := node.HostOf(act.Actor); host != "" {
		// Hearing from a server proves it is up again.
		if err := e.out.MarkAlive(ctx, host); err != nil {
			return err
		}
	}
	switch act.Type {
	case "Follow":
		return e.follow(ctx, act)
	case "Undo":
		return e.undo(ctx, act)
	case "Create":
		return e.create(ctx, act)
	case "Update":
		return e.update(ctx, act)
	case "Delete":
		return e.delete(ctx, act)
	case "Like", "Dislike":
		return e.like(ctx, act)
	case "Flag":
		return e.flag(ctx, act)
	case "Join", "Leave":
		return e.rsvp(ctx, act)
	case "Move":
		return e.move(ctx, act)
	case "Accept", "Reject":
		return dropf("groups do not follow anyone, so there is nothing to accept")
	default:
		return dropf("%s is not handled", act.Type)
	}
}

// isNotFound tells whether err is a storage miss.
func isNotFound(err error) bool { return errors.Is(err, storage.ErrNotFound) }

func dropf(format string, args ...any) error {
	return &community.Dropped{Reason: fmt.Sprintf(format, args...)}
}

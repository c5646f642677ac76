package inbox

import (
	"context"
	"errors"
	"net/http"

	"github.com/kith-social/kith/federation/httpsig"
	"github.com/kith-social/kith/federation/metrics"
	"github.com/kith-social/kith/federation/node"
	"github.com/kith-social/kith/storage"
)

// Receive handles a POST to a group's inbox (groupName set) or to the
// shared inbox (receive, receive.go) and counts what became of it.
func (e *Inbox) Receive(ctx context.Context, r *http.Request, groupName string) error {
	err := e.receive(ctx, r, groupName)
	if err == nil {
		e.Metrics.InboxAccepted()
	} else {
		e.Metrics.InboxRefused(refusalReason(err))
	}
	return err
}

// refusalReason names why the inbox refused a POST, for
// kith_inbox_refusals_total.
func refusalReason(err error) string {
	var fe *node.Error
	if !errors.As(err, &fe) {
		if errors.Is(err, storage.ErrNotFound) {
			return metrics.RefusedOther
		}
		return metrics.RefusedUnavailable
	}
	switch {
	case errors.Is(fe, httpsig.ErrMissingSignature):
		return metrics.RefusedUnsigned
	case fe.Status == http.StatusTooManyRequests:
		return metrics.RefusedRateLimited
	case fe.Status == http.StatusUnauthorized:
		return metrics.RefusedBadSignature
	case fe.Status == http.StatusRequestEntityTooLarge:
		return metrics.RefusedTooLarge
	case fe.Status == http.StatusForbidden:
		return metrics.RefusedBlockedDomain
	case fe.Status == http.StatusNotFound:
		return metrics.RefusedNoSuchGroup
	case fe.Status >= 500:
		return metrics.RefusedUnavailable
	}
	switch fe.Reason {
	case "not a valid activity":
		return metrics.RefusedBadJSON
	case "could not read the body":
		return metrics.RefusedUnreadable
	case "the actor is local":
		return metrics.RefusedLocalActor
	}
	return metrics.RefusedOther
}

package federation

import (
	"context"
	"errors"
	"net/http"

	"github.com/kith-social/kith/federation/httpsig"
	"github.com/kith-social/kith/federation/metrics"
	"github.com/kith-social/kith/federation/transport"
	"github.com/kith-social/kith/storage"
)

// Receive handles a POST to a group's inbox (groupName set) or to the
// shared inbox (receive, inbox.go) and counts what became of it.
func (e *Engine) Receive(ctx context.Context, r *http.Request, groupName string) error {
	err := e.receive(ctx, r, groupName)
	if err == nil {
		e.metrics.InboxAccepted()
	} else {
		e.metrics.InboxRefused(refusalReason(err))
	}
	return err
}

// refusalReason names why the inbox refused a POST, for
// kith_inbox_refusals_total.
func refusalReason(err error) string {
	var fe *Error
	if !errors.As(err, &fe) {
		if errors.Is(err, storage.ErrNotFound) {
			return metrics.RefusedOther
		}
		return metrics.RefusedUnavailable
	}
	switch {
	case errors.Is(fe, httpsig.ErrMissingSignature):
		return metrics.RefusedUnsigned
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

// observeDelivery counts one attempt to deliver to one inbox: err is its
// result, s the server's health recorded after a failure (nil if unknown),
// last whether no retry follows a failure.
func (e *Engine) observeDelivery(err error, s *storage.Server, last bool) {
	if e.metrics == nil {
		return
	}
	if err == nil {
		e.metrics.Delivery(metrics.Delivered, metrics.HostHealthy)
		return
	}
	class := metrics.HostFailing
	if s != nil && s.Unreachable() {
		class = metrics.HostUnreachable
	}
	var outcome string
	switch {
	case errors.Is(err, transport.ErrGone):
		outcome = metrics.Gone
	case errors.Is(err, transport.ErrInvalidURL), errors.Is(err, transport.ErrForbiddenAddress):
		outcome = metrics.BadInbox
	case isPermanent(err):
		outcome = metrics.Refused
	case last:
		outcome = metrics.GivenUp
	default:
		outcome = metrics.RetryLater
	}
	e.metrics.Delivery(outcome, class)
}

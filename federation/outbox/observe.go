package outbox

import (
	"errors"

	"github.com/kith-social/kith/federation/metrics"
	"github.com/kith-social/kith/federation/transport"
	"github.com/kith-social/kith/storage"
)

// observeDelivery counts one attempt to deliver to one inbox: err is its
// result, s the server's health recorded after a failure (nil if unknown),
// last whether no retry follows a failure.
func (e *Outbox) observeDelivery(err error, s *storage.Server, last bool) {
	if e.Metrics == nil {
		return
	}
	if err == nil {
		e.Metrics.Delivery(metrics.Delivered, metrics.HostHealthy)
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
	e.Metrics.Delivery(outcome, class)
}

package outbox

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/kith-social/kith/federation/metrics"
	"github.com/kith-social/kith/federation/node"
	"github.com/kith-social/kith/federation/transport"
	"github.com/kith-social/kith/storage"
)

// Each delivery result lands under its outcome and host class.
func TestObserveDeliveryOutcomes(t *testing.T) {
	unreachable := &storage.Server{UnreachableSince: time.Now()}
	failing := &storage.Server{Failures: 2}
	for _, tc := range []struct {
		name           string
		err            error
		server         *storage.Server
		last           bool
		outcome, class string
	}{
		{"2xx", nil, nil, false, metrics.Delivered, metrics.HostHealthy},
		{"410", fmt.Errorf("deliver: %w", &transport.StatusError{Code: http.StatusGone}), failing, false, metrics.Gone, metrics.HostFailing},
		{"403", &transport.StatusError{Code: http.StatusForbidden}, failing, false, metrics.Refused, metrics.HostFailing},
		{"404 on the last attempt is still refused", &transport.StatusError{Code: http.StatusNotFound}, failing, true, metrics.Refused, metrics.HostFailing},
		{"forbidden address", fmt.Errorf("post: %w", transport.ErrForbiddenAddress), nil, false, metrics.BadInbox, metrics.HostFailing},
		{"invalid URL", transport.ErrInvalidURL, nil, false, metrics.BadInbox, metrics.HostFailing},
		{"503", &transport.StatusError{Code: http.StatusServiceUnavailable}, failing, false, metrics.RetryLater, metrics.HostFailing},
		{"429", &transport.StatusError{Code: http.StatusTooManyRequests}, failing, false, metrics.RetryLater, metrics.HostFailing},
		{"timeout to a held-back server", context.DeadlineExceeded, unreachable, false, metrics.RetryLater, metrics.HostUnreachable},
		{"503 on the last attempt", &transport.StatusError{Code: http.StatusServiceUnavailable}, unreachable, true, metrics.GivenUp, metrics.HostUnreachable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := &Outbox{Node: &node.Node{Metrics: metrics.New()}}
			e.observeDelivery(tc.err, tc.server, tc.last)
			if got := counter(t, e.Metrics, "kith_deliveries_total", map[string]string{"outcome": tc.outcome, "host_class": tc.class}); got != 1 {
				t.Errorf("kith_deliveries_total{outcome=%q,host_class=%q} = %v, want 1", tc.outcome, tc.class, got)
			}
		})
	}
	(&Outbox{Node: &node.Node{}}).observeDelivery(errors.New("x"), nil, false) // no metrics: nothing, no panic
}

func counter(t *testing.T, m *metrics.Metrics, name string, labels map[string]string) float64 {
	t.Helper()
	fams, err := m.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if f.GetName() != name {
			continue
		}
		for _, mt := range f.GetMetric() {
			if matches(mt, labels) {
				return mt.GetCounter().GetValue()
			}
		}
	}
	return -1
}

func matches(m *dto.Metric, labels map[string]string) bool {
	n := 0
	for _, lp := range m.GetLabel() {
		if v, ok := labels[lp.GetName()]; ok && v == lp.GetValue() {
			n++
		}
	}
	return n == len(labels)
}

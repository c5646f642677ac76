package federation

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/kith-social/kith/federation/httpsig"
	"github.com/kith-social/kith/federation/metrics"
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
			e := &Engine{metrics: metrics.New()}
			e.observeDelivery(tc.err, tc.server, tc.last)
			if got := counter(t, e.metrics, "kith_deliveries_total", map[string]string{"outcome": tc.outcome, "host_class": tc.class}); got != 1 {
				t.Errorf("kith_deliveries_total{outcome=%q,host_class=%q} = %v, want 1", tc.outcome, tc.class, got)
			}
		})
	}
	(&Engine{}).observeDelivery(errors.New("x"), nil, false) // no metrics: nothing, no panic
}

// Every refusal the inbox makes maps to a reason of its own.
func TestRefusalReason(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{refuse(http.StatusUnauthorized, "request is not signed", httpsig.ErrMissingSignature), metrics.RefusedUnsigned},
		{refuse(http.StatusUnauthorized, "HTTP signature not valid", errors.New("bad")), metrics.RefusedBadSignature},
		{refuse(http.StatusUnauthorized, "signed by a, but the actor is b", nil), metrics.RefusedBadSignature},
		{refuse(http.StatusRequestEntityTooLarge, "activity larger than 1 MiB", nil), metrics.RefusedTooLarge},
		{refuse(http.StatusBadRequest, "not a valid activity", errors.New("json")), metrics.RefusedBadJSON},
		{refuse(http.StatusBadRequest, "could not read the body", errors.New("eof")), metrics.RefusedUnreadable},
		{refuse(http.StatusBadRequest, "the actor is local", nil), metrics.RefusedLocalActor},
		{refuse(http.StatusForbidden, "this server is blocked here", nil), metrics.RefusedBlockedDomain},
		{refuse(http.StatusNotFound, "no such group", nil), metrics.RefusedNoSuchGroup},
		{refuse(http.StatusBadRequest, "something new", nil), metrics.RefusedOther},
		{fmt.Errorf("group: %w", storage.ErrNotFound), metrics.RefusedOther},
		{errors.New("database is locked"), metrics.RefusedUnavailable},
	} {
		if got := refusalReason(tc.err); got != tc.want {
			t.Errorf("refusalReason(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
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

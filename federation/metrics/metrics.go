// Package metrics holds the node's Prometheus metrics: one registry per
// node (never the library's global one), with the Go runtime and process
// collectors, and the counters the federation engine and the web layer
// record into. It is a leaf: federation and web both import it, it
// imports neither.
//
// Every method works on a nil *Metrics and records nothing, so code paths
// that run without a metrics listener (the CLI, most tests) need no
// recorder.
//
// Labels take values from small fixed sets (outcomes, reasons, route
// patterns, status classes), never a host name, a path or an IRI, so the
// number of series stays bounded whatever the fediverse sends.
package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Delivery outcomes (label "outcome" of kith_deliveries_total).
const (
	Delivered  = "delivered"    // the inbox answered 2xx
	RetryLater = "failed_retry" // failed (5xx, timeout, refused connection, 408/429): retried on the schedule
	GivenUp    = "given_up"     // failed on its last attempt: not retried again
	Gone       = "gone"         // 410: the inbox or actor is gone for good
	Refused    = "refused"      // another 4xx (401, 403, 404…): never retried
	BadInbox   = "bad_inbox"    // the inbox URL is invalid or points at a forbidden address (SSRF guard)
)

// Host classes (label "host_class"): the receiving server's delivery
// health as recorded after the attempt.
const (
	HostHealthy     = "healthy"     // it answered
	HostFailing     = "failing"     // it failed, not (yet) long enough to be held back
	HostUnreachable = "unreachable" // it has failed long enough that deliveries to it are held back
)

// Inbox refusal reasons (label "reason" of kith_inbox_refusals_total).
const (
	RefusedUnsigned      = "unsigned"       // no Signature or Authorization header
	RefusedBadSignature  = "bad_signature"  // the signature does not verify, or its key is not the actor's
	RefusedTooLarge      = "too_large"      // larger than the inbox reads
	RefusedBadJSON       = "bad_json"       // not JSON, or not an activity the parser accepts
	RefusedUnreadable    = "unreadable"     // the body could not be read
	RefusedLocalActor    = "local_actor"    // claims to come from one of our own actors
	RefusedBlockedDomain = "blocked_domain" // the actor's server is blocked here
	RefusedNoSuchGroup   = "no_such_group"  // POSTed to the inbox of a group that does not exist
	RefusedRateLimited   = "rate_limited"   // the sending IP posted more than its share a minute
	RefusedOther         = "other"          // another 4xx
	RefusedUnavailable   = "unavailable"    // not the sender's fault: the activity could not be stored (503)
)

// Metrics is one node's registry and the metrics recorded into it.
type Metrics struct {
	// Registry holds every metric of the node; the web layer adds its
	// collectors of the database and the job queue to it.
	Registry *prometheus.Registry

	deliveries    *prometheus.CounterVec
	inboxAccepted prometheus.Counter
	inboxRefused  *prometheus.CounterVec
	requests      *prometheus.HistogramVec
}

// New builds a registry with the Go runtime and process collectors and
// Kith's own metrics.
func New() *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kith_deliveries_total",
			Help: "Attempts to deliver an activity to one inbox, by outcome and by the receiving server's health after the attempt.",
		}, []string{"outcome", "host_class"}),
		inboxAccepted: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "kith_inbox_accepted_total",
			Help: "Activities POSTed to an inbox and accepted (202), repeats included.",
		}),
		inboxRefused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kith_inbox_refusals_total",
			Help: "Inbox POSTs refused, by reason.",
		}, []string{"reason"}),
		requests: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "kith_http_request_duration_seconds",
			Help:    "Time to answer HTTP requests, by route pattern (never the raw path) and status class.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"method", "route", "status"}),
	}
	m.Registry.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.deliveries, m.inboxAccepted, m.inboxRefused, m.requests,
	)
	// Start every fixed series at zero, so that a rate() sees the first
	// event and a dashboard lists each outcome and reason before it happens.
	m.deliveries.WithLabelValues(Delivered, HostHealthy)
	for _, o := range []string{RetryLater, GivenUp, Gone, Refused, BadInbox} {
		for _, c := range []string{HostFailing, HostUnreachable} {
			m.deliveries.WithLabelValues(o, c)
		}
	}
	for _, r := range []string{RefusedUnsigned, RefusedBadSignature, RefusedTooLarge, RefusedBadJSON, RefusedUnreadable,
		RefusedLocalActor, RefusedBlockedDomain, RefusedNoSuchGroup, RefusedRateLimited, RefusedOther, RefusedUnavailable} {
		m.inboxRefused.WithLabelValues(r)
	}
	return m
}

// Delivery counts one attempt to deliver to one inbox.
func (m *Metrics) Delivery(outcome, hostClass string) {
	if m == nil {
		return
	}
	m.deliveries.WithLabelValues(outcome, hostClass).Inc()
}

// InboxAccepted counts an activity accepted by an inbox.
func (m *Metrics) InboxAccepted() {
	if m == nil {
		return
	}
	m.inboxAccepted.Inc()
}

// InboxRefused counts an inbox POST refused for reason.
func (m *Metrics) InboxRefused(reason string) {
	if m == nil {
		return
	}
	m.inboxRefused.WithLabelValues(reason).Inc()
}

// Request observes an answered HTTP request. route is the router's
// pattern ("/groups/{name}/inbox"), "" for a request no route matched.
func (m *Metrics) Request(method, route string, status int, took time.Duration) {
	if m == nil {
		return
	}
	if route == "" {
		route = "unmatched"
	}
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
	default:
		method = "other" // the method is the client's to choose: keep the label set small
	}
	m.requests.WithLabelValues(method, route, StatusClass(status)).Observe(took.Seconds())
}

// StatusClass is "2xx", "3xx", "4xx" or "5xx" ("other" outside 100–599).
func StatusClass(status int) string {
	if status < 100 || status > 599 {
		return "other"
	}
	return strconv.Itoa(status/100) + "xx"
}

// Handler serves the registry in Prometheus's exposition format. A
// collector that fails (the database is down) is reported in the answer
// and to log, and the other metrics are still served.
func (m *Metrics) Handler(log promhttp.Logger) http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{
		ErrorLog:      log,
		ErrorHandling: promhttp.ContinueOnError,
		Registry:      m.Registry, // promhttp's own counters of scrapes
		Timeout:       10 * time.Second,
	})
}

package web_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/kith-social/kith/federation/fedtest"
	"github.com/kith-social/kith/federation/httpsig"
	"github.com/kith-social/kith/federation/metrics"
	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/web/webtest"
)

// metricValue is the value of the series name{labels} in the node's
// registry (0 when it does not exist).
func metricValue(t testing.TB, n *webtest.Node, name string, labels map[string]string) float64 {
	t.Helper()
	fams, err := n.Metrics.Registry.Gather()
	if err != nil {
		t.Fatalf("gather metrics: %v", err)
	}
	for _, f := range fams {
		if f.GetName() != name {
			continue
		}
	next:
		for _, m := range f.GetMetric() {
			got := map[string]string{}
			for _, lp := range m.GetLabel() {
				got[lp.GetName()] = lp.GetValue()
			}
			for k, v := range labels {
				if got[k] != v {
					continue next
				}
			}
			return value(m)
		}
	}
	return 0
}

func value(m *dto.Metric) float64 {
	switch {
	case m.Counter != nil:
		return m.Counter.GetValue()
	case m.Gauge != nil:
		return m.Gauge.GetValue()
	case m.Histogram != nil:
		return float64(m.Histogram.GetSampleCount())
	}
	return 0
}

// scrape GETs the metrics listener's handler as Prometheus would.
func scrape(t testing.TB, n *webtest.Node) string {
	t.Helper()
	srv := httptest.NewServer(n.Metrics.Handler(nil))
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("scrape: %d\n%s", resp.StatusCode, b)
	}
	return string(b)
}

// The public handler has no /metrics; the metrics listener serves the
// node's series: the job queue, the database pools, group commit, request
// latency by route pattern, deliveries by outcome, the Go runtime and the
// process.
func TestMetricsListener(t *testing.T) {
	t.Parallel()
	webtest.Each(t, func(t *testing.T, s *webtest.Scenario) {
		n, group := s.Node, s.GroupIRI
		c := n.Net.HTTPClient()
		for _, path := range []string{"/metrics", "/metrics/"} {
			resp, err := c.Get(n.URL(path))
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusNotFound || strings.Contains(string(body), "kith_") {
				t.Errorf("public GET %s: %d, want 404 without metrics\n%s", path, resp.StatusCode, body)
			}
		}

		masto, alice := s.Masto, s.Alice()
		send(t, alice, group, alice.Follow(group))
		masto.WaitFor(t, func(d fedtest.Delivery) bool { return d.Type() == "Accept" }, wait)
		webtest.Eventually(t, "the Accept counted as delivered", func() bool {
			return metricValue(t, n, "kith_deliveries_total", map[string]string{"outcome": metrics.Delivered, "host_class": metrics.HostHealthy}) == 1
		})
		if v := metricValue(t, n, "kith_inbox_accepted_total", nil); v != 1 {
			t.Errorf("kith_inbox_accepted_total = %v, want 1", v)
		}
		// Once the follow and the Accept's delivery are done (River
		// records completions a moment later), no job is listed.
		webtest.Eventually(t, "the queue empty in the metrics", func() bool {
			body := scrape(t, n)
			return !strings.Contains(body, `kith_jobs{kind="inbox"`) && !strings.Contains(body, `kith_jobs{kind="deliver"`)
		})

		body := scrape(t, n)
		want := []string{
			`kith_db_connections{pool="writer",state="in_use"}`,
			`kith_db_wait_seconds_total{pool="writer"}`,
			`kith_db_transaction_calls_total `,
			`kith_db_transactions_total `,
			`kith_deliveries_total{host_class="healthy",outcome="delivered"} 1`,
			`kith_inbox_refusals_total{reason="bad_signature"} 0`,
			`kith_http_request_duration_seconds_count{method="GET",route="unmatched",status="4xx"} 2`,
			`kith_http_request_duration_seconds_bucket{method="POST",route="/inbox",status="2xx",le="+Inf"} 1`,
			"go_goroutines ",
			"process_cpu_seconds_total ",
		}
		if !storage.IsPostgres(n.DB) {
			want = append(want, `kith_db_waits_total{pool="reads"}`) // SQLite's read pool
		}
		for _, w := range want {
			if !strings.Contains(body, w) {
				t.Errorf("metrics lack %s", w)
			}
		}
		if t.Failed() {
			t.Logf("metrics:\n%s", body)
		}
		if strings.Contains(body, `route="/groups/`+s.Group.Name) {
			t.Errorf("a raw path became a label:\n%s", body)
		}
	})
}

// kith_queue_depth shows jobs waiting for a worker, by kind.
func TestMetricsQueueDepth(t *testing.T) {
	t.Parallel()
	webtest.EachWith(t, webtest.ScenarioOptions{NoGroup: true}, func(t *testing.T, s *webtest.Scenario) {
		n := s.Node
		// A job of a kind no worker runs stays available.
		if _, err := n.DB.ExecContext(context.Background(), `INSERT INTO river_job (args, kind, max_attempts, priority, queue, state, scheduled_at, created_at, metadata)
				VALUES ('{}', 'metrics_probe', 1, 1, 'nobody', 'available', ?, ?, '{}')`, time.Now().UTC(), time.Now().UTC()); err != nil {
			t.Fatalf("insert a job: %v", err)
		}
		if v := metricValue(t, n, "kith_queue_depth", map[string]string{"kind": "metrics_probe"}); v != 1 {
			t.Errorf("kith_queue_depth{kind=metrics_probe} = %v, want 1\n%s", v, scrape(t, n))
		}
	})
}

// Each kind of inbox refusal is counted under its reason, and each kind of
// failed delivery under its outcome.
func TestMetricsInboxRefusalsAndDeliveryOutcomes(t *testing.T) {
	t.Parallel()
	webtest.Each(t, func(t *testing.T, s *webtest.Scenario) {
		n, group := s.Node, s.GroupIRI
		c := n.Net.HTTPClient()
		alice := s.Alice()
		key := alice.Key()
		if err := storage.CreateDomainBlock(context.Background(), n.DB, time.Now(), &storage.DomainBlock{Domain: "blocked.test"}); err != nil {
			t.Fatal(err)
		}
		blocked := n.Net.NewInstance("blocked.test", fedtest.Mastodon).NewActor("eve")
		eveKey := blocked.Key()
		marshal := func(v any) []byte {
			b, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
		follow := marshal(alice.Follow(group))
		local := alice.Follow(group)
		local["actor"] = group
		for _, tc := range []struct {
			reason string
			url    string
			body   []byte
			key    *httpsig.Key
			mutate func(*http.Request)
		}{
			{reason: metrics.RefusedUnsigned, body: follow},
			{reason: metrics.RefusedBadSignature, body: follow, key: &key, mutate: corruptSignature},
			{reason: metrics.RefusedTooLarge, body: marshal(map[string]any{"content": strings.Repeat("a", 1<<20)}), key: &key},
			{reason: metrics.RefusedBadJSON, body: []byte(`{"type":"Follow","actor":`), key: &key},
			{reason: metrics.RefusedLocalActor, body: marshal(local), key: &key},
			{reason: metrics.RefusedBlockedDomain, body: marshal(blocked.Follow(group)), key: &eveKey},
			{reason: metrics.RefusedNoSuchGroup, url: n.URL("/groups/nobody/inbox"), body: follow, key: &key},
		} {
			url := tc.url
			if url == "" {
				url = n.URL("/inbox")
			}
			before := metricValue(t, n, "kith_inbox_refusals_total", map[string]string{"reason": tc.reason})
			status, answer := postSigned(t, c, url, tc.body, tc.key, time.Now(), tc.mutate)
			if status < 400 {
				t.Fatalf("%s: status %d (%s)", tc.reason, status, answer)
			}
			if after := metricValue(t, n, "kith_inbox_refusals_total", map[string]string{"reason": tc.reason}); after != before+1 {
				t.Errorf("%s (status %d, %s): counter %v → %v, want +1", tc.reason, status, answer, before, after)
			}
		}

		// Deliveries: the Accept of a follow, to servers answering 410,
		// 403 and 503.
		for _, tc := range []struct {
			host    string
			status  int
			outcome string
		}{
			{"gone.test", http.StatusGone, metrics.Gone},
			{"refusing.test", http.StatusForbidden, metrics.Refused},
			{"down.test", http.StatusServiceUnavailable, metrics.RetryLater},
		} {
			inst := n.Net.NewInstance(tc.host, fedtest.Mastodon)
			inst.FailInbox(func(*http.Request) int { return tc.status })
			a := inst.NewActor("bob")
			send(t, a, group, a.Follow(group))
			webtest.Eventually(t, tc.outcome+" counted", func() bool {
				return metricValue(t, n, "kith_deliveries_total", map[string]string{"outcome": tc.outcome, "host_class": metrics.HostFailing}) == 1
			})
		}
	})
}

// The inbox's budgets refuse, and count, a second POST in a minute from
// one signing server (a verified POST counts against its server's budget,
// not its IP's).
func TestMetricsInboxRateLimited(t *testing.T) {
	t.Parallel()
	webtest.EachWith(t, webtest.ScenarioOptions{Options: webtest.Options{InboxPerMinute: 1, InboxPerServerPerMinute: 1}}, func(t *testing.T, s *webtest.Scenario) {
		alice := s.Alice()
		for range 2 {
			resp, err := alice.Send(context.Background(), s.GroupIRI, alice.Follow(s.GroupIRI))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
		}
		if v := metricValue(t, s.Node, "kith_inbox_refusals_total", map[string]string{"reason": metrics.RefusedRateLimited}); v != 1 {
			t.Errorf("rate limited: %v, want 1", v)
		}
	})
}

package metrics

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestStatusClass(t *testing.T) {
	for _, tc := range []struct {
		status int
		want   string
	}{{200, "2xx"}, {202, "2xx"}, {301, "3xx"}, {404, "4xx"}, {429, "4xx"}, {503, "5xx"}, {99, "other"}, {600, "other"}, {0, "other"}} {
		if got := StatusClass(tc.status); got != tc.want {
			t.Errorf("StatusClass(%d) = %q, want %q", tc.status, got, tc.want)
		}
	}
}

// A nil *Metrics records nothing and does not panic: code run without a
// metrics listener passes nil.
func TestNilRecordsNothing(t *testing.T) {
	var m *Metrics
	m.Delivery(Delivered, HostHealthy)
	m.InboxAccepted()
	m.InboxRefused(RefusedBadJSON)
	m.Request("GET", "/", 200, time.Millisecond)
}

// Labels stay within fixed sets whatever clients send: an odd method
// becomes "other", a request no route matched "unmatched".
func TestRequestLabelsBounded(t *testing.T) {
	m := New()
	m.Request("BREW", "", 418, time.Millisecond)
	m.Request("GET", "/groups/{name}", 200, 2*time.Millisecond)
	srv := httptest.NewServer(m.Handler(nil))
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	body := string(b)
	for _, want := range []string{
		`kith_http_request_duration_seconds_count{method="other",route="unmatched",status="4xx"} 1`,
		`kith_http_request_duration_seconds_count{method="GET",route="/groups/{name}",status="2xx"} 1`,
		"go_goroutines ", "go_memstats_heap_alloc_bytes ", "process_resident_memory_bytes ",
		`kith_deliveries_total{host_class="healthy",outcome="delivered"} 0`,
		`kith_inbox_refusals_total{reason="rate_limited"} 0`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if strings.Contains(body, "BREW") {
		t.Error("a client's method became a label value")
	}
	if t.Failed() {
		t.Log(body)
	}
}

// Two nodes in one process (tests, or a future multi-node binary) have
// registries of their own: no global state.
func TestRegistriesAreSeparate(t *testing.T) {
	a, b := New(), New()
	a.InboxAccepted()
	fa, _ := a.Registry.Gather()
	fb, _ := b.Registry.Gather()
	get := func(m *Metrics) float64 {
		fams, err := m.Registry.Gather()
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range fams {
			if f.GetName() == "kith_inbox_accepted_total" {
				return f.GetMetric()[0].GetCounter().GetValue()
			}
		}
		return -1
	}
	if len(fa) == 0 || len(fb) == 0 || get(a) != 1 || get(b) != 0 {
		t.Errorf("accepted: a %v, b %v; want 1 and 0", get(a), get(b))
	}
}

// What recording costs per request and per delivery (docs/operations.md).
func BenchmarkRequest(b *testing.B) {
	m := New()
	for b.Loop() {
		m.Request("POST", "/groups/{name}/inbox", 202, 3*time.Millisecond)
	}
}

func BenchmarkDelivery(b *testing.B) {
	m := New()
	for b.Loop() {
		m.Delivery(Delivered, HostHealthy)
	}
}

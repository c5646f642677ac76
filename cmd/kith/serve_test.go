package main

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// serving is a `kith serve` running in the test.
type serving struct {
	addr, metrics string
	logs          *syncBuffer
	stop          func() int // cancels and returns the exit code
}

func startServe(t *testing.T, args ...string) serving {
	t.Helper()
	return startServeEnv(t, func(string) string { return "" }, args...)
}

// startServeEnv is startServe with an environment (getenv).
func startServeEnv(t *testing.T, getenv func(string) string, args ...string) serving {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	addrc, metricsc := make(chan string, 1), make(chan string, 1)
	logs := &syncBuffer{}
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, append([]string{"serve", "--listen", "127.0.0.1:0"}, args...), env{
			stdin: strings.NewReader(""), stdout: io.Discard, stderr: logs,
			getenv:       getenv,
			ready:        func(a string) { addrc <- a },
			readyMetrics: func(a string) { metricsc <- a },
		})
	}()
	s := serving{logs: logs}
	select {
	case s.addr = <-addrc:
	case code := <-done:
		cancel()
		t.Fatalf("serve exited early with %d: %s", code, logs.String())
	case <-time.After(30 * time.Second):
		cancel()
		t.Fatal("serve did not start")
	}
	select {
	case s.metrics = <-metricsc:
	default: // no --metrics-listen: readyMetrics is told before ready
	}
	stopped := false
	s.stop = func() int {
		stopped = true
		cancel()
		select {
		case code := <-done:
			return code
		case <-time.After(30 * time.Second):
			t.Fatal("serve did not shut down")
			return -1
		}
	}
	t.Cleanup(func() {
		if !stopped {
			s.stop()
		}
	})
	return s
}

func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// --metrics-listen serves the metrics on their own address; the public
// listener never answers /metrics.
func TestServeMetricsListener(t *testing.T) {
	for name, db := range databases(t) {
		t.Run(name, func(t *testing.T) {
			s := startServe(t, append([]string{"--metrics-listen", "127.0.0.1:0"}, db...)...)
			if s.metrics == "" || s.metrics == s.addr {
				t.Fatalf("metrics address %q (public %q)", s.metrics, s.addr)
			}
			if status, body := httpGet(t, "http://"+s.addr+"/metrics"); status != http.StatusNotFound || strings.Contains(body, "kith_") {
				t.Errorf("public /metrics: %d\n%s", status, body)
			}
			status, body := httpGet(t, "http://"+s.metrics+"/metrics")
			if status != http.StatusOK {
				t.Fatalf("metrics listener: %d\n%s", status, body)
			}
			for _, want := range []string{"# TYPE kith_deliveries_total counter", "kith_db_connections{", "kith_db_transactions_total", "go_goroutines", "process_resident_memory_bytes",
				`kith_http_request_duration_seconds_count{method="GET",route="unmatched",status="4xx"} 1`} {
				if !strings.Contains(body, want) {
					t.Errorf("metrics lack %s", want)
				}
			}
			if status, _ := httpGet(t, "http://"+s.metrics+"/healthz"); status != http.StatusNotFound {
				t.Errorf("the metrics listener serves more than /metrics: /healthz %d", status)
			}
			if code := s.stop(); code != exitOK {
				t.Errorf("exit %d:\n%s", code, s.logs.String())
			}
		})
	}
}

// Without --metrics-listen there are no metrics anywhere.
func TestServeWithoutMetrics(t *testing.T) {
	s := startServe(t, "--data", t.TempDir())
	if s.metrics != "" {
		t.Errorf("metrics served on %s without --metrics-listen", s.metrics)
	}
	if status, _ := httpGet(t, "http://"+s.addr+"/metrics"); status != http.StatusNotFound {
		t.Errorf("public /metrics: %d, want 404", status)
	}
}

func TestMetricsListenConfig(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--metrics-listen", "nope"}, "--metrics-listen"},
		{[]string{"--metrics-listen", "127.0.0.1:99999"}, "--metrics-listen: port"},
		{[]string{"--listen", "127.0.0.1:8080", "--metrics-listen", "127.0.0.1:8080"}, "an address of their own"},
	} {
		r := kith(t, "", append([]string{"serve", "--data", t.TempDir()}, tc.args...)...)
		if r.code != exitUsage || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%v: %+v, want exit %d and %q", tc.args, r, exitUsage, tc.want)
		}
	}
}

// The domain serve runs as is stored: later commands without --domain
// print the handles, and mint the IRIs, the fediverse knows.
func TestCommandsUseTheServedDomain(t *testing.T) {
	t.Parallel()
	for name, db := range databases(t) {
		t.Run(name, func(t *testing.T) {
			s := startServe(t, append([]string{"--domain", "groups.test", "--insecure-http"}, db...)...)
			if code := s.stop(); code != exitOK {
				t.Fatalf("serve exit %d:\n%s", code, s.logs.String())
			}
			for _, tc := range []struct {
				args []string
				want string
			}{
				{[]string{"group", "create", "load"}, "created group @load@groups.test"},
				{[]string{"group", "list"}, "@load@groups.test"},
				{[]string{"group", "list", "--domain", "other.test"}, "@load@other.test"},
			} {
				r := kith(t, "", append(tc.args, db...)...)
				if r.code != exitOK || !strings.Contains(r.stdout, tc.want) {
					t.Errorf("%v: code %d, stdout %q, stderr %q; want %q", tc.args, r.code, r.stdout, r.stderr, tc.want)
				}
			}
		})
	}
}

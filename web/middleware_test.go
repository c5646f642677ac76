package web

import (
	"bytes"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5/middleware"
)

func TestRecoverPanicsAndLogRequests(t *testing.T) {
	var logs bytes.Buffer
	s := &Server{log: slog.New(slog.NewTextHandler(&logs, nil))}
	h := s.logRequests(s.recoverPanics(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/boom" {
			panic("kaboom")
		}
		w.WriteHeader(http.StatusTeapot)
	})))
	for _, tc := range []struct {
		path   string
		status int
	}{{"/boom", http.StatusInternalServerError}, {"/fine", http.StatusTeapot}} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tc.path, nil))
		if rec.Code != tc.status {
			t.Errorf("%s: status %d, want %d", tc.path, rec.Code, tc.status)
		}
	}
	out := logs.String()
	for _, want := range []string{"panic in handler", "kaboom", "path=/boom status=500", "path=/fine status=418"} {
		if !strings.Contains(out, want) {
			t.Errorf("logs lack %q:\n%s", want, out)
		}
	}
}

func TestClientIP(t *testing.T) {
	trusted := []netip.Prefix{
		netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128"),
		netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8"),
	}
	for _, tc := range []struct {
		name    string
		trusted []netip.Prefix // nil: the list above
		remote  string
		xff     []string // one entry per header line
		xreal   string
		want    string // r.RemoteAddr afterwards
	}{
		{name: "no proxy, no headers", remote: "198.51.100.20:5000", want: "198.51.100.20:5000"},
		{name: "untrusted peer's headers are ignored", remote: "198.51.100.20:5000", xff: []string{"203.0.113.9"}, xreal: "203.0.113.7", want: "198.51.100.20:5000"},
		{name: "untrusted peer naming a trusted proxy", remote: "198.51.100.20:5000", xff: []string{"203.0.113.9, 10.0.0.2"}, want: "198.51.100.20:5000"},
		{name: "loopback proxy, X-Forwarded-For", remote: "127.0.0.1:5000", xff: []string{"203.0.113.9"}, want: "203.0.113.9:0"},
		{name: "proxy on the network", remote: "10.1.2.3:5000", xff: []string{"203.0.113.9"}, want: "203.0.113.9:0"},
		{name: "client's own entry left of the real one", remote: "127.0.0.1:5000", xff: []string{"198.51.100.1, 203.0.113.9"}, want: "203.0.113.9:0"},
		{name: "two trusted hops", remote: "127.0.0.1:5000", xff: []string{"198.51.100.1, 203.0.113.9, 10.0.0.7"}, want: "203.0.113.9:0"},
		{name: "header lines are one list", remote: "127.0.0.1:5000", xff: []string{"198.51.100.1", "203.0.113.9, 10.0.0.7"}, want: "203.0.113.9:0"},
		{name: "v4-mapped alias of a trusted hop", remote: "127.0.0.1:5000", xff: []string{"203.0.113.9, ::ffff:10.0.0.7"}, want: "203.0.113.9:0"},
		{name: "v4-mapped client folds to IPv4", remote: "127.0.0.1:5000", xff: []string{"::ffff:203.0.113.9"}, want: "203.0.113.9:0"},
		{name: "IPv6 client", remote: "[::1]:5000", xff: []string{"2001:db8::1"}, want: "[2001:db8::1]:0"},
		{name: "IPv6 proxy on the network", remote: "[fd00::5]:5000", xff: []string{"2001:db8::1, fd00::9"}, want: "[2001:db8::1]:0"},
		{name: "v4-mapped peer is the IPv4 proxy", remote: "[::ffff:127.0.0.1]:5000", xff: []string{"203.0.113.9"}, want: "203.0.113.9:0"},
		{name: "junk entry: the peer", remote: "127.0.0.1:5000", xff: []string{"not-an-ip"}, want: "127.0.0.1:5000"},
		{name: "junk right of the client: the peer", remote: "127.0.0.1:5000", xff: []string{"203.0.113.9, unknown"}, want: "127.0.0.1:5000"},
		{name: "junk left of the client is never read", remote: "127.0.0.1:5000", xff: []string{"<script>, 203.0.113.9"}, want: "203.0.113.9:0"},
		{name: "address with a port is junk", remote: "127.0.0.1:5000", xff: []string{"203.0.113.9:4711"}, want: "127.0.0.1:5000"},
		{name: "only trusted hops: the peer", remote: "127.0.0.1:5000", xff: []string{"10.0.0.2, 127.0.0.1"}, want: "127.0.0.1:5000"},
		{name: "empty X-Forwarded-For: the peer", remote: "127.0.0.1:5000", xff: []string{" , "}, xreal: "203.0.113.7", want: "127.0.0.1:5000"},
		{name: "X-Real-IP alone", remote: "127.0.0.1:5000", xreal: "203.0.113.7", want: "203.0.113.7:0"},
		{name: "X-Real-IP junk", remote: "127.0.0.1:5000", xreal: "203.0.113.7, 1.2.3.4", want: "127.0.0.1:5000"},
		{name: "X-Forwarded-For wins over X-Real-IP", remote: "127.0.0.1:5000", xff: []string{"203.0.113.9"}, xreal: "198.51.100.66", want: "203.0.113.9:0"},
		{name: "trusting no one", trusted: []netip.Prefix{}, remote: "127.0.0.1:5000", xff: []string{"203.0.113.9"}, xreal: "203.0.113.7", want: "127.0.0.1:5000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &Server{log: slog.New(slog.DiscardHandler), trustedProxies: trusted}
			if tc.trusted != nil {
				s.trustedProxies = tc.trusted
			}
			var got, gotCtx string
			h := s.clientIP(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				got, gotCtx = r.RemoteAddr, middleware.GetClientIP(r.Context())
			}))
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.RemoteAddr = tc.remote
			for _, v := range tc.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if tc.xreal != "" {
				r.Header.Set("X-Real-IP", tc.xreal)
			}
			h.ServeHTTP(httptest.NewRecorder(), r)
			if got != tc.want {
				t.Errorf("RemoteAddr %s, want %s", got, tc.want)
			}
			if host, _, _ := net.SplitHostPort(tc.want); gotCtx != host {
				t.Errorf("GetClientIP %q, want %q", gotCtx, host)
			}
		})
	}
}

// A trusted proxy that sends no client address is reported once per
// process (per Server), not per request; health checks and untrusted
// peers do not count.
func TestClientIPWarnsOnceWithoutHeader(t *testing.T) {
	var logs bytes.Buffer
	s := &Server{log: slog.New(slog.NewTextHandler(&logs, nil)), trustedProxies: DefaultTrustedProxies()}
	h := s.clientIP(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	send := func(remote, path string, header ...string) {
		r := httptest.NewRequest(http.MethodGet, path, nil)
		r.RemoteAddr = remote
		if len(header) == 2 {
			r.Header.Set(header[0], header[1])
		}
		h.ServeHTTP(httptest.NewRecorder(), r)
	}
	send("127.0.0.1:5000", "/healthz")
	send("198.51.100.20:5000", "/")
	send("127.0.0.1:5000", "/", "X-Forwarded-For", "203.0.113.9")
	send("127.0.0.1:5000", "/", "X-Real-IP", "203.0.113.9")
	if logs.Len() != 0 {
		t.Fatalf("warned before a request without a header:\n%s", logs.String())
	}
	for range 3 {
		send("127.0.0.1:5000", "/groups/g")
	}
	out := logs.String()
	if n := strings.Count(out, "level=WARN"); n != 1 {
		t.Fatalf("%d warnings, want 1:\n%s", n, out)
	}
	for _, want := range []string{"no X-Forwarded-For or X-Real-IP", "--trusted-proxies=none", "proxy=127.0.0.1", "path=/groups/g"} {
		if !strings.Contains(out, want) {
			t.Errorf("warning lacks %q:\n%s", want, out)
		}
	}
	// Another server (another process) warns again.
	logs.Reset()
	s2 := &Server{log: slog.New(slog.NewTextHandler(&logs, nil)), trustedProxies: DefaultTrustedProxies()}
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.RemoteAddr = "[::1]:5000"
	s2.clientIP(http.NotFoundHandler()).ServeHTTP(httptest.NewRecorder(), r)
	if strings.Count(logs.String(), "level=WARN") != 1 {
		t.Errorf("second server: %q", logs.String())
	}
	// A local trial (no --domain): the browser is on the loopback itself.
	logs.Reset()
	s3 := &Server{log: slog.New(slog.NewTextHandler(&logs, nil)), trustedProxies: DefaultTrustedProxies(), localTrial: true}
	s3.clientIP(http.NotFoundHandler()).ServeHTTP(httptest.NewRecorder(), r)
	if logs.Len() != 0 {
		t.Errorf("local trial warned: %q", logs.String())
	}
}

// The client-address and nosniff middleware on an inbox POST through a
// proxy: what every request pays (docs/operations.md's note on cost).
func BenchmarkClientIPAndNosniff(b *testing.B) {
	s := &Server{log: slog.New(slog.DiscardHandler), trustedProxies: DefaultTrustedProxies()}
	h := nosniff(s.clientIP(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})))
	r := httptest.NewRequest(http.MethodPost, "/inbox", nil)
	r.Header.Set("X-Forwarded-For", "198.51.100.1, 203.0.113.9")
	w := httptest.NewRecorder()
	b.ReportAllocs()
	for b.Loop() {
		r.RemoteAddr = "127.0.0.1:5000"
		h.ServeHTTP(w, r)
	}
}

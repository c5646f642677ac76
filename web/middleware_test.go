package web

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
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

func TestRealIPOnlyFromLocalProxy(t *testing.T) {
	var got string
	h := realIPFromLocalProxy(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = r.RemoteAddr }))
	for _, tc := range []struct {
		remote, xff, xreal, want string
	}{
		{"127.0.0.1:5000", "203.0.113.9", "", "203.0.113.9:0"},
		{"127.0.0.1:5000", "198.51.100.1, 203.0.113.9", "", "203.0.113.9:0"},
		{"127.0.0.1:5000", "", "203.0.113.7", "203.0.113.7:0"},
		{"198.51.100.20:5000", "203.0.113.9", "203.0.113.7", "198.51.100.20:5000"}, // not our proxy: ignored
		{"127.0.0.1:5000", "not-an-ip", "", "127.0.0.1:5000"},
	} {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.RemoteAddr = tc.remote
		if tc.xff != "" {
			r.Header.Set("X-Forwarded-For", tc.xff)
		}
		if tc.xreal != "" {
			r.Header.Set("X-Real-IP", tc.xreal)
		}
		h.ServeHTTP(httptest.NewRecorder(), r)
		if got != tc.want {
			t.Errorf("remote %s xff %q real %q: got %s, want %s", tc.remote, tc.xff, tc.xreal, got, tc.want)
		}
	}
}

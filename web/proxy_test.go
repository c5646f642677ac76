package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/storage/storagetest"
	"github.com/kith-social/kith/web"
	"github.com/kith-social/kith/web/auth"
	"github.com/kith-social/kith/web/webtest"
)

const proxyTestPassword = "correct horse battery staple"

// handlerOn is the node's web handler built on a running test node's
// engine with deps changed by edit, served in-process (the test sets
// RemoteAddr itself), and its data directory.
func handlerOn(t *testing.T, n *webtest.Node, edit func(*web.Deps)) (http.Handler, string) {
	t.Helper()
	dir := t.TempDir()
	d := web.Deps{DB: n.DB, Fed: n.Fed, InsecureHTTP: true, DataDir: dir}
	if edit != nil {
		edit(&d)
	}
	return web.New(d), dir
}

func createOwner(t *testing.T, db *bun.DB) {
	t.Helper()
	hash, err := auth.HashPassword(proxyTestPassword)
	if err != nil {
		t.Fatal(err)
	}
	if err := storage.CreateStaff(context.Background(), db, time.Now(), &storage.Staff{Username: "olive", PasswordHash: hash, Role: storage.RoleOwner}); err != nil {
		t.Fatal(err)
	}
}

// Two clients behind a reverse proxy on another machine of the network
// (--trusted-proxies 10.0.0.0/8) have separate budgets on the inbox and
// the login form. Before, only a proxy on loopback was believed, so both
// counted as the proxy: one client's flood throttled the other's inbox
// and its failed logins locked the owner out.
func TestClientsBehindProxyAreLimitedSeparately(t *testing.T) {
	for _, b := range storagetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			n := webtest.Start(t, b, webtest.Options{})
			n.CreateGroup(t, "g", nil)
			createOwner(t, n.DB)
			h, _ := handlerOn(t, n, func(d *web.Deps) {
				d.InboxPerMinute = 3
				d.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
			})
			viaProxy := func(client string, req *http.Request) *httptest.ResponseRecorder {
				req.RemoteAddr = "10.0.0.5:41000"
				req.Header.Set("X-Forwarded-For", client)
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				return rec
			}
			inbox := func(client string) int {
				return viaProxy(client, httptest.NewRequest(http.MethodPost, "/groups/g/inbox", strings.NewReader("{}"))).Code
			}
			login := func(client, password string) int {
				req := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(url.Values{"username": {"olive"}, "password": {password}}.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				return viaProxy(client, req).Code
			}

			for i := range 3 {
				if got := inbox("203.0.113.66"); got != http.StatusUnauthorized {
					t.Fatalf("inbox request %d: %d, want 401 (unsigned)", i+1, got)
				}
			}
			if got := inbox("203.0.113.66"); got != http.StatusTooManyRequests {
				t.Errorf("flooding client's 4th inbox request: %d, want 429", got)
			}
			if got := inbox("198.51.100.7"); got != http.StatusUnauthorized {
				t.Errorf("other client's inbox request: %d, want 401 (not limited)", got)
			}

			refused := false
			for range 12 {
				if login("203.0.113.66", "a guess") == http.StatusTooManyRequests {
					refused = true
				}
			}
			if !refused {
				t.Error("12 wrong passwords in a row from one client: none refused")
			}
			if got := login("198.51.100.7", proxyTestPassword); got != http.StatusSeeOther {
				t.Errorf("owner, another client behind the same proxy: %d, want 303", got)
			}
		})
	}
}

// Every response says X-Content-Type-Options: nosniff — pages,
// ActivityPub and discovery JSON, static files, media, redirects and
// errors, the router's own 404 and 405 included.
func TestNosniffOnEveryResponse(t *testing.T) {
	b := storagetest.Backends()[0]
	n := webtest.Start(t, b, webtest.Options{})
	n.CreateGroup(t, "g", nil)
	h, dir := handlerOn(t, n, nil)
	img := filepath.Join(dir, "media", "groups", "x", "a.png")
	if err := os.MkdirAll(filepath.Dir(img), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(img, []byte("\x89PNG\r\n\x1a\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		method, path, accept string
		status               int
	}{
		{"GET", "/healthz", "", 200},
		{"GET", "/", "text/html", 200},
		{"GET", "/groups/g", "text/html", 200},
		{"GET", "/groups/g", "application/activity+json", 200},
		{"GET", "/groups/g/outbox", "application/activity+json", 200},
		{"GET", "/groups/g/feed.atom", "", 200},
		{"GET", "/actor", "application/activity+json", 200},
		{"GET", "/.well-known/webfinger?resource=acct:g@kith.test", "", 200},
		{"GET", "/.well-known/webfinger", "", 400},
		{"GET", "/nodeinfo/2.1", "", 200},
		{"GET", "/groups/nobody", "application/activity+json", 404},
		{"POST", "/inbox", "", 401},
		{"GET", "/static/public/public.css", "", 200},
		{"GET", "/static/admin/admin.css", "", 200},
		{"GET", "/media/groups/x/a.png", "", 200},
		{"GET", "/media/groups/x/none.png", "", 404},
		{"GET", "/login", "", 200},
		{"GET", "/admin", "", 303},
		{"GET", "/no/such/page", "", 404},
		{"DELETE", "/healthz", "", 405},
	} {
		req := httptest.NewRequest(tc.method, tc.path, strings.NewReader("{}"))
		req.RemoteAddr = "198.51.100.7:5000"
		if tc.accept != "" {
			req.Header.Set("Accept", tc.accept)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != tc.status {
			t.Errorf("%s %s: status %d, want %d", tc.method, tc.path, rec.Code, tc.status)
		}
		if got := rec.Header().Values("X-Content-Type-Options"); len(got) != 1 || got[0] != "nosniff" {
			t.Errorf("%s %s (%d): X-Content-Type-Options %q, want nosniff", tc.method, tc.path, rec.Code, got)
		}
	}
}

package admin_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/storage/storagetest"
	"github.com/kith-social/kith/web/admin"
	"github.com/kith-social/kith/web/auth"
	"github.com/kith-social/kith/web/webtest"
)

func TestLogin(t *testing.T) {
	t.Parallel() // each test has its own databases and fake fediverse
	webtest.EachWith(t, noGroup, func(t *testing.T, sc *webtest.Scenario) {
		n := newNode(t, sc)
		n.setup("gardeners")

		for _, tc := range []struct {
			name, username, password, next string
			status                         int
			location                       string
		}{
			{"right password", "olive", ownerPassword, "", http.StatusSeeOther, "/admin"},
			{"back to the page asked for", "olive", ownerPassword, "/admin/groups/gardeners", http.StatusSeeOther, "/admin/groups/gardeners"},
			{"no redirect off the admin UI", "olive", ownerPassword, "//evil.example/admin", http.StatusSeeOther, "/admin"},
			{"no redirect to another site", "olive", ownerPassword, "https://evil.example/", http.StatusSeeOther, "/admin"},
			{"wrong password", "olive", "not the password", "", http.StatusUnprocessableEntity, ""},
			{"unknown user", "nobody", ownerPassword, "", http.StatusUnprocessableEntity, ""},
			{"empty form", "", "", "", http.StatusUnprocessableEntity, ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				b := n.browser()
				res := b.post("/login", url.Values{"username": {tc.username}, "password": {tc.password}, "next": {tc.next}})
				if res.status != tc.status || res.location != tc.location {
					t.Fatalf("status %d, location %q; want %d, %q\n%s", res.status, res.location, tc.status, tc.location, res.body)
				}
				if tc.status != http.StatusSeeOther {
					wantBody(t, "failed login", res, "Wrong username or password", `value="`+tc.username+`"`)
					if b.cookie() != "" {
						t.Error("failed login set a session cookie")
					}
					wantStatus(t, "admin after failed login", b.get("/admin"), http.StatusSeeOther)
					return
				}
				wantStatus(t, "admin after login", b.get("/admin"), http.StatusOK)
			})
		}

		t.Run("anonymous visitor is sent to the login page and back", func(t *testing.T) {
			res := n.browser().get("/admin/groups?x=1")
			if res.status != http.StatusSeeOther || res.location != "/login?next="+url.QueryEscape("/admin/groups?x=1") {
				t.Fatalf("status %d, location %q", res.status, res.location)
			}
			res = n.browser().get("/login?next=" + url.QueryEscape("/admin/groups?x=1"))
			wantBody(t, "login page", res, `name="next" value="/admin/groups?x=1"`)
		})
	})
}

func TestSessionCookie(t *testing.T) {
	t.Parallel() // each test has its own databases and fake fediverse
	db, _ := storagetest.OpenSQLite(t)
	ctx := context.Background()
	hash, err := auth.HashPassword(ownerPassword)
	if err != nil {
		t.Fatal(err)
	}
	if err := storage.CreateStaff(ctx, db, time.Now(), &storage.Staff{Username: "olive", PasswordHash: hash, Role: storage.RoleOwner}); err != nil {
		t.Fatal(err)
	}
	for _, insecure := range []bool{false, true} {
		r := chi.NewRouter()
		admin.New(admin.Deps{DB: db, Domain: "kith.test", InsecureHTTP: insecure}).Routes(r)
		req := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader("username=olive&password="+url.QueryEscape(ownerPassword)))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		cs := w.Result().Cookies()
		if w.Code != http.StatusSeeOther || len(cs) != 1 {
			t.Fatalf("login: status %d, cookies %v", w.Code, cs)
		}
		c := cs[0]
		if c.Name != "kith_session" || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Secure == insecure || len(c.Value) < 40 {
			t.Errorf("insecure=%v: cookie %+v", insecure, c)
		}
		if c.MaxAge <= int((29 * 24 * time.Hour).Seconds()) {
			t.Errorf("cookie Max-Age %d: want about 30 days", c.MaxAge)
		}
		// The database holds the token's hash, never the token.
		if _, err := storage.SessionByTokenHash(ctx, db, c.Value); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("session found by its raw token: %v", err)
		}
		if _, err := storage.SessionByTokenHash(ctx, db, auth.HashToken(c.Value)); err != nil {
			t.Errorf("session by token hash: %v", err)
		}
	}
}

// An attacker failing 100 times at one address is refused after the free
// attempts (429 with Retry-After) and does not stop the owner, at another
// address, from logging in at once. Before, ten failures on a username
// from anywhere locked its owner out for 15 minutes.
func TestLoginRateLimit(t *testing.T) {
	t.Parallel() // each test has its own databases and fake fediverse
	webtest.EachWith(t, noGroup, func(t *testing.T, sc *webtest.Scenario) {
		n := newNode(t, sc)
		n.setup("gardeners")
		attempt := func(ip, username, password string) response {
			b := n.browser()
			b.header.Set("X-Test-IP", ip)
			return b.post("/login", url.Values{"username": {username}, "password": {password}})
		}

		refused := 0
		for i := range 100 {
			res := attempt("203.0.113.66", "olive", fmt.Sprintf("guess %d", i))
			switch res.status {
			case http.StatusUnprocessableEntity:
			case http.StatusTooManyRequests:
				refused++
				if res.header.Get("Retry-After") == "" {
					t.Fatalf("attempt %d: 429 without Retry-After", i+1)
				}
				wantBody(t, "refused attempt", res, "Too many attempts. Try again in")
			default:
				t.Fatalf("attempt %d: status %d", i+1, res.status)
			}
		}
		if refused != 95 {
			t.Errorf("attacker: %d of 100 attempts refused, want 95 (5 free)", refused)
		}
		if res := attempt("198.51.100.7", "olive", ownerPassword); res.status != http.StatusSeeOther {
			t.Fatalf("owner at another address: status %d, want 303\n%s", res.status, res.body)
		}
		// The attacker's wait grows; after it, one more guess.
		n.clock.Advance(time.Second)
		if res := attempt("203.0.113.66", "olive", "guess"); res.status != http.StatusUnprocessableEntity {
			t.Errorf("attacker after 1 s: status %d, want 422", res.status)
		}
		if res := attempt("203.0.113.66", "olive", "guess"); res.status != http.StatusTooManyRequests || res.header.Get("Retry-After") != "2" {
			t.Errorf("attacker at once again: status %d, Retry-After %q; want 429, 2", res.status, res.header.Get("Retry-After"))
		}
	})
}

func TestSessionExpiry(t *testing.T) {
	t.Parallel() // each test has its own databases and fake fediverse
	webtest.EachWith(t, noGroup, func(t *testing.T, sc *webtest.Scenario) {
		ctx := context.Background()
		n, db := newNode(t, sc), sc.Node.DB
		n.setup("gardeners")

		count := func() int {
			c, err := db.NewSelect().Model((*storage.Session)(nil)).Count(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return int(c)
		}

		// Idle: unused for 7 days, the session ends.
		b := n.login("olive", ownerPassword)
		n.clock.Advance(6 * 24 * time.Hour)
		wantStatus(t, "after 6 idle days", b.get("/admin"), http.StatusOK) // used: idle time starts again
		n.clock.Advance(6 * 24 * time.Hour)
		wantStatus(t, "6 days after the last use", b.get("/admin"), http.StatusOK)
		n.clock.Advance(7*24*time.Hour + time.Minute)
		res := b.get("/admin")
		if res.status != http.StatusSeeOther || !strings.HasPrefix(res.location, "/login") {
			t.Fatalf("after 7 idle days: status %d, location %q", res.status, res.location)
		}
		if b.cookie() != "" {
			t.Error("stale cookie not cleared")
		}

		// Absolute: however active, a session lasts 30 days.
		before := count()
		b = n.login("olive", ownerPassword)
		if count() != before+1 {
			t.Fatalf("sessions: %d, want %d", count(), before+1)
		}
		for range 4 {
			n.clock.Advance(6 * 24 * time.Hour)
			wantStatus(t, "active session", b.get("/admin"), http.StatusOK)
		}
		n.clock.Advance(6*24*time.Hour + time.Hour) // 30 days and an hour after login
		wantStatus(t, "after 30 days", b.get("/admin"), http.StatusSeeOther)
		wantStatus(t, "POST after 30 days", b.post("/logout", url.Values{}), http.StatusForbidden)
		if got := count(); got != before {
			t.Errorf("expired session rows: %d sessions, want %d", got, before)
		}
	})
}

func TestLogout(t *testing.T) {
	t.Parallel() // each test has its own databases and fake fediverse
	webtest.EachWith(t, noGroup, func(t *testing.T, sc *webtest.Scenario) {
		n := newNode(t, sc)
		b := n.setup("gardeners")
		token := b.cookie()
		csrf := b.csrf()

		wantStatus(t, "logout without CSRF token", b.post("/logout", url.Values{}), http.StatusForbidden)
		res := b.post("/logout", url.Values{"csrf": {csrf}})
		if res.status != http.StatusSeeOther || res.location != "/login" {
			t.Fatalf("logout: status %d, location %q", res.status, res.location)
		}
		if b.cookie() != "" {
			t.Error("cookie kept after logout")
		}
		wantStatus(t, "admin after logout", b.get("/admin"), http.StatusSeeOther)

		// The old token is dead on the server too, not only in this browser.
		replay := n.browser()
		u, _ := url.Parse(n.srv.URL)
		replay.c.Jar.SetCookies(u, []*http.Cookie{{Name: auth.CookieName, Value: token}})
		wantStatus(t, "replayed cookie", replay.get("/admin"), http.StatusSeeOther)
	})
}

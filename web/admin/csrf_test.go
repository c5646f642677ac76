package admin_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"testing"

	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/web/webtest"
)

func TestCSRF(t *testing.T) {
	t.Parallel() // each test has its own databases and fake fediverse
	webtest.EachWith(t, noGroup, func(t *testing.T, sc *webtest.Scenario) {
		n, db := newNode(t, sc), sc.Node.DB
		b := n.setup("gardeners")
		csrf := b.csrf()
		other := n.login("olive", ownerPassword).csrf()
		if other == csrf {
			t.Fatal("two sessions share a CSRF token")
		}
		form := func(token string) url.Values {
			return url.Values{"csrf": {token}, "name": {"knitters"}, "title": {"Knitters"}, "join": {"open"}}
		}
		host := n.srv.Listener.Addr().String()

		for _, tc := range []struct {
			name    string
			form    url.Values
			headers []string
		}{
			{"no token", form(""), nil},
			{"wrong token", form("AAAA" + csrf[4:]), nil},
			{"another session's token", form(other), nil},
			{"cross-site (Sec-Fetch-Site)", form(csrf), []string{"Sec-Fetch-Site", "cross-site"}},
			{"same-site but another origin", form(csrf), []string{"Sec-Fetch-Site", "same-site"}},
			{"cross-origin (Origin)", form(csrf), []string{"Origin", "http://evil.example"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				wantStatus(t, "forged POST", b.post("/admin/new-group", tc.form, tc.headers...), http.StatusForbidden)
				if _, err := storage.GroupByName(context.Background(), db, "knitters"); !errors.Is(err, storage.ErrNotFound) {
					t.Fatalf("forged request created the group: %v", err)
				}
			})
		}

		// Cross-origin protection covers the forms used before logging in.
		res := n.browser().post("/login", url.Values{"username": {"olive"}, "password": {ownerPassword}}, "Sec-Fetch-Site", "cross-site")
		wantStatus(t, "cross-site login", res, http.StatusForbidden)

		// The real form from the real page goes through, same-origin headers and all.
		res = b.post("/admin/new-group", form(csrf), "Sec-Fetch-Site", "same-origin", "Origin", "http://"+host)
		if res.status != http.StatusSeeOther || res.location != "/admin/groups/knitters" {
			t.Fatalf("genuine POST: status %d, location %q\n%s", res.status, res.location, res.body)
		}
	})
}

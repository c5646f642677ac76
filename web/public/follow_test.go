package public_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/uptrace/bun"

	"github.com/kith-social/kith/storage/storagetest"
	"github.com/kith-social/kith/web/public"
)

const subscribeRel = "http://ostatus.org/schema/1.0/subscribe"

func TestRemoteFollow(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *bun.DB) {
		f := fixtures{t, db}
		f.group("gardeners", nil)
		resolver := &fakeResolver{jrd: map[string]any{
			"acct:alice@mastodon.test": jrd("acct:alice@mastodon.test",
				map[string]string{"rel": "self", "type": "application/activity+json", "href": "https://mastodon.test/users/alice"},
				map[string]string{"rel": subscribeRel, "template": "https://mastodon.test/authorize_interaction?uri={uri}"}),
			"acct:bob@misskey.test:8443": jrd("acct:bob@misskey.test:8443",
				map[string]string{"rel": subscribeRel, "template": "https://misskey.test:8443/authorize-follow?acct={uri}"}),
			"acct:carol@lemmy.test": jrd("acct:carol@lemmy.test",
				map[string]string{"rel": "self", "href": "https://lemmy.test/u/carol"}),
			"acct:mallory@evil.test": jrd("acct:mallory@evil.test",
				map[string]string{"rel": subscribeRel, "template": "javascript:alert(1)//{uri}"}),
		}}
		s := newSite(t, db, resolver)

		tests := []struct {
			name, handle string
			status       int
			location     string // for redirects
			want         []string
		}{
			{name: "mastodon", handle: "alice@mastodon.test", status: http.StatusSeeOther,
				location: "https://mastodon.test/authorize_interaction?uri=gardeners%40kith.test"},
			{name: "leading @ and spaces", handle: "  @alice@mastodon.test ", status: http.StatusSeeOther,
				location: "https://mastodon.test/authorize_interaction?uri=gardeners%40kith.test"},
			{name: "profile URL", handle: "https://mastodon.test/@alice", status: http.StatusSeeOther,
				location: "https://mastodon.test/authorize_interaction?uri=gardeners%40kith.test"},
			{name: "host with port", handle: "bob@misskey.test:8443", status: http.StatusSeeOther,
				location: "https://misskey.test:8443/authorize-follow?acct=gardeners%40kith.test"},
			{name: "no template", handle: "carol@lemmy.test", status: http.StatusOK,
				want: []string{`id="search-for"`, "lemmy.test has no follow page", `id="search-handle">@gardeners@kith.test</code>`, `value="carol@lemmy.test"`}},
			{name: "unsafe template", handle: "mallory@evil.test", status: http.StatusOK,
				want: []string{`id="search-for"`}},
			{name: "unknown account", handle: "nobody@mastodon.test", status: http.StatusUnprocessableEntity,
				want: []string{`<p class="error" id="f-handle-error">`, "We could not find nobody@mastodon.test", `value="nobody@mastodon.test"`, `aria-invalid="true"`}},
			{name: "empty", handle: "", status: http.StatusUnprocessableEntity,
				want: []string{"Type the address of your fediverse account"}},
			{name: "no server", handle: "alice", status: http.StatusUnprocessableEntity,
				want: []string{"is missing your server", `value="alice"`}},
			{name: "garbage", handle: `"><script>alert(1)</script>@x`, status: http.StatusUnprocessableEntity,
				want: []string{"is not a fediverse address", `value="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;@x"`}},
			{name: "path in host", handle: "alice@mastodon.test/evil", status: http.StatusUnprocessableEntity,
				want: []string{"is not a fediverse address"}},
			{name: "this server", handle: "gardeners@kith.test", status: http.StatusUnprocessableEntity,
				want: []string{"That is an address on this server"}},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				res := s.postForm("/groups/gardeners/follow", url.Values{"handle": {tc.handle}})
				if res.Status != tc.status {
					t.Fatalf("status %d, want %d: %s", res.Status, tc.status, res.Body)
				}
				if tc.location != "" && res.Header.Get("Location") != tc.location {
					t.Errorf("Location %q, want %q", res.Header.Get("Location"), tc.location)
				}
				mustContain(t, "page", res.Body, tc.want...)
				if strings.Contains(res.Body, "<script>alert") {
					t.Error("typed value not escaped")
				}
			})
		}
		// Only well-formed handles reach the resolver, and never our own domain.
		for _, c := range resolver.calls {
			if strings.Contains(c, "kith.test") || strings.Contains(c, "script") {
				t.Errorf("resolver asked about %q", c)
			}
		}

		t.Run("cross-site post", func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, "/groups/gardeners/follow", strings.NewReader("handle=alice%40mastodon.test"))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Sec-Fetch-Site", "cross-site")
			calls := len(resolver.calls)
			if res := s.do(req); res.Status != http.StatusForbidden {
				t.Errorf("cross-site POST = %d, want 403", res.Status)
			}
			if len(resolver.calls) != calls {
				t.Error("a cross-site POST reached the resolver")
			}
		})
		t.Run("form page", func(t *testing.T) {
			res := s.get("/groups/gardeners/follow")
			if res.Status != http.StatusOK {
				t.Fatalf("GET follow = %d", res.Status)
			}
			mustContain(t, "follow page", res.Body, "<h1 id=\"join-h\">Join Gardeners</h1>", `name="handle"`)
		})
		t.Run("without resolver", func(t *testing.T) {
			res := newSite(t, db, nil).postForm("/groups/gardeners/follow", url.Values{"handle": {"alice@mastodon.test"}})
			if res.Status != http.StatusOK {
				t.Fatalf("status %d", res.Status)
			}
			mustContain(t, "page", res.Body, `id="search-for"`, "@gardeners@kith.test")
		})
	})
}

// TestRemoteFollowRateLimit: each submission makes the node ask another
// server, so a client gets FollowLimit per minute.
func TestRemoteFollowRateLimit(t *testing.T) {
	t.Parallel()
	db, _ := storagetest.OpenSQLite(t)
	fixtures{t, db}.group("gardeners", nil)
	p := public.New(public.Deps{DB: db, Domain: domain, FollowLimit: 2})
	r := chi.NewRouter()
	r.Route("/groups/{name}", p.GroupRoutes)
	var statuses []int
	for range 3 {
		req := httptest.NewRequest(http.MethodPost, "/groups/gardeners/follow", strings.NewReader("handle=alice%40mastodon.test"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, req)
		statuses = append(statuses, rec.Code)
	}
	if statuses[0] != http.StatusOK || statuses[1] != http.StatusOK || statuses[2] != http.StatusTooManyRequests {
		t.Errorf("statuses %v, want 200 200 429", statuses)
	}
}

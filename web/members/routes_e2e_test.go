package members_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/web"
	"github.com/kith-social/kith/web/webtest"
)

// memberRouteAccess classifies every members' route: the sign-in pages
// are for anyone; everything else needs a member session of that group.
// A new route must be added here, or TestMemberSessionRouteWalk fails.
func memberRouteAccess() map[string]string {
	return map[string]string{
		"GET /groups/{name}/me/signin":               "anyone",
		"POST /groups/{name}/me/signin":              "anyone",
		"POST /groups/{name}/me/session":             "anyone",
		"GET /groups/{name}/me/":                     "session",
		"GET /groups/{name}/me/how":                  "session",
		"GET /groups/{name}/me/archive":              "member",
		"GET /groups/{name}/me/threads/{id}":         "member",
		"GET /groups/{name}/me/directory":            "member",
		"POST /groups/{name}/me/settings":            "session",
		"POST /groups/{name}/me/intro":               "session",
		"POST /groups/{name}/me/signout":             "session",
		"POST /groups/{name}/me/signout-everywhere":  "session",
		"POST /groups/{name}/me/sessions/{id}/end":   "session",
		"GET /groups/{name}/me/write":                "session",
		"POST /groups/{name}/me/write":               "session",
		"GET /groups/{name}/me/leave":                "session",
		"POST /groups/{name}/me/leave":               "session",
		"GET /groups/{name}/me/events":               "member",
		"POST /groups/{name}/me/events/{id}/rsvp":    "member",
		"GET /groups/{name}/me/calendar/{file}":      "anyone",
		"POST /groups/{name}/me/calendar":            "member",
		"GET /groups/{name}/me/polls":                "member",
		"POST /groups/{name}/me/polls/{id}/vote":     "member",
		"GET /groups/{name}/me/anonymous":            "member",
		"POST /groups/{name}/me/anonymous":           "member",
		"GET /groups/{name}/me/report/{id}":          "member",
		"POST /groups/{name}/me/report/{id}":         "member",
		"GET /groups/{name}/me/members/{id}/report":  "member",
		"POST /groups/{name}/me/members/{id}/report": "member",
		"POST /groups/{name}/me/level":               "session", // trust.go
		"GET /groups/{name}/me/invitations":          "member",  // invite.go
		"POST /groups/{name}/me/invitations":         "member",
		"GET /groups/{name}/me/invitation":           "anyone", // the invitee's page: the token is the key
		"POST /groups/{name}/me/invitation":          "anyone",
	}
}

// TestMemberSessionRouteWalk walks the node's whole route table with a
// member's session: no admin route accepts it (under either cookie name),
// and no members' route of another group does; with a form token of her
// own session, but not without one, her group's forms go through.
func TestMemberSessionRouteWalk(t *testing.T) {
	t.Parallel()
	webtest.Each(t, func(t *testing.T, s *webtest.Scenario) {
		n, alice := s.Node, s.Alice()
		s.Join(t, alice)
		n.CreateGroup(t, "weavers", nil)
		c := newClient(t, n)
		signIn(t, c, alice, "@alice@"+webtest.MastodonHost)
		_, _, page := c.get(t, "/groups/"+webtest.ScenarioGroup+"/me")
		csrf := csrfOf(t, page)
		u, _ := url.Parse(n.URL("/groups/" + webtest.ScenarioGroup + "/me"))
		var token string
		for _, ck := range c.c.Jar.Cookies(u) {
			if ck.Name == "kith_member" {
				token = ck.Value
			}
		}
		if token == "" {
			t.Fatal("no member cookie")
		}

		h := web.New(web.Deps{DB: n.DB, Fed: n.Fed, InsecureHTTP: true})
		routes, ok := h.(chi.Routes)
		if !ok {
			t.Fatalf("the node's handler is a %T, not a chi router", h)
		}
		do := func(method, path string, form url.Values) *httptest.ResponseRecorder {
			var body *strings.Reader
			if form == nil {
				body = strings.NewReader("")
			} else {
				body = strings.NewReader(form.Encode())
			}
			req := httptest.NewRequest(method, "http://"+webtest.Host+path, body)
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			// The browser keeps the cookie to /groups/NAME/me; a forger
			// sends it anywhere, and under the staff cookie's name too.
			req.AddCookie(&http.Cookie{Name: "kith_member", Value: token})
			req.AddCookie(&http.Cookie{Name: "kith_session", Value: token})
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			return w
		}
		access := memberRouteAccess()
		seen := map[string]bool{}
		ids := strings.NewReplacer("{id}", storage.NewID(), "{group}", webtest.ScenarioGroup, "{token}", "x",
			"{invite}", storage.NewID(), "{staff}", storage.NewID(), "{post}", storage.NewID(), "{follow}", storage.NewID(),
			"{actor}", storage.NewID(), "{report}", storage.NewID(), "{conversation}", storage.NewID(), "{request}", storage.NewID(),
			"{scheduled}", storage.NewID(), "{event}", storage.NewID(), "{role}", storage.NewID(), "{badge}", storage.NewID())
		err := chi.Walk(routes, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
			key := method + " " + route
			switch {
			case strings.HasPrefix(route, "/admin/") && !strings.HasPrefix(route, "/admin/invite/"), route == "/logout":
				path := ids.Replace(route)
				w := do(method, path, url.Values{"csrf": {csrf}})
				if w.Code < 300 || (method == http.MethodGet && !strings.HasPrefix(w.Header().Get("Location"), "/login")) || (method != http.MethodGet && w.Code != http.StatusForbidden) {
					t.Errorf("%s with a member session: %d → %q", key, w.Code, w.Header().Get("Location"))
				}
			case strings.HasPrefix(route, "/groups/{name}/me/"):
				seen[key] = true
				class, ok := access[key]
				if !ok {
					t.Errorf("members' route %s is not classified", key)
					return nil
				}
				if class == "anyone" {
					return nil
				}
				// Another group's pages: no session there.
				other := ids.Replace(strings.Replace(route, "{name}", "weavers", 1))
				w := do(method, other, url.Values{"csrf": {csrf}})
				if method == http.MethodGet && (w.Code != http.StatusSeeOther || !strings.HasSuffix(w.Header().Get("Location"), "/signin")) ||
					method != http.MethodGet && w.Code != http.StatusForbidden {
					t.Errorf("%s at another group: %d → %q", key, w.Code, w.Header().Get("Location"))
				}
				// Her own group's forms without the form token.
				if method == http.MethodPost {
					own := ids.Replace(strings.Replace(route, "{name}", webtest.ScenarioGroup, 1))
					if w := do(method, own, url.Values{"csrf": {"forged"}}); w.Code != http.StatusForbidden {
						t.Errorf("%s without the form token: %d", key, w.Code)
					}
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		for key := range access {
			if !seen[key] {
				t.Errorf("classified route %s does not exist", key)
			}
		}
	})
}

package admin_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/web/admin"
	"github.com/kith-social/kith/web/webtest"
)

// Who may use a route.
const (
	public     = "public"      // anyone (setup, login, the stylesheet, invitation links)
	staffOnly  = "staff"       // any logged-in staff member
	ownerOnly  = "owner"       // the owner only
	groupStaff = "group"       // the owner and the group's moderators
	groupOwner = "group-owner" // the owner only, on a group
)

// routeAccess classifies every route the admin UI serves. A new route must
// be added here, or TestEveryRouteRefuses fails: nobody can add a page
// and forget its access check.
func routeAccess() map[string]string {
	return map[string]string{
		"GET /static/admin/*":                  public,
		"HEAD /static/admin/*":                 public,
		"GET /setup":                           public,
		"POST /setup":                          public,
		"GET /login":                           public,
		"POST /login":                          public,
		"GET /admin/invite/{token}":            public,
		"POST /admin/invite/{token}":           public,
		"POST /logout":                         staffOnly,
		"GET /admin/":                          staffOnly,
		"GET /admin/groups":                    staffOnly,
		"GET /admin/account":                   staffOnly,
		"POST /admin/account/password":         staffOnly,
		"GET /admin/new-group":                 ownerOnly,
		"POST /admin/new-group":                ownerOnly,
		"GET /admin/groups/{group}/":           groupStaff,
		"GET /admin/groups/{group}/moderators": groupStaff,
		"POST /admin/groups/{group}/invites":   groupOwner,
		"POST /admin/groups/{group}/invites/{invite}/revoke":   groupOwner,
		"POST /admin/groups/{group}/moderators/{staff}/remove": groupOwner,
		"GET /admin/groups/{group}/move":                       groupOwner,
		"POST /admin/groups/{group}/move":                      groupOwner,
		"POST /admin/groups/{group}/move/from":                 groupOwner,

		"GET /admin/reports":               staffOnly,
		"GET /admin/domain-blocks":         ownerOnly,
		"POST /admin/domain-blocks":        ownerOnly,
		"POST /admin/domain-blocks/remove": ownerOnly,
		"GET /admin/federation":            ownerOnly,

		"GET /admin/groups/{group}/edit":                       groupStaff,
		"POST /admin/groups/{group}/edit":                      groupStaff,
		"GET /admin/groups/{group}/posts":                      groupStaff,
		"GET /admin/groups/{group}/posts/new":                  groupStaff,
		"POST /admin/groups/{group}/posts/new":                 groupStaff,
		"GET /admin/groups/{group}/posts/{post}/edit":          groupStaff,
		"POST /admin/groups/{group}/posts/{post}/edit":         groupStaff,
		"POST /admin/groups/{group}/posts/{post}/delete":       groupStaff,
		"POST /admin/groups/{group}/posts/{post}/pin":          groupStaff,
		"POST /admin/groups/{group}/posts/{post}/unpin":        groupStaff,
		"GET /admin/groups/{group}/requests":                   groupStaff,
		"POST /admin/groups/{group}/requests/{follow}/approve": groupStaff,
		"POST /admin/groups/{group}/requests/{follow}/reject":  groupStaff,
		"POST /admin/groups/{group}/requests/bulk":             groupStaff,
		"GET /admin/groups/{group}/queue":                      groupStaff,
		"POST /admin/groups/{group}/queue/{post}/approve":      groupStaff,
		"POST /admin/groups/{group}/queue/{post}/reject":       groupStaff,
		"POST /admin/groups/{group}/queue/bulk":                groupStaff,
		"GET /admin/groups/{group}/recent":                     groupStaff,
		"POST /admin/groups/{group}/recent/{post}/remove":      groupStaff,
		"GET /admin/groups/{group}/members":                    groupStaff,
		"POST /admin/groups/{group}/members/{actor}/ban":       groupStaff,
		"GET /admin/groups/{group}/bans":                       groupStaff,
		"POST /admin/groups/{group}/bans/{actor}/unban":        groupStaff,
		"GET /admin/groups/{group}/reports":                    groupStaff,
		"POST /admin/groups/{group}/reports/{report}/resolve":  groupStaff,
		"POST /admin/groups/{group}/reports/{report}/forward":  groupStaff,
		"POST /admin/groups/{group}/reports/{report}/act":      groupStaff,
		"GET /admin/groups/{group}/log":                        groupStaff,

		"GET /admin/notifications":           staffOnly,
		"POST /admin/notifications/read":     staffOnly,
		"GET /admin/notifications/settings":  staffOnly,
		"POST /admin/notifications/settings": staffOnly,
		"POST /admin/domain-blocks/trust":    ownerOnly,

		"GET /admin/groups/{group}/modmail":                        groupStaff,
		"GET /admin/groups/{group}/modmail/{conversation}":         groupStaff,
		"POST /admin/groups/{group}/modmail/{conversation}/reply":  groupStaff,
		"POST /admin/groups/{group}/modmail/{conversation}/note":   groupStaff,
		"POST /admin/groups/{group}/modmail/{conversation}/assign": groupStaff,
		"POST /admin/groups/{group}/modmail/{conversation}/close":  groupStaff,
		"POST /admin/groups/{group}/modmail/{conversation}/reopen": groupStaff,
		"GET /admin/groups/{group}/anonymous":                      groupStaff,
		"POST /admin/groups/{group}/anonymous/{request}/approve":   groupStaff,
		"POST /admin/groups/{group}/anonymous/{request}/reject":    groupStaff,
		"POST /admin/groups/{group}/anonymous/{request}/forget":    groupStaff,
		"GET /admin/groups/{group}/threads/{post}":                 groupStaff,
		"POST /admin/groups/{group}/threads/{post}/reply":          groupStaff,
		"POST /admin/groups/{group}/threads/{post}/like":           groupStaff,
		"POST /admin/groups/{group}/threads/{post}/boost":          groupStaff,
		"GET /admin/groups/{group}/polls/new":                      groupStaff,
		"POST /admin/groups/{group}/polls/new":                     groupStaff,
		"GET /admin/groups/{group}/scheduled":                      groupStaff,
		"POST /admin/groups/{group}/scheduled/{scheduled}/cancel":  groupStaff,
		"GET /admin/groups/{group}/pulse":                          groupStaff,
		"POST /admin/groups/{group}/pulse/welcomed/{actor}":        groupStaff,

		// Belonging (belonging.go): events, profiles, roles, badges, digest.
		"GET /admin/groups/{group}/events":                  groupStaff,
		"GET /admin/groups/{group}/events/new":              groupStaff,
		"POST /admin/groups/{group}/events/new":             groupStaff,
		"GET /admin/groups/{group}/events/{event}":          groupStaff,
		"GET /admin/groups/{group}/events/{event}/edit":     groupStaff,
		"POST /admin/groups/{group}/events/{event}/edit":    groupStaff,
		"POST /admin/groups/{group}/events/{event}/cancel":  groupStaff,
		"POST /admin/groups/{group}/events/{event}/delete":  groupStaff,
		"GET /admin/groups/{group}/members/{actor}/profile": groupStaff,
		"POST /admin/groups/{group}/members/{actor}/roles":  groupStaff,
		"POST /admin/groups/{group}/members/{actor}/badges": groupStaff,
		"GET /admin/groups/{group}/belonging":               groupStaff,
		"POST /admin/groups/{group}/belonging":              groupStaff,
		"POST /admin/groups/{group}/belonging/digest":       groupStaff,
		"POST /admin/groups/{group}/badges":                 groupStaff,
		"POST /admin/groups/{group}/badges/{badge}/delete":  groupStaff,
		"POST /admin/groups/{group}/roles":                  groupOwner,
		"POST /admin/groups/{group}/roles/{role}/delete":    groupOwner,

		// Trust levels and invitations (trust.go, invitations.go).
		"GET /admin/groups/{group}/trust":                              groupStaff,
		"POST /admin/groups/{group}/trust":                             groupStaff,
		"POST /admin/groups/{group}/members/{actor}/level":             groupStaff,
		"GET /admin/groups/{group}/invitations":                        groupStaff,
		"POST /admin/groups/{group}/members/{actor}/invite-right":      groupStaff,
		"POST /admin/groups/{group}/members/{actor}/review-flag/clear": groupStaff,
	}
}

// TestEveryRouteRefuses walks the route table and sends each route an
// anonymous request, a moderator of another group's request and (for the
// owner's routes) a moderator of the group's own request, each with a
// valid CSRF token where there is a session, so that only the access
// check can refuse them.
func TestEveryRouteRefuses(t *testing.T) {
	t.Parallel() // each test has its own databases and fake fediverse
	webtest.EachWith(t, noGroup, func(t *testing.T, sc *webtest.Scenario) {
		n, db := newNode(t, sc), sc.Node.DB
		n.setup("gardeners")
		n.group("knitters")
		otherMod := n.login(n.staff("kim", storage.RoleModerator, "knitters").Username, ownerPassword)
		ownMod := n.login(n.staff("gus", storage.RoleModerator, "gardeners").Username, ownerPassword)
		otherCSRF, ownCSRF := otherMod.csrf(), ownMod.csrf()

		access := routeAccess()
		r := chi.NewRouter()
		admin.New(admin.Deps{DB: db}).Routes(r)
		seen := map[string]bool{}
		err := chi.Walk(r, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
			key := method + " " + route
			seen[key] = true
			class, ok := access[key]
			if !ok {
				t.Errorf("route %s is not classified in routeAccess", key)
				return nil
			}
			if class == public {
				return nil
			}
			path := strings.NewReplacer(
				"{group}", "gardeners", "{invite}", storage.NewID(), "{staff}", storage.NewID(), "{token}", "x",
				"{post}", storage.NewID(), "{follow}", storage.NewID(), "{actor}", storage.NewID(), "{report}", storage.NewID(),
				"{conversation}", storage.NewID(), "{request}", storage.NewID(), "{scheduled}", storage.NewID(),
				"{event}", storage.NewID(), "{role}", storage.NewID(), "{badge}", storage.NewID(),
			).Replace(route)

			t.Run(key, func(t *testing.T) {
				// Anonymous: pages send to the login form, anything else is refused.
				anon := n.browser()
				if method == http.MethodGet {
					res := anon.get(path)
					if res.status != http.StatusSeeOther || !strings.HasPrefix(res.location, "/login?next=") {
						t.Errorf("anonymous GET: status %d, location %q", res.status, res.location)
					}
				} else {
					wantStatus(t, "anonymous "+method, anon.post(path, url.Values{}), http.StatusForbidden)
				}

				try := func(who string, b *browser, csrf string, want bool) {
					t.Helper()
					var res response
					if method == http.MethodGet {
						res = b.get(path)
					} else {
						res = b.post(path, url.Values{"csrf": {csrf}})
					}
					refused := res.status == http.StatusForbidden
					if refused == want {
						return
					}
					t.Errorf("%s: status %d, want refused=%v\n%s", who, res.status, want, res.body)
				}
				switch class {
				case ownerOnly, groupOwner:
					try("moderator of another group", otherMod, otherCSRF, true)
					try("moderator of this group", ownMod, ownCSRF, true)
				case groupStaff:
					try("moderator of another group", otherMod, otherCSRF, true)
					if method == http.MethodGet {
						try("moderator of this group", ownMod, ownCSRF, false)
					}
				case staffOnly:
					if method == http.MethodGet {
						try("moderator", otherMod, otherCSRF, false)
					}
				}
			})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		for key := range access {
			if !seen[key] {
				t.Errorf("routeAccess lists %s, which the router does not serve", key)
			}
		}
	})
}

package admin_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/web/webtest"
)

var inviteLinkRE = regexp.MustCompile(`id="invite-link"[^>]*value="([^"]+)"`)

// invite has the owner create an invitation to group and returns its path.
func invite(t *testing.T, owner *browser, group string) string {
	t.Helper()
	res := owner.post("/admin/groups/"+group+"/invites", url.Values{"csrf": {owner.csrf()}})
	wantStatus(t, "create invitation", res, http.StatusCreated)
	m := inviteLinkRE.FindStringSubmatch(res.body)
	if m == nil {
		t.Fatalf("no invitation link on the page\n%s", res.body)
	}
	u, err := url.Parse(m[1])
	if err != nil || u.Host != owner.n.srv.Listener.Addr().String() || !strings.HasPrefix(u.Path, "/admin/invite/") {
		t.Fatalf("invitation link %q", m[1])
	}
	return u.Path
}

func TestInvite(t *testing.T) {
	t.Parallel() // each test has its own databases and fake fediverse
	webtest.EachWith(t, noGroup, func(t *testing.T, sc *webtest.Scenario) {
		ctx := context.Background()
		n, db := newNode(t, sc), sc.Node.DB
		owner := n.setup("gardeners")
		n.group("knitters")
		link := invite(t, owner, "gardeners")

		// The invitee has no account: the link is enough to see the form.
		b := n.browser()
		res := b.get(link)
		wantStatus(t, "invitation page", res, http.StatusOK)
		wantBody(t, "invitation page", res, "Moderate Gardeners", "@gardeners@")
		wantStatus(t, "unknown invitation", b.get("/admin/invite/nope"), http.StatusNotFound)

		res = b.post(link, url.Values{"username": {"gus"}, "password": {"long enough pw"}, "password2": {"different pw!"}})
		wantStatus(t, "passwords differ", res, http.StatusUnprocessableEntity)
		wantBody(t, "passwords differ", res, `value="gus"`, `id="f-password2-error"`)

		res = b.post(link, url.Values{"username": {"olive"}, "password": {"long enough pw"}, "password2": {"long enough pw"}})
		wantStatus(t, "taken username", res, http.StatusUnprocessableEntity)
		wantBody(t, "taken username", res, "This username is taken", `value="olive"`)

		res = b.post(link, url.Values{"username": {"gus"}, "password": {"long enough pw"}, "password2": {"long enough pw"}})
		if res.status != http.StatusSeeOther || res.location != "/admin/groups/gardeners" {
			t.Fatalf("accept: status %d, location %q\n%s", res.status, res.location, res.body)
		}
		gus, err := storage.StaffByUsername(ctx, db, "gus")
		if err != nil || gus.Role != storage.RoleModerator {
			t.Fatalf("gus = %+v, %v", gus, err)
		}
		// Logged in, moderating the group, and nothing else.
		wantStatus(t, "moderator's group page", b.get("/admin/groups/gardeners"), http.StatusOK)
		res = b.get("/admin")
		wantStatus(t, "moderator's dashboard", res, http.StatusOK)
		wantBody(t, "moderator's dashboard", res, "Gardeners")
		if strings.Contains(res.body, "knitters") || strings.Contains(res.body, "New group") {
			t.Errorf("moderator's dashboard shows another group or owner controls\n%s", res.body)
		}
		wantStatus(t, "other group", b.get("/admin/groups/knitters"), http.StatusForbidden)
		res = b.get("/admin/groups/gardeners/moderators")
		wantBody(t, "moderators page", res, "gus")
		if strings.Contains(res.body, "Create an invitation link") {
			t.Error("moderator sees the owner's invitation form")
		}

		// Single use.
		wantStatus(t, "used link", n.browser().get(link), http.StatusNotFound)
		res = n.browser().post(link, url.Values{"username": {"eve"}, "password": {"long enough pw"}, "password2": {"long enough pw"}})
		wantStatus(t, "used link, posted", res, http.StatusNotFound)

		// Seven days.
		late := invite(t, owner, "gardeners")
		n.clock.Advance(7*24*time.Hour - time.Minute)
		wantStatus(t, "link on day 7", n.browser().get(late), http.StatusOK)
		n.clock.Advance(2 * time.Minute)
		wantStatus(t, "expired link", n.browser().get(late), http.StatusNotFound)
		// The old sessions were idle for 7 days too.
		owner, b = n.login("olive", ownerPassword), n.login("gus", "long enough pw")

		// Withdrawn.
		revoked := invite(t, owner, "gardeners")
		res = owner.get("/admin/groups/gardeners/moderators")
		ids := regexp.MustCompile(`/invites/([0-9a-f-]+)/revoke`).FindAllStringSubmatch(res.body, -1)
		if len(ids) != 1 { // the expired one is not listed
			t.Fatalf("open invitations listed: %d, want 1\n%s", len(ids), res.body)
		}
		res = owner.post("/admin/groups/gardeners/invites/"+ids[0][1]+"/revoke", url.Values{"csrf": {owner.csrf()}})
		wantStatus(t, "revoke", res, http.StatusSeeOther)
		wantStatus(t, "withdrawn link", n.browser().get(revoked), http.StatusNotFound)

		// Removal takes effect at the moderator's next request.
		res = owner.post("/admin/groups/gardeners/moderators/"+gus.ID+"/remove", url.Values{"csrf": {owner.csrf()}})
		wantStatus(t, "remove moderator", res, http.StatusSeeOther)
		wantStatus(t, "removed moderator", b.get("/admin/groups/gardeners"), http.StatusForbidden)
		if ok, _ := storage.IsModerator(ctx, db, mustGroup(t, db, "gardeners").ID, gus.ID); ok {
			t.Error("gus still moderates gardeners")
		}
	})
}

func mustGroup(t *testing.T, db bun.IDB, name string) *storage.Group {
	t.Helper()
	g, err := storage.GroupByName(context.Background(), db, name)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

package admin_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/web/webtest"
)

// The owner moves a group to another group (here on the same node: a
// rename): refused, with the reason beside the field, until the target
// lists the group as the one it moves from; then a confirm step, then the
// move.
func TestGroupMovePage(t *testing.T) {
	t.Parallel()
	webtest.EachWith(t, noGroup, func(t *testing.T, sc *webtest.Scenario) {
		ctx := context.Background()
		n := newNode(t, sc)
		owner := n.setup("gardeners")
		n.group("garden")
		csrf := owner.csrf()

		res := owner.get("/admin/groups/gardeners/move")
		wantStatus(t, "move page", res, http.StatusOK)
		wantBody(t, "move page", res, "Move this group to another server", `name="target"`, "@gardeners@")

		move := url.Values{"csrf": {csrf}, "target": {"@garden@" + webtest.Host}}
		res = owner.post("/admin/groups/gardeners/move", move)
		wantStatus(t, "move to a group that does not list this one", res, http.StatusUnprocessableEntity)
		wantBody(t, "refused move", res, `id="f-target-error"`, "alsoKnownAs")

		res = owner.post("/admin/groups/garden/move/from", url.Values{"csrf": {csrf}, "aliases": {"@gardeners@" + webtest.Host + "\r\n"}})
		wantStatus(t, "moving from", res, http.StatusSeeOther)
		if g, _ := storage.GroupByName(ctx, n.db, "garden"); g.AlsoKnownAs != sc.Node.GroupIRI("gardeners") {
			t.Fatalf("garden's alsoKnownAs = %q", g.AlsoKnownAs)
		}

		res = owner.post("/admin/groups/gardeners/move", move)
		wantStatus(t, "confirm step", res, http.StatusOK)
		wantBody(t, "confirm step", res, `name="confirm" value="yes"`, "Move the group")
		if g, _ := storage.GroupByName(ctx, n.db, "gardeners"); g.Moved() {
			t.Fatal("moved before the confirm step")
		}

		move.Set("confirm", "yes")
		res = owner.post("/admin/groups/gardeners/move", move)
		wantStatus(t, "move", res, http.StatusSeeOther)
		g, _ := storage.GroupByName(ctx, n.db, "gardeners")
		if g.MovedTo != sc.Node.GroupIRI("garden") || g.MovedToHandle != "@garden@"+webtest.Host {
			t.Fatalf("moved to %q (%q)", g.MovedTo, g.MovedToHandle)
		}
		res = owner.get(res.location)
		wantBody(t, "after the move", res, "This group has moved", "@garden@"+webtest.Host)
	})
}

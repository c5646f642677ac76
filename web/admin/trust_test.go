package admin_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/web/webtest"
)

// The trust levels page shows the defaults and saves thresholds (refusing
// what is out of bounds); staff set a member's level on their profile,
// and a raised member hears of it by DM; the pulse counts members per
// level.
func TestTrustLevelsPages(t *testing.T) {
	t.Parallel()
	webtest.EachWith(t, noGroup, func(t *testing.T, sc *webtest.Scenario) {
		ctx := context.Background()
		n, db := newNode(t, sc), sc.Node.DB
		owner := n.setup("gardeners")
		csrf := owner.csrf()
		g := mustGroup(t, db, "gardeners")
		alice := n.member(sc.Masto, "alice", "gardeners")

		res := owner.get("/admin/groups/gardeners/trust")
		wantStatus(t, "trust page", res, http.StatusOK)
		wantBody(t, "trust page", res, `name="member_posts" type="number" value="1"`, `name="regular_days" type="number" value="30"`,
			`name="member_auto" checked`, "Members per level")
		wantNoBody(t, "trust page", res, `name="review_newcomers" checked`)

		form := url.Values{"csrf": {csrf}, "review_newcomers": {"on"}, "member_auto": {"on"}, "member_posts": {"2"},
			"regular_days": {"60"}, "regular_posts": {"20"}}
		bad := url.Values{}
		for k, v := range form {
			bad[k] = v
		}
		bad.Set("member_likes", "-1")
		res = owner.post("/admin/groups/gardeners/trust", bad)
		wantStatus(t, "bad threshold", res, http.StatusUnprocessableEntity)
		wantBody(t, "bad threshold", res, "Type a whole number from 0 to 3650")
		wantStatus(t, "save", owner.post("/admin/groups/gardeners/trust", form), http.StatusSeeOther)
		ts, err := storage.TrustSettingsOf(ctx, db, g.ID)
		if err != nil || !ts.ReviewNewcomers || !ts.MemberAuto || ts.RegularAuto || ts.MemberPosts != 2 || ts.RegularDays != 60 || ts.MemberLikes != 0 {
			t.Errorf("saved trust settings: %+v %v", ts, err)
		}

		a, err := storage.RemoteActorByIRI(ctx, db, alice.ID())
		if err != nil {
			t.Fatal(err)
		}
		profile := "/admin/groups/gardeners/members/" + a.ID
		wantBody(t, "profile", owner.get(profile+"/profile"), "Trust level", `<span class="tag">newcomer</span> earned`)
		res = owner.post(profile+"/level", url.Values{"csrf": {csrf}, "level": {"regular"}})
		wantStatus(t, "set level", res, http.StatusSeeOther)
		sc.Masto.WaitFor(t, isDMTo(alice.ID(), "You are now a regular of"), wait)
		wantBody(t, "profile", owner.get(profile+"/profile"), `<span class="tag">regular</span> set by a moderator`)
		wantStatus(t, "bad level", owner.post(profile+"/level", url.Values{"csrf": {csrf}, "level": {"boss"}}), http.StatusUnprocessableEntity)
		wantStatus(t, "back to automatic", owner.post(profile+"/level", url.Values{"csrf": {csrf}, "level": {"auto"}}), http.StatusSeeOther)
		if ml, _ := storage.MemberLevelOf(ctx, db, g.ID, a.ID); ml.ByHand || ml.Level != storage.LevelRegular {
			t.Errorf("after handing back: %+v", ml)
		}
		wantBody(t, "pulse", owner.get("/admin/groups/gardeners/pulse"), "Members per level", "<dt>regulars</dt><dd>1</dd>")
		wantBody(t, "log", owner.get("/admin/groups/gardeners/log"), "set_level")
	})
}

package admin_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

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
			"regular_days": {"60"}, "regular_posts": {"20"},
			"invite_level": {"member"}, "invites_per_week": {"5"}}
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
		if err != nil || !ts.ReviewNewcomers || !ts.MemberAuto || ts.RegularAuto || ts.MemberPosts != 2 || ts.RegularDays != 60 || ts.MemberLikes != 0 ||
			ts.InviteLevel != storage.LevelMember || ts.InvitesPerWeek != 5 {
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

// The invitation tree shows who came through whom, how many each invited
// and how many of those were banned; staff revoke and give back a
// member's right to invite.
func TestInvitationTree(t *testing.T) {
	t.Parallel()
	webtest.EachWith(t, noGroup, func(t *testing.T, sc *webtest.Scenario) {
		ctx := context.Background()
		n, db := newNode(t, sc), sc.Node.DB
		owner := n.setup("gardeners")
		csrf := owner.csrf()
		g := mustGroup(t, db, "gardeners")
		rows := map[string]*storage.RemoteActor{}
		for _, name := range []string{"alice", "bob", "carol"} {
			a := n.member(sc.Masto, name, "gardeners")
			row, err := storage.RemoteActorByIRI(ctx, db, a.ID())
			if err != nil {
				t.Fatal(err)
			}
			rows[name] = row
		}
		now := time.Now()
		for i, pair := range [][2]string{{"alice", "bob"}, {"bob", "carol"}} {
			inv := &storage.Invitation{GroupID: g.ID, InviterID: rows[pair[0]].ID, TokenHash: strconv.Itoa(i)}
			if err := storage.CreateInvitation(ctx, db, now, inv); err != nil {
				t.Fatal(err)
			}
			if err := storage.ClaimInvitation(ctx, db, now, inv.ID, pair[1]+"@"+webtest.MastodonHost); err != nil {
				t.Fatal(err)
			}
			if err := storage.UseInvitation(ctx, db, now, inv.ID, rows[pair[1]].ID); err != nil {
				t.Fatal(err)
			}
		}
		if err := storage.CreateBan(ctx, db, now, &storage.Ban{GroupID: g.ID, ActorID: rows["carol"].ID, BlockIRI: "x"}); err != nil {
			t.Fatal(err)
		}
		res := owner.get("/admin/groups/gardeners/invitations")
		wantStatus(t, "tree", res, http.StatusOK)
		wantBody(t, "tree", res, `data-depth="0"><a href="/admin/groups/gardeners/members/`+rows["alice"].ID+`/profile">@alice@`,
			`data-depth="1"><span aria-hidden="true">↳ </span><a href="/admin/groups/gardeners/members/`+rows["bob"].ID,
			`@carol@`+webtest.MastodonHost+`</a> <span class="tag">banned</span>`,
			"<td>1</td>\n    <td>1</td>") // bob invited one, who was banned
		wantStatus(t, "revoke", owner.post("/admin/groups/gardeners/members/"+rows["alice"].ID+"/invite-right", url.Values{"csrf": {csrf}, "do": {"revoke"}}), http.StatusSeeOther)
		if ml, _ := storage.MemberLevelOf(ctx, db, g.ID, rows["alice"].ID); !ml.InviteRevoked {
			t.Error("alice's right to invite was not revoked")
		}
		wantBody(t, "tree", owner.get("/admin/groups/gardeners/invitations"), "Give it back")
		wantStatus(t, "restore", owner.post("/admin/groups/gardeners/members/"+rows["alice"].ID+"/invite-right", url.Values{"csrf": {csrf}, "do": {"restore"}}), http.StatusSeeOther)
		if ml, _ := storage.MemberLevelOf(ctx, db, g.ID, rows["alice"].ID); ml.InviteRevoked {
			t.Error("alice's right to invite was not given back")
		}
	})
}

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

// Banning a member who invited people offers, on the confirm step and
// unticked, to review everyone they invited; ticked, the invitees show
// flagged in the invitation tree, the member list and their profile, and
// staff clear the flag per member. A member who invited nobody is banned
// without the offer, and a ban from a report offers it too.
func TestBanReviewsInviteesPages(t *testing.T) {
	t.Parallel()
	webtest.EachWith(t, noGroup, func(t *testing.T, sc *webtest.Scenario) {
		ctx := context.Background()
		n, db := newNode(t, sc), sc.Node.DB
		owner := n.setup("gardeners")
		csrf := owner.csrf()
		g := mustGroup(t, db, "gardeners")
		rows := map[string]*storage.RemoteActor{}
		for _, name := range []string{"xavier", "bob", "carol", "dan", "erin"} {
			a := n.member(sc.Masto, name, "gardeners")
			row, err := storage.RemoteActorByIRI(ctx, db, a.ID())
			if err != nil {
				t.Fatal(err)
			}
			rows[name] = row
		}
		now := time.Now()
		for i, pair := range [][2]string{{"xavier", "bob"}, {"xavier", "carol"}, {"dan", "erin"}} {
			inv := &storage.Invitation{GroupID: g.ID, InviterID: rows[pair[0]].ID, TokenHash: strconv.Itoa(i)}
			if err := storage.CreateInvitation(ctx, db, now, inv); err != nil {
				t.Fatal(err)
			}
			if err := storage.UseInvitation(ctx, db, now, inv.ID, rows[pair[1]].ID); err != nil {
				t.Fatal(err)
			}
		}
		members := "/admin/groups/gardeners/members/"
		const box = `<input type="checkbox" name="review_invitees">`

		// Bob invited nobody: no offer.
		res := owner.post(members+rows["bob"].ID+"/ban", url.Values{"csrf": {csrf}})
		wantBody(t, "ban bob, unconfirmed", res, "Ban @bob@")
		wantNoBody(t, "ban bob, unconfirmed", res, box)

		// Xavier invited two: offered, unticked.
		res = owner.post(members+rows["xavier"].ID+"/ban", url.Values{"csrf": {csrf}, "reason": {"spam ring"}})
		wantBody(t, "ban xavier, unconfirmed", res, box, "Also review everyone they invited (2 people)")
		res = owner.post(members+rows["xavier"].ID+"/ban", url.Values{"csrf": {csrf}, "reason": {"spam ring"}, "confirm": {"yes"}, "review_invitees": {"on"}})
		if res.status != http.StatusSeeOther || res.location != "/admin/groups/gardeners/bans?done=banned" {
			t.Fatalf("ban xavier: %d %q\n%s", res.status, res.location, res.body)
		}
		why := "invited by @xavier@" + webtest.MastodonHost + ", who was banned"
		for _, name := range []string{"bob", "carol"} {
			if ml, _ := storage.MemberLevelOf(ctx, db, g.ID, rows[name].ID); ml.ReviewReason != why {
				t.Errorf("%s after the ban: %q, want %q", name, ml.ReviewReason, why)
			}
		}
		wantBody(t, "tree", owner.get("/admin/groups/gardeners/invitations"), `<span class="tag attention">posts reviewed</span> <span class="meta">`+why,
			`action="/admin/groups/gardeners/members/`+rows["bob"].ID+`/review-flag/clear"`)
		wantBody(t, "members", owner.get("/admin/groups/gardeners/members"), "<dt>Posts reviewed</dt>", why, `name="back" value="members"`)
		wantBody(t, "profile", owner.get(members+rows["carol"].ID+"/profile"), "<dt>Posts reviewed</dt>", "Clear the review flag")
		wantBody(t, "log", owner.get("/admin/groups/gardeners/log"), "flagged for review the posts of")

		// Cleared from the tree, then from the profile.
		res = owner.post(members+rows["bob"].ID+"/review-flag/clear", url.Values{"csrf": {csrf}, "back": {"invitations"}})
		if res.status != http.StatusSeeOther || res.location != "/admin/groups/gardeners/invitations?done=cleared" {
			t.Fatalf("clear bob: %d %q", res.status, res.location)
		}
		wantBody(t, "cleared", owner.get(res.location), "The flag is cleared")
		res = owner.post(members+rows["carol"].ID+"/review-flag/clear", url.Values{"csrf": {csrf}})
		if res.location != members+rows["carol"].ID+"/profile?done=cleared" {
			t.Fatalf("clear carol: %d %q", res.status, res.location)
		}
		for _, name := range []string{"bob", "carol"} {
			if ml, _ := storage.MemberLevelOf(ctx, db, g.ID, rows[name].ID); ml.ReviewReason != "" {
				t.Errorf("%s still flagged: %q", name, ml.ReviewReason)
			}
		}
		wantNoBody(t, "members after clearing", owner.get("/admin/groups/gardeners/members"), "<dt>Posts reviewed</dt>")
		wantStatus(t, "clear twice", owner.post(members+rows["bob"].ID+"/review-flag/clear", url.Values{"csrf": {csrf}}), http.StatusNotFound)
		wantBody(t, "log", owner.get("/admin/groups/gardeners/log"), "cleared the review flag of")

		// A ban from a report offers it too; unticked, nobody is flagged.
		rp := &storage.Report{GroupID: g.ID, ActivityIRI: "https://mastodon.test/flags/1", ReporterIRI: sc.Masto.URL("/actor"), TargetIRI: rows["dan"].IRI, Reason: "spam"}
		if err := storage.CreateReport(ctx, db, now, rp); err != nil {
			t.Fatal(err)
		}
		act := "/admin/groups/gardeners/reports/" + rp.ID + "/act"
		wantBody(t, "report ban, unconfirmed", owner.post(act, url.Values{"csrf": {csrf}, "do": {"ban"}}), box, "Also review everyone they invited (1 person)")
		wantStatus(t, "report ban", owner.post(act, url.Values{"csrf": {csrf}, "do": {"ban"}, "confirm": {"yes"}}), http.StatusSeeOther)
		if b, err := storage.BanOf(ctx, db, g.ID, rows["dan"].ID); err != nil || b == nil {
			t.Errorf("dan is not banned: %v", err)
		}
		if ml, _ := storage.MemberLevelOf(ctx, db, g.ID, rows["erin"].ID); ml.ReviewReason != "" {
			t.Errorf("erin flagged without the option: %q", ml.ReviewReason)
		}
	})
}

package admin_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/kith-social/kith/federation/fedtest"
	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/web/webtest"
)

// A report offers what follows from it — remove the post, ban the author,
// block their server, dismiss — each asked first where it cannot be undone,
// each resolving the report and written to the log.
func TestReportActions(t *testing.T) {
	t.Parallel()
	webtest.EachWith(t, noGroup, func(t *testing.T, sc *webtest.Scenario) {
		ctx := context.Background()
		n, db := newNode(t, sc), sc.Node.DB
		owner := n.setup("gardeners")
		csrf := owner.csrf()
		g := mustGroup(t, db, "gardeners")
		spam := n.fed.Net.NewInstance("spam.test", fedtest.Mastodon)
		troll := n.member(sc.Masto, "troll", "gardeners")
		bot := n.member(spam, "bot", "gardeners")
		n.member(spam, "bot2", "gardeners")
		trollPost := n.memberPost(troll, "gardeners", "Slugs deserve rights")
		botPost := n.memberPost(bot, "gardeners", "Cheap watches")
		report := func(target *fedtest.Actor, post *storage.Post, reason string) *storage.Report {
			t.Helper()
			rp := &storage.Report{GroupID: g.ID, ActivityIRI: "https://mastodon.test/flags/" + storage.NewID(), ReporterIRI: sc.Masto.URL("/actor"),
				TargetIRI: target.ID(), ObjectIRIs: `["` + post.IRI + `"]`, Reason: reason}
			if err := storage.CreateReport(ctx, db, time.Now(), rp); err != nil {
				t.Fatal(err)
			}
			return rp
		}
		removeIt, banIt := report(troll, trollPost, "Off topic"), report(troll, trollPost, "Trolling")
		blockIt, dismissIt := report(bot, botPost, "Spam server"), report(troll, trollPost, "I just dislike slugs")
		act := func(rp *storage.Report, v url.Values) response {
			t.Helper()
			v.Set("csrf", csrf)
			return owner.post("/admin/groups/gardeners/reports/"+rp.ID+"/act", v)
		}

		res := owner.get("/admin/groups/gardeners/reports")
		wantBody(t, "reports", res, "reported by the server mastodon.test", `name="do" value="remove"`, `name="do" value="ban"`,
			`name="do" value="block"`, `name="do" value="dismiss"`, "Ban @troll@mastodon.test", "Block spam.test")
		wantNoBody(t, "reports", res, "from "+sc.Masto.URL("/actor"))

		trollRow, err := storage.RemoteActorByIRI(ctx, db, troll.ID())
		if err != nil {
			t.Fatal(err)
		}
		if err := storage.SetLevel(ctx, db, time.Now(), g.ID, trollRow.ID, storage.LevelRegular, true); err != nil {
			t.Fatal(err)
		}
		// Remove: asked first, then the post is out of the group.
		res = act(removeIt, url.Values{"do": {"remove"}, "post": {trollPost.ID}})
		wantBody(t, "remove, unconfirmed", res, "Remove the reported post from", "Remove the post")
		res = act(removeIt, url.Values{"do": {"remove"}, "post": {trollPost.ID}, "confirm": {"yes"}, "reason": {"off topic"}})
		if res.status != http.StatusSeeOther || res.location != "/admin/groups/gardeners/reports?done=report-removed" {
			t.Fatalf("remove: %d %q\n%s", res.status, res.location, res.body)
		}
		if p, _ := storage.PostByID(ctx, db, trollPost.ID); p.State != storage.PostRemoved {
			t.Errorf("reported post state %s, want removed", p.State)
		}
		// The report is upheld: the troll is a newcomer again, earned levels only.
		if rp, _ := storage.ReportByID(ctx, db, removeIt.ID); !rp.Upheld {
			t.Error("acted-on report not upheld")
		}
		if ml, _ := storage.MemberLevelOf(ctx, db, g.ID, trollRow.ID); ml.Level != storage.LevelNewcomer || ml.ByHand {
			t.Errorf("troll's level after an upheld report: %+v", ml)
		}

		// Ban: the author is out, their server gets a Block.
		res = act(banIt, url.Values{"do": {"ban"}})
		wantBody(t, "ban, unconfirmed", res, "Ban @troll@mastodon.test from")
		wantStatus(t, "ban", act(banIt, url.Values{"do": {"ban"}, "confirm": {"yes"}}), http.StatusSeeOther)
		sc.Masto.WaitFor(t, func(d fedtest.Delivery) bool { return d.Type() == "Block" && d.ObjectID() == troll.ID() }, wait)

		// Block: the confirm step counts the members it removes.
		res = act(blockIt, url.Values{"do": {"block"}})
		wantBody(t, "block, unconfirmed", res, "Block spam.test?", "2 memberships in your groups are on spam.test: they end.")
		wantStatus(t, "block", act(blockIt, url.Values{"do": {"block"}, "confirm": {"yes"}}), http.StatusSeeOther)
		if blocked, _ := storage.IsDomainBlocked(ctx, db, "spam.test"); !blocked {
			t.Error("spam.test is not blocked")
		}

		// Dismiss: nothing changes but the report.
		res = act(dismissIt, url.Values{"do": {"dismiss"}})
		if res.location != "/admin/groups/gardeners/reports?done=dismissed" {
			t.Fatalf("dismiss: %d %q", res.status, res.location)
		}
		for _, rp := range []*storage.Report{removeIt, banIt, blockIt, dismissIt} {
			if got, _ := storage.ReportByID(ctx, db, rp.ID); got.State != storage.ReportResolved || got.Upheld != (rp != dismissIt) {
				t.Errorf("report %q is %s, upheld %v", rp.Reason, got.State, got.Upheld)
			}
		}
		wantBody(t, "log", owner.get("/admin/groups/gardeners/log"), "removed a post", "banned",
			"dismissed a report about", "Removed the post: off topic", "Banned @troll@mastodon.test", "Blocked spam.test")
		// The log filters by action, moderator and person.
		res = owner.get("/admin/groups/gardeners/log?action=ban")
		wantBody(t, "log of bans", res, "banned", "Show everything")
		wantNoBody(t, "log of bans", res, "Why: Removed the post", "Why: Dismissed")
		res = owner.get("/admin/groups/gardeners/log?target=" + url.QueryEscape(troll.ID()))
		wantBody(t, "log about troll", res, "Only what was done to <strong>@troll@mastodon.test</strong>", "banned")
		wantNoBody(t, "log about troll", res, "Blocked spam.test")
		wantBody(t, "log by nobody", owner.get("/admin/groups/gardeners/log?staff=nobody"), "Nothing logged matches.")
		wantStatus(t, "unknown action", act(dismissIt, url.Values{"do": {"explode"}}), http.StatusBadRequest)
	})
}

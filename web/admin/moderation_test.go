package admin_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kith-social/kith/federation/fedtest"
	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/web/webtest"
)

func TestFollowRequests(t *testing.T) {
	t.Parallel() // each test has its own databases and fake fediverse
	webtest.EachWith(t, noGroup, func(t *testing.T, sc *webtest.Scenario) {
		ctx := context.Background()
		n, db := newNode(t, sc), sc.Node.DB
		owner := n.setup("gardeners")
		csrf := owner.csrf()
		n.setGroup("gardeners", func(g *storage.Group) { g.Closed = true })
		g := mustGroup(t, db, "gardeners")
		masto := sc.Masto
		dora := masto.NewActor("dora")
		dora.SetProfile(fedtest.Profile{Name: "Dora Digger", Summary: "<p>I grow <b>leeks</b></p>"})
		n.send(dora, n.fed.GroupIRI("gardeners"), dora.Follow(n.fed.GroupIRI("gardeners")))
		n.member(masto, "eve", "gardeners")

		// The group's pages count the requests.
		res := owner.get("/admin/groups/gardeners")
		wantBody(t, "group page", res, `/requests">Requests <span class="badge">2<`)

		res = owner.get("/admin/groups/gardeners/requests")
		wantStatus(t, "requests", res, http.StatusOK)
		wantBody(t, "requests", res, "Dora Digger", "@dora@mastodon.test", "I grow <b>leeks</b>", "@eve@mastodon.test")
		reqs, err := storage.ListFollows(ctx, db, g.ID, storage.FollowPending, 10, 0)
		if err != nil || len(reqs) != 2 {
			t.Fatalf("requests = %d, %v", len(reqs), err)
		}
		byName := map[string]storage.Follow{}
		for _, f := range reqs {
			byName[f.Actor.Username] = f
		}

		res = owner.post("/admin/groups/gardeners/requests/"+byName["dora"].ID+"/approve", url.Values{"csrf": {csrf}})
		if res.status != http.StatusSeeOther || res.location != "/admin/groups/gardeners/requests?done=approved" {
			t.Fatalf("approve: %d %q", res.status, res.location)
		}
		masto.WaitFor(t, func(d fedtest.Delivery) bool {
			return d.Type() == "Accept" && strings.Contains(string(d.Body), dora.ID())
		}, wait)
		wantBody(t, "reject without confirming", owner.post("/admin/groups/gardeners/requests/"+byName["eve"].ID+"/reject", url.Values{"csrf": {csrf}}),
			"Reject the request of @eve@mastodon.test?")
		wantStatus(t, "reject", owner.post("/admin/groups/gardeners/requests/"+byName["eve"].ID+"/reject", url.Values{"csrf": {csrf}, "confirm": {"yes"}}), http.StatusSeeOther)
		masto.WaitFor(t, func(d fedtest.Delivery) bool {
			return d.Type() == "Reject" && strings.Contains(string(d.Body), "/users/eve")
		}, wait)

		// Deciding twice is harmless.
		res = owner.post("/admin/groups/gardeners/requests/"+byName["dora"].ID+"/approve", url.Values{"csrf": {csrf}})
		if res.location != "/admin/groups/gardeners/requests?done=decided" {
			t.Errorf("second decision: %d %q", res.status, res.location)
		}
		if m, _ := storage.CountFollows(ctx, db, g.ID, storage.FollowAccepted); m != 1 {
			t.Errorf("members = %d, want 1", m)
		}
		wantBody(t, "log", owner.get("/admin/groups/gardeners/log"), "approved the request of", "rejected the request of", "@dora@mastodon.test")

		// A request of another group is not found here.
		n.group("knitters")
		n.setGroup("knitters", func(g *storage.Group) { g.Closed = true })
		n.member(masto, "fay", "knitters")
		k := mustGroup(t, db, "knitters")
		other, _ := storage.ListFollows(ctx, db, k.ID, storage.FollowPending, 10, 0)
		wantStatus(t, "other group's request", owner.post("/admin/groups/gardeners/requests/"+other[0].ID+"/approve", url.Values{"csrf": {csrf}}), http.StatusNotFound)
	})
}

func TestReviewQueue(t *testing.T) {
	t.Parallel() // each test has its own databases and fake fediverse
	webtest.EachWith(t, noGroup, func(t *testing.T, sc *webtest.Scenario) {
		ctx := context.Background()
		n, db := newNode(t, sc), sc.Node.DB
		owner := n.setup("gardeners")
		csrf := owner.csrf()
		n.setGroup("gardeners", func(g *storage.Group) { g.ReviewQueue = true })
		masto := sc.Masto
		alice := n.member(masto, "alice", "gardeners")
		good := n.memberPost(alice, "gardeners", "Seed swap on Sunday")
		bad := n.memberPost(alice, "gardeners", "Buy cheap watches")
		if good.State != storage.PostPending || bad.State != storage.PostPending {
			t.Fatalf("states %s %s, want pending", good.State, bad.State)
		}

		res := owner.get("/admin/groups/gardeners/queue")
		wantStatus(t, "queue", res, http.StatusOK)
		wantBody(t, "queue", res, `Review queue <span class="badge">2<`, "Seed swap on Sunday", "Buy cheap watches", "@alice@mastodon.test")
		if strings.Index(res.body, "Seed swap") > strings.Index(res.body, "cheap watches") {
			t.Error("the queue should list the oldest post first")
		}

		wantStatus(t, "approve", owner.post("/admin/groups/gardeners/queue/"+good.ID+"/approve", url.Values{"csrf": {csrf}}), http.StatusSeeOther)
		masto.WaitFor(t, delivered("Announce", good.IRI), wait)
		wantBody(t, "reject without confirming", owner.post("/admin/groups/gardeners/queue/"+bad.ID+"/reject", url.Values{"csrf": {csrf}, "reason": {"spam"}}),
			"Reject this post?", `name="reason" value="spam"`)
		res = owner.post("/admin/groups/gardeners/queue/"+bad.ID+"/reject", url.Values{"csrf": {csrf}, "reason": {"spam"}, "confirm": {"yes"}})
		wantStatus(t, "reject", res, http.StatusSeeOther)
		for id, want := range map[string]string{good.ID: storage.PostPublished, bad.ID: storage.PostRejected} {
			if p, _ := storage.PostByID(ctx, db, id); p.State != want {
				t.Errorf("post %s: %s, want %s", id, p.State, want)
			}
		}
		res = owner.get("/admin/groups/gardeners/queue?done=refused")
		wantBody(t, "empty queue", res, "No posts are waiting", "Rejected: the post stays out")
		wantBody(t, "log", owner.get("/admin/groups/gardeners/log"), "approved a post", "rejected a post", "Why: spam")

		// Deciding a post that is no longer held just says so.
		res = owner.post("/admin/groups/gardeners/queue/"+bad.ID+"/approve", url.Values{"csrf": {csrf}})
		if res.location != "/admin/groups/gardeners/queue?done=decided" {
			t.Errorf("approve a rejected post: %d %q", res.status, res.location)
		}
	})
}

func TestMembersBanAndRemove(t *testing.T) {
	t.Parallel() // each test has its own databases and fake fediverse
	webtest.EachWith(t, noGroup, func(t *testing.T, sc *webtest.Scenario) {
		ctx := context.Background()
		n, db := newNode(t, sc), sc.Node.DB
		owner := n.setup("gardeners")
		csrf := owner.csrf()
		g := mustGroup(t, db, "gardeners")
		masto := sc.Masto
		alice := sc.Alice()
		alice.SetProfile(fedtest.Profile{Name: "Alice Allotment", Summary: "<p>Plot 12</p>",
			Fields: []fedtest.Field{{Name: "Favourite", Value: "Rhubarb"}}})
		n.send(alice, n.fed.GroupIRI("gardeners"), alice.Follow(n.fed.GroupIRI("gardeners")))
		n.member(masto, "bob", "gardeners")
		post := n.memberPost(alice, "gardeners", "Rhubarb crumble recipe")
		masto.WaitFor(t, delivered("Announce", post.IRI), wait)

		res := owner.get("/admin/groups/gardeners/members")
		wantStatus(t, "members", res, http.StatusOK)
		wantBody(t, "members", res, `Members <span class="count">2</span>`, "Alice Allotment", "@alice@mastodon.test", "<p>Plot 12</p>",
			"<dt>Favourite</dt><dd>Rhubarb</dd>", "<dd>mastodon.test</dd>", "<dt>Posts in the group</dt><dd>1</dd>", "@bob@mastodon.test")

		// Remove the post, with a reason.
		res = owner.get("/admin/groups/gardeners/recent")
		wantBody(t, "recent", res, "Rhubarb crumble recipe", "/recent/"+post.ID+"/remove")
		wantStatus(t, "remove", owner.post("/admin/groups/gardeners/recent/"+post.ID+"/remove", url.Values{"csrf": {csrf}, "reason": {"off topic"}}), http.StatusSeeOther)
		masto.WaitFor(t, delivered("Undo", ""), wait)
		if p, _ := storage.PostByID(ctx, db, post.ID); p.State != storage.PostRemoved {
			t.Errorf("post state %s", p.State)
		}
		wantBody(t, "recent after removal", owner.get("/admin/groups/gardeners/recent"), "Members have not posted")

		// Ban: the member is out and their server gets a Block.
		actor, err := storage.RemoteActorByIRI(ctx, db, alice.ID())
		if err != nil {
			t.Fatal(err)
		}
		// The ban asks first, and does nothing until confirmed.
		res = owner.post("/admin/groups/gardeners/members/"+actor.ID+"/ban", url.Values{"csrf": {csrf}, "reason": {"spam links"}})
		wantStatus(t, "ban without confirming", res, http.StatusOK)
		wantBody(t, "ban without confirming", res, "Ban @alice@mastodon.test from", `name="confirm" value="yes"`,
			`name="reason" value="spam links"`, "Ban them", `href="/admin/groups/gardeners/members">No, go back`)
		if _, err := storage.FollowOf(ctx, db, g.ID, actor.ID); err != nil {
			t.Fatalf("an unconfirmed ban ended the membership: %v", err)
		}
		res = owner.post("/admin/groups/gardeners/members/"+actor.ID+"/ban", url.Values{"csrf": {csrf}, "reason": {"spam links"}, "confirm": {"yes"}})
		if res.status != http.StatusSeeOther || res.location != "/admin/groups/gardeners/bans?done=banned" {
			t.Fatalf("ban: %d %q\n%s", res.status, res.location, res.body)
		}
		masto.WaitFor(t, func(d fedtest.Delivery) bool { return d.Type() == "Block" && d.ObjectID() == alice.ID() }, wait)
		if _, err := storage.FollowOf(ctx, db, g.ID, actor.ID); err == nil {
			t.Error("the banned member still follows")
		}
		res = owner.get("/admin/groups/gardeners/bans?done=banned")
		wantBody(t, "bans", res, "Banned: they are out", "Alice Allotment", "by olive — spam links")
		wantBody(t, "log", owner.get("/admin/groups/gardeners/log"), "removed a post", "off topic", "banned", "spam links")

		// Unban: Undo{Block}.
		wantStatus(t, "unban", owner.post("/admin/groups/gardeners/bans/"+actor.ID+"/unban", url.Values{"csrf": {csrf}}), http.StatusSeeOther)
		masto.WaitFor(t, func(d fedtest.Delivery) bool {
			return d.Type() == "Undo" && strings.Contains(string(d.Body), `"Block"`)
		}, wait)
		wantBody(t, "no bans", owner.get("/admin/groups/gardeners/bans"), "Nobody is banned")
		wantStatus(t, "unban twice", owner.post("/admin/groups/gardeners/bans/"+actor.ID+"/unban", url.Values{"csrf": {csrf}}), http.StatusSeeOther)
	})
}

func TestReports(t *testing.T) {
	t.Parallel() // each test has its own databases and fake fediverse
	webtest.EachWith(t, noGroup, func(t *testing.T, sc *webtest.Scenario) {
		ctx := context.Background()
		n, db := newNode(t, sc), sc.Node.DB
		owner := n.setup("gardeners")
		csrf := owner.csrf()
		g := mustGroup(t, db, "gardeners")
		n.group("knitters")
		masto := sc.Masto
		troll := n.member(masto, "troll", "gardeners")
		post := n.memberPost(troll, "gardeners", "Slugs deserve rights")
		rp := &storage.Report{GroupID: g.ID, ActivityIRI: "http://other.test/flags/1", ReporterIRI: "http://other.test/actor",
			TargetIRI: troll.ID(), ObjectIRIs: `["` + post.IRI + `"]`, Reason: "Trolling the group"}
		if err := storage.CreateReport(ctx, db, time.Now(), rp); err != nil {
			t.Fatal(err)
		}
		kim := n.login(n.staff("kim", storage.RoleModerator, "knitters").Username, ownerPassword)

		wantBody(t, "group page", owner.get("/admin/groups/gardeners"), `/reports">Reports <span class="badge">1<`)
		for _, path := range []string{"/admin/groups/gardeners/reports", "/admin/reports"} {
			res := owner.get(path)
			wantStatus(t, path, res, http.StatusOK)
			wantBody(t, path, res, "Trolling the group", "@troll@mastodon.test", "Slugs deserve rights", "/reports/"+rp.ID+"/resolve", "/reports/"+rp.ID+"/forward")
		}
		if res := kim.get("/admin/reports"); strings.Contains(res.body, "Trolling") {
			t.Error("a moderator of another group sees the report")
		}

		res := owner.post("/admin/groups/gardeners/reports/"+rp.ID+"/forward", url.Values{"csrf": {csrf}, "from": {"all"}})
		if res.status != http.StatusSeeOther || res.location != "/admin/reports?done=forwarded" {
			t.Fatalf("forward: %d %q\n%s", res.status, res.location, res.body)
		}
		flag := masto.WaitFor(t, delivered("Flag", ""), wait)
		if !strings.Contains(string(flag.Body), troll.ID()) || !strings.Contains(string(flag.Body), post.IRI) {
			t.Errorf("Flag = %s", flag.Body)
		}
		res = owner.post("/admin/groups/gardeners/reports/"+rp.ID+"/resolve", url.Values{"csrf": {csrf}, "note": {"banned the troll"}})
		wantStatus(t, "resolve", res, http.StatusSeeOther)
		res = owner.get("/admin/groups/gardeners/reports")
		wantBody(t, "resolved", res, "No open reports", "by olive — banned the troll", "forwarded ")
		wantBody(t, "log", owner.get("/admin/groups/gardeners/log"), "forwarded a report about", "resolved a report about", "banned the troll")
		// A report of the group is not found through another group.
		n2 := n.staff("gus", storage.RoleModerator, "knitters", "gardeners")
		gus := n.login(n2.Username, ownerPassword)
		wantStatus(t, "through another group", gus.post("/admin/groups/knitters/reports/"+rp.ID+"/resolve", url.Values{"csrf": {gus.csrf()}}), http.StatusNotFound)
	})
}

func TestDomainBlocks(t *testing.T) {
	t.Parallel() // each test has its own databases and fake fediverse
	webtest.EachWith(t, noGroup, func(t *testing.T, sc *webtest.Scenario) {
		ctx := context.Background()
		n, db := newNode(t, sc), sc.Node.DB
		owner := n.setup("gardeners")
		csrf := owner.csrf()
		g := mustGroup(t, db, "gardeners")
		spam := n.fed.Net.NewInstance("spam.test", fedtest.Mastodon)
		n.member(spam, "bot", "gardeners")

		wantStatus(t, "list", owner.get("/admin/domain-blocks"), http.StatusOK)
		for _, tc := range []struct{ name, domain, msg string }{
			{"empty", "", "Type the server&#39;s domain"},
			{"handle", "bot@spam.test", "This is not a domain"},
			{"wildcard", "*.spam", "This is not a domain"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				res := owner.post("/admin/domain-blocks", url.Values{"csrf": {csrf}, "domain": {tc.domain}, "reason": {"spam wave"}})
				wantStatus(t, "invalid block", res, http.StatusUnprocessableEntity)
				wantBody(t, "invalid block", res, `id="f-domain-error"`, tc.msg, `value="spam wave"`)
			})
		}
		res := owner.post("/admin/domain-blocks", url.Values{"csrf": {csrf}, "domain": {"https://Spam.test/about"}, "reason": {"spam wave"}})
		wantStatus(t, "block without confirming", res, http.StatusOK)
		wantBody(t, "block without confirming", res, "Block spam.test?", "1 membership in your groups is on spam.test: it ends.",
			`name="domain" value="https://Spam.test/about"`)
		if m, _ := storage.CountFollows(ctx, db, g.ID, storage.FollowAccepted); m != 1 {
			t.Errorf("an unconfirmed block changed the members: %d", m)
		}
		res = owner.post("/admin/domain-blocks", url.Values{"csrf": {csrf}, "domain": {"https://Spam.test/about"}, "reason": {"spam wave"}, "confirm": {"yes"}})
		wantStatus(t, "block", res, http.StatusSeeOther)
		if m, _ := storage.CountFollows(ctx, db, g.ID, storage.FollowAccepted); m != 0 {
			t.Errorf("members from the blocked server: %d", m)
		}
		res = owner.post("/admin/domain-blocks", url.Values{"csrf": {csrf}, "domain": {"spam.test"}})
		wantStatus(t, "block twice", res, http.StatusUnprocessableEntity)
		wantBody(t, "block twice", res, "blocked already")
		res = owner.get("/admin/domain-blocks")
		wantBody(t, "blocks", res, "<th scope=\"row\">spam.test</th>", "<td data-label=\"Reason\">spam wave</td>", "blocked the domain")
		wantStatus(t, "unblock", owner.post("/admin/domain-blocks/remove", url.Values{"csrf": {csrf}, "domain": {"spam.test"}}), http.StatusSeeOther)
		if blocked, _ := storage.IsDomainBlocked(ctx, db, "spam.test"); blocked {
			t.Error("still blocked")
		}
	})
}

func TestFederationHealth(t *testing.T) {
	t.Parallel() // each test has its own databases and fake fediverse
	webtest.EachWith(t, noGroup, func(t *testing.T, sc *webtest.Scenario) {
		ctx := context.Background()
		n, db := newNode(t, sc), sc.Node.DB
		owner := n.setup("gardeners")
		masto := sc.Masto
		n.member(masto, "alice", "gardeners")
		n.member(masto, "bob", "gardeners")
		masto.WaitFor(t, delivered("Accept", ""), wait)
		now := time.Now().UTC()
		for i := range 3 {
			if _, err := storage.RecordDeliveryFailure(ctx, db, "down.test", "connection refused", now.Add(time.Duration(i)*time.Hour), 3, time.Hour); err != nil {
				t.Fatal(err)
			}
		}
		res := owner.get("/admin/federation")
		wantStatus(t, "health", res, http.StatusOK)
		wantBody(t, "health", res, `<th scope="row">mastodon.test</th>`, `<td class="num" data-label="Members">2</td>`, `<th scope="row">down.test</th>`,
			"connection refused", `<tr class="bad">`, "<dt>Jobs queued</dt>", "<dt>Unreachable</dt><dd>1</dd>")
		if strings.Index(res.body, "down.test") > strings.Index(res.body, "mastodon.test") {
			t.Error("servers in trouble should come first")
		}
	})
}

// TestFederationHealthSoftware: the page names each server's software and
// version, as its NodeInfo gave them, and says when it has none.
func TestFederationHealthSoftware(t *testing.T) {
	t.Parallel()
	opts := noGroup
	opts.Shapes = true
	webtest.EachWith(t, opts, func(t *testing.T, sc *webtest.Scenario) {
		ctx := context.Background()
		n, db := newNode(t, sc), sc.Node.DB
		owner := n.setup("gardeners")
		quiet := sc.Node.Net.NewInstance("quiet.test", fedtest.Mastodon)
		quiet.SetSoftware("", true)
		n.member(sc.Masto, "alice", "gardeners")
		n.member(quiet, "bob", "gardeners")
		webtest.Eventually(t, "both servers checked", func() bool {
			rows, err := storage.ListServerSoftware(ctx, db)
			return err == nil && len(rows) == 2
		})
		res := owner.get("/admin/federation")
		wantStatus(t, "health", res, http.StatusOK)
		wantBody(t, "health", res, `<td class="software" data-label="Software">mastodon <span class="hint">0.0.0-fedtest</span></td>`, `no NodeInfo</span>`)
	})
}

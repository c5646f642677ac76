package admin_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/web/webtest"
)

// A notification about something to decide — a join request, a held post,
// a report — stops counting as unread once a moderator decided it, for
// every moderator, and the list says it was dealt with. The count in the
// navigation is what still needs someone.
func TestNotificationsClearWhenDealtWith(t *testing.T) {
	t.Parallel()
	webtest.EachWith(t, noGroup, func(t *testing.T, sc *webtest.Scenario) {
		ctx := t.Context()
		n, db := newNode(t, sc), sc.Node.DB
		owner := n.setup("gardeners")
		csrf := owner.csrf()
		mod := n.login(n.staff("mo", storage.RoleModerator, "gardeners").Username, ownerPassword)
		n.setGroup("gardeners", func(g *storage.Group) { g.Closed = true; g.ReviewQueue = true })
		g := mustGroup(t, db, "gardeners")
		groupIRI := n.fed.GroupIRI("gardeners")
		badge := func(count string) string {
			if count == "" {
				return `Notifications</a>`
			}
			return `dealt with yet">` + count + `<span class="visually-hidden"> to act on`
		}

		dora := n.member(sc.Masto, "dora", "gardeners")
		eve := n.member(sc.Masto, "eve", "gardeners")
		wantBody(t, "two requests", owner.get("/admin"), badge("2"))
		wantBody(t, "two requests, moderator", mod.get("/admin"), badge("2"))
		reqs, err := storage.ListFollows(ctx, db, g.ID, storage.FollowPending, 10, 0)
		if err != nil || len(reqs) != 2 {
			t.Fatalf("requests = %d, %v", len(reqs), err)
		}
		byName := map[string]storage.Follow{}
		for _, f := range reqs {
			byName[f.Actor.Username] = f
		}

		// The owner approves one: it is dealt with for the moderator too.
		wantStatus(t, "approve", owner.post("/admin/groups/gardeners/requests/"+byName["dora"].ID+"/approve", url.Values{"csrf": {csrf}}), http.StatusSeeOther)
		wantBody(t, "one request left", mod.get("/admin"), badge("1"))
		res := mod.get("/admin/notifications")
		wantBody(t, "list", res, "Dealt with", "@eve@mastodon.test asks to join")
		if unread := mod.get("/admin/notifications?unread=1"); strings.Contains(unread.body, "@dora@mastodon.test asks to join") {
			t.Error("a decided request is still listed as unread")
		}
		// Rejecting (confirmed) deals with the other.
		wantStatus(t, "reject", owner.post("/admin/groups/gardeners/requests/"+byName["eve"].ID+"/reject", url.Values{"csrf": {csrf}, "confirm": {"yes"}}), http.StatusSeeOther)
		wantBody(t, "no request left", owner.get("/admin"), badge(""))

		// A held post: approving it clears its notice; dora's joining was
		// news, read here.
		wantStatus(t, "mark all", owner.post("/admin/notifications/read", url.Values{"csrf": {csrf}, "all": {"1"}}), http.StatusSeeOther)
		held := n.memberPost(dora, "gardeners", "Leeks in December?")
		if held.State != storage.PostPending {
			t.Fatalf("post is %s, want pending", held.State)
		}
		wantBody(t, "held post", owner.get("/admin"), badge("1"))
		wantStatus(t, "approve post", mod.post("/admin/groups/gardeners/queue/"+held.ID+"/approve", url.Values{"csrf": {mod.csrf()}}), http.StatusSeeOther)
		wantBody(t, "post approved", owner.get("/admin"), badge(""))

		// A report the group received: resolving it clears its notice.
		reporter := sc.Masto.InstanceActor()
		n.send(reporter, groupIRI, map[string]any{
			"@context": "https://www.w3.org/ns/activitystreams", "id": sc.Masto.URL("/flags/" + storage.NewID()), "type": "Flag",
			"actor": reporter.ID(), "content": "Off topic", "object": []string{dora.ID(), held.IRI},
		})
		wantBody(t, "report", owner.get("/admin"), badge("1"))
		open, err := storage.ListReports(ctx, db, storage.ReportOpen, []string{g.ID}, 10)
		if err != nil || len(open) != 1 {
			t.Fatalf("open reports = %d, %v", len(open), err)
		}
		wantStatus(t, "resolve", owner.post("/admin/groups/gardeners/reports/"+open[0].ID+"/resolve", url.Values{"csrf": {csrf}, "note": {"fine"}}), http.StatusSeeOther)
		wantBody(t, "report resolved", owner.get("/admin"), badge(""))

		// Modmail: answering the conversation deals with it.
		n.dm(dora, "gardeners", "When is the seed swap?")
		wantBody(t, "modmail", owner.get("/admin"), badge("1"))
		cs, err := storage.ListConversations(ctx, db, g.ID, storage.ConversationOpen, 10)
		if err != nil || len(cs) != 1 {
			t.Fatalf("conversations = %d, %v", len(cs), err)
		}
		wantStatus(t, "note", owner.post("/admin/groups/gardeners/modmail/"+cs[0].ID+"/note", url.Values{"csrf": {csrf}, "note": {"ask Kim"}}), http.StatusSeeOther)
		wantBody(t, "an internal note answers nobody", owner.get("/admin"), badge("1"))
		wantStatus(t, "answer", owner.post("/admin/groups/gardeners/modmail/"+cs[0].ID+"/reply", url.Values{"csrf": {csrf}, "body": {"Saturday"}}), http.StatusSeeOther)
		wantBody(t, "modmail answered", owner.get("/admin"), badge(""))

		// News (a new member) is listed as new but asks nothing.
		n.setGroup("gardeners", func(g *storage.Group) { g.Closed = false })
		n.member(sc.Masto, "fay", "gardeners")
		wantBody(t, "news", owner.get("/admin/notifications?unread=1"), "@fay@mastodon.test joined", badge(""))

		// Asking again after a decision is news again.
		n.setGroup("gardeners", func(g *storage.Group) { g.Closed = true })
		n.send(eve, groupIRI, eve.Follow(groupIRI))
		wantBody(t, "asked again", owner.get("/admin"), badge("1"))
	})
}

package admin_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kith-social/kith/federation/fedtest"
	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/web/webtest"
)

// What the owner reads on the pages says what is true: a post held by a
// safety rule is not "shared at once", a thread minutes old has not "got a
// reply within 24 hours", and a member's profile has a heading.
func TestOwnerPagesSayWhatIsTrue(t *testing.T) {
	t.Parallel()
	webtest.EachWith(t, noGroup, func(t *testing.T, sc *webtest.Scenario) {
		n, db := newNode(t, sc), sc.Node.DB
		owner := n.setup("gardeners")
		n.setGroup("gardeners", func(g *storage.Group) { g.ReviewQueue = false })
		ts := storage.DefaultTrustSettings(mustGroup(t, db, "gardeners").ID)
		ts.ReviewNewcomers, ts.MemberPosts = true, 2
		if err := storage.SaveTrustSettings(context.Background(), db, time.Now(), ts); err != nil {
			t.Fatal(err)
		}
		alice := sc.Masto.NewActor("alice")
		alice.SetProfile(fedtest.Profile{Name: "Alice Allotment"})
		n.send(alice, sc.GroupIRI, alice.Follow(sc.GroupIRI))
		held := n.memberPost(alice, "gardeners", "My first post")
		if held.State != storage.PostPending {
			t.Fatalf("newcomer post state %s, want pending", held.State)
		}
		res := owner.get("/admin/groups/gardeners/queue")
		wantStatus(t, "queue", res, http.StatusOK)
		wantBody(t, "queue", res, "My first post", "unless a safety rule holds them here",
			"<strong>Held because</strong> a newcomer&#39;s posts are reviewed until they become a member.", "The author was told the same.")
		// The author was told the same reason.
		sc.Masto.WaitFor(t, isDMTo(alice.ID(), "until they become a member)"), wait)
		wantNoBody(t, "queue", res, "The review queue is off: new posts are shared at once")
		// Every group page links to the group's public page.
		wantBody(t, "queue", res, `<a class="public-link" href="/groups/gardeners">Public page`)

		res = owner.get("/admin/groups/gardeners/pulse")
		wantStatus(t, "pulse", res, http.StatusOK)
		wantBody(t, "pulse", res, "No thread has waited 24 hours or more for a reply")
		wantNoBody(t, "pulse", res, "Every thread got a reply within")

		aliceRow, err := storage.RemoteActorByIRI(context.Background(), db, alice.ID())
		if err != nil {
			t.Fatal(err)
		}
		res = owner.get("/admin/groups/gardeners/members/" + aliceRow.ID + "/profile")
		wantStatus(t, "profile", res, http.StatusOK)
		wantBody(t, "profile", res, "<h1>Alice Allotment</h1>")
	})
}

func wantNoBody(t *testing.T, what string, res response, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if strings.Contains(res.body, p) {
			t.Errorf("%s shows %q", what, p)
		}
	}
}

// A new group's overview lists the next steps, each ticking itself off
// when the group shows it done.
func TestNextSteps(t *testing.T) {
	t.Parallel()
	webtest.EachWith(t, noGroup, func(t *testing.T, sc *webtest.Scenario) {
		n := newNode(t, sc)
		owner := n.setup("gardeners")
		n.setGroup("gardeners", func(g *storage.Group) { g.Closed = true })
		res := owner.get("/admin/groups/gardeners")
		wantBody(t, "overview", res, "Next steps", `<a href="/admin/groups/gardeners/edit">Write the group&#39;s rules</a>`,
			"Write the join questions applicants get", `<a href="/admin/groups/gardeners/posts/new">Publish the first post as the group</a>`,
			"Invite a moderator", "Share the handle @gardeners@")
		if c := strings.Count(res.body, `<li class="done">`); c != 0 {
			t.Errorf("%d steps done on a new group, want 0", c)
		}
		n.setGroup("gardeners", func(g *storage.Group) { g.Rules, g.JoinQuestions = "Be kind", "Which plot?" })
		res = owner.get("/admin/groups/gardeners")
		if c := strings.Count(res.body, `<li class="done">`); c != 2 {
			t.Errorf("%d steps done after rules and join questions, want 2", c)
		}
		wantBody(t, "overview", res, `<span>Write the group&#39;s rules</span><span class="visually-hidden"> (done)</span>`)
	})
}

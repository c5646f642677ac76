package admin_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/web/webtest"
)

// The review queue and the join requests decide several items at once;
// rejecting them asks first.
func TestBulkDecisions(t *testing.T) {
	t.Parallel()
	webtest.EachWith(t, noGroup, func(t *testing.T, sc *webtest.Scenario) {
		ctx := context.Background()
		n, db := newNode(t, sc), sc.Node.DB
		owner := n.setup("gardeners")
		csrf := owner.csrf()
		n.setGroup("gardeners", func(g *storage.Group) { g.ReviewQueue = true })
		alice := n.member(sc.Masto, "alice", "gardeners")
		p1, p2, p3 := n.memberPost(alice, "gardeners", "one"), n.memberPost(alice, "gardeners", "two"), n.memberPost(alice, "gardeners", "three")

		wantBody(t, "queue", owner.get("/admin/groups/gardeners/queue"), `form="bulk"`, `value="`+p1.ID+`"`, `action="/admin/groups/gardeners/queue/bulk"`)
		res := owner.post("/admin/groups/gardeners/queue/bulk", url.Values{"csrf": {csrf}, "do": {"approve"}, "post": {p1.ID, p2.ID}})
		if res.location != "/admin/groups/gardeners/queue?done=published-all" {
			t.Fatalf("bulk approve: %d %q\n%s", res.status, res.location, res.body)
		}
		res = owner.post("/admin/groups/gardeners/queue/bulk", url.Values{"csrf": {csrf}, "do": {"reject"}, "post": {p3.ID}})
		wantBody(t, "bulk reject, unconfirmed", res, "Reject 1 post?", `name="post" value="`+p3.ID+`"`)
		wantStatus(t, "bulk reject", owner.post("/admin/groups/gardeners/queue/bulk", url.Values{"csrf": {csrf}, "do": {"reject"}, "post": {p3.ID}, "confirm": {"yes"}}), http.StatusSeeOther)
		for p, want := range map[*storage.Post]string{p1: storage.PostPublished, p2: storage.PostPublished, p3: storage.PostRejected} {
			if got, _ := storage.PostByID(ctx, db, p.ID); got.State != want {
				t.Errorf("post %q is %s, want %s", p.ContentHTML, got.State, want)
			}
		}
		wantStatus(t, "nothing selected", owner.post("/admin/groups/gardeners/queue/bulk", url.Values{"csrf": {csrf}, "do": {"approve"}}), http.StatusUnprocessableEntity)

		// Join requests.
		n.setGroup("gardeners", func(g *storage.Group) { g.Closed = true })
		bob, cat := sc.Masto.NewActor("bob"), sc.Masto.NewActor("cat")
		n.send(bob, sc.GroupIRI, bob.Follow(sc.GroupIRI))
		n.send(cat, sc.GroupIRI, cat.Follow(sc.GroupIRI))
		g := mustGroup(t, db, "gardeners")
		pending, err := storage.ListFollows(ctx, db, g.ID, storage.FollowPending, 10, 0)
		if err != nil || len(pending) != 2 {
			t.Fatalf("pending = %d, %v", len(pending), err)
		}
		ids := []string{pending[0].ID, pending[1].ID}
		res = owner.post("/admin/groups/gardeners/requests/bulk", url.Values{"csrf": {csrf}, "do": {"reject"}, "follow": ids})
		wantBody(t, "bulk reject requests, unconfirmed", res, "Reject 2 requests?")
		res = owner.post("/admin/groups/gardeners/requests/bulk", url.Values{"csrf": {csrf}, "do": {"reject"}, "follow": ids, "confirm": {"yes"}})
		if res.location != "/admin/groups/gardeners/requests?done=rejected-all" {
			t.Fatalf("bulk reject requests: %d %q\n%s", res.status, res.location, res.body)
		}
		if left, _ := storage.CountFollows(ctx, db, g.ID, storage.FollowPending); left != 0 {
			t.Errorf("%d requests left after rejecting all", left)
		}
	})
}

// Members and member posts can be searched by name, handle and text.
func TestSearchMembersAndPosts(t *testing.T) {
	t.Parallel()
	webtest.EachWith(t, noGroup, func(t *testing.T, sc *webtest.Scenario) {
		n := newNode(t, sc)
		owner := n.setup("gardeners")
		alice, bob := n.member(sc.Masto, "alice", "gardeners"), n.member(sc.Masto, "bob_100", "gardeners")
		n.memberPost(alice, "gardeners", "Rhubarb crumble")
		n.memberPost(bob, "gardeners", "Leek soup")

		for _, tc := range []struct {
			path      string
			want, not []string
		}{
			{"/admin/groups/gardeners/members?q=ALICE", []string{"@alice@mastodon.test"}, []string{"@bob_100@mastodon.test"}},
			{"/admin/groups/gardeners/members?q=%40bob_100%40mastodon.test", []string{"@bob_100@mastodon.test"}, []string{"@alice@mastodon.test"}},
			{"/admin/groups/gardeners/members?q=b_1", []string{"@bob_100@mastodon.test"}, []string{"@alice@mastodon.test"}},
			{"/admin/groups/gardeners/members?q=%25", []string{"No member matches."}, []string{"@alice@mastodon.test"}},
			{"/admin/groups/gardeners/recent?q=crumble", []string{"Rhubarb crumble"}, []string{"Leek soup"}},
			{"/admin/groups/gardeners/recent?q=bob_100", []string{"Leek soup"}, []string{"Rhubarb crumble"}},
			{"/admin/groups/gardeners/recent?q=nothing+like+this", []string{"No member post matches."}, []string{"Leek soup"}},
		} {
			res := owner.get(tc.path)
			wantStatus(t, tc.path, res, http.StatusOK)
			wantBody(t, tc.path, res, tc.want...)
			wantNoBody(t, tc.path, res, tc.not...)
		}
	})
}

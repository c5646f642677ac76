package members_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kith-social/kith/federation/community"
	"github.com/kith-social/kith/federation/fedtest"
	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/web/webtest"
)

// TestMembersOnlyArchive: a member reads the group's members-only posts
// and threads on the web (private to the browser, images through the
// node), never a public post or a DM there, and nothing of another
// group's; an applicant sees none of it; the members-only posts stay out
// of the public page and feeds.
func TestMembersOnlyArchive(t *testing.T) {
	t.Parallel()
	webtest.Each(t, func(t *testing.T, s *webtest.Scenario) {
		ctx := context.Background()
		n, alice := s.Node, s.Alice()
		s.Join(t, alice)
		other := n.CreateGroup(t, "weavers", nil)
		staff := community.Staff{Name: "ada"}
		secretB, err := n.Fed.Community.Posting.PublishPost(ctx, other.Name, community.PostInput{Markdown: "weavers' secret loom plans", MembersOnly: true}, staff)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := n.Fed.Community.Posting.PublishPost(ctx, webtest.ScenarioGroup, community.PostInput{Markdown: "the shed key is under the pot", MembersOnly: true}, staff); err != nil {
			t.Fatal(err)
		}
		s.Masto.ServeMedia("/media/beans.png", "image/png", pngBytes(t))
		sendNote(t, s, alice, fedtest.Note{Content: "members, my bean harvest", Visibility: fedtest.VisibilityFollowers,
			Attachments: []fedtest.Attachment{{URL: s.Masto.URL("/media/beans.png"), MediaType: "image/png", Name: "A pile of beans"}}})
		sendNote(t, s, alice, fedtest.Note{Content: "a public hello to everyone"})

		c := newClient(t, n)
		signIn(t, c, alice, "@alice@"+webtest.MastodonHost)
		me := "/groups/" + webtest.ScenarioGroup + "/me"
		resp, page := c.getResp(t, me+"/archive")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("archive: %d\n%s", resp.StatusCode, page)
		}
		if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "private") || !strings.Contains(cc, "no-store") {
			t.Errorf("Cache-Control %q, want private, no-store", cc)
		}
		for _, want := range []string{"the shed key is under the pot", "my bean harvest", `alt="A pile of beans"`, `src="/media/remote/`} {
			if !strings.Contains(page, want) {
				t.Errorf("archive lacks %q", want)
			}
		}
		for _, unwanted := range []string{"a public hello", "loom plans", s.Masto.URL("/media/beans.png")} {
			if strings.Contains(page, unwanted) {
				t.Errorf("archive shows %q", unwanted)
			}
		}
		if strings.Count(page, "my bean harvest") != 1 {
			t.Errorf("alice's post is listed %d times, want once (the group's copy)", strings.Count(page, "my bean harvest"))
		}

		// Group B's members-only thread, through group A's pages: nothing.
		if status, _, body := c.get(t, me+"/threads/"+secretB.ID); status != http.StatusNotFound || strings.Contains(body, "loom") {
			t.Errorf("group B's thread through group A: %d", status)
		}
		// Group B's own pages: alice has no session there.
		if status, loc, _ := c.get(t, "/groups/weavers/me/archive"); status != http.StatusSeeOther || !strings.HasSuffix(loc, "/signin") {
			t.Errorf("group B's archive: %d → %q", status, loc)
		}
		// Her group A cookie sent to group B is no session there either.
		var cookie string
		u, _ := url.Parse(n.URL(me))
		for _, ck := range c.c.Jar.Cookies(u) {
			if ck.Name == "kith_member" {
				cookie = ck.Value
			}
		}
		req, _ := http.NewRequest(http.MethodGet, n.URL("/groups/weavers/me/archive"), nil)
		req.AddCookie(&http.Cookie{Name: "kith_member", Value: cookie})
		if resp, err := newClient(t, n).c.Do(req); err != nil || resp.StatusCode != http.StatusSeeOther {
			t.Errorf("group A's cookie at group B: %v %v", resp, err)
		} else {
			resp.Body.Close()
		}

		// The thread page.
		roots, err := storage.MembersOnlyThreads(ctx, n.DB, s.Group.ID, "", 10)
		if err != nil || len(roots) != 2 {
			t.Fatalf("members-only threads: %d %v", len(roots), err)
		}
		if status, _, body := c.get(t, me+"/threads/"+roots[0].ID); status != http.StatusOK || !strings.Contains(body, "Members only") {
			t.Errorf("thread: %d\n%s", status, body)
		}

		// Nowhere public.
		for _, path := range []string{"/groups/gardeners", "/groups/gardeners/feed.rss", "/groups/gardeners/feed.atom"} {
			if _, _, body := newClient(t, n).get(t, path); strings.Contains(body, "bean harvest") || strings.Contains(body, "shed key") {
				t.Errorf("%s shows a members-only post", path)
			}
		}
	})
}

// TestClosedGroupDirectory: a closed group's directory is for its members
// (and staff) only; an applicant and a visitor see nothing of it.
func TestClosedGroupDirectory(t *testing.T) {
	t.Parallel()
	webtest.EachWith(t, webtest.ScenarioOptions{Group: func(g *storage.Group) { g.Closed = true }}, func(t *testing.T, s *webtest.Scenario) {
		ctx := context.Background()
		n, alice := s.Node, s.Alice()
		carol := s.Masto.NewActor("carol")
		for _, a := range []*fedtest.Actor{alice, carol} {
			s.Send(t, a, a.Follow(s.GroupIRI))
		}
		if err := n.Fed.Community.Membership.DecideFollow(ctx, webtest.ScenarioGroup, alice.ID(), true); err != nil {
			t.Fatal(err)
		}
		me := "/groups/" + webtest.ScenarioGroup + "/me"
		c := newClient(t, n)
		signIn(t, c, alice, "@alice@"+webtest.MastodonHost)
		_, _, page := c.get(t, me)
		if status, _, _ := c.post(t, me+"/settings", url.Values{"csrf": {csrfOf(t, page)}, "directory": {"on"}, "pronouns": {"they/them"}}); status != http.StatusSeeOther {
			t.Fatalf("list alice: %d", status)
		}
		if status, _, body := c.get(t, me+"/directory"); status != http.StatusOK || !strings.Contains(body, "@alice@"+webtest.MastodonHost) || !strings.Contains(body, "(they/them)") {
			t.Errorf("member's view of the directory: %d\n%s", status, body)
		}
		// The applicant: signed in, but no directory and no archive.
		applicant := newClient(t, n)
		signIn(t, applicant, carol, "@carol@"+webtest.MastodonHost)
		for _, path := range []string{me + "/directory", me + "/archive"} {
			if status, _, body := applicant.get(t, path); status != http.StatusForbidden || strings.Contains(body, "alice") {
				t.Errorf("applicant at %s: %d", path, status)
			}
		}
		// Visitors: the public directory of a closed group does not exist.
		if status, _, body := newClient(t, n).get(t, "/groups/"+webtest.ScenarioGroup+"/members"); status != http.StatusNotFound || strings.Contains(body, "alice") {
			t.Errorf("public directory of a closed group: %d", status)
		}
	})
}

package members_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kith-social/kith/federation/community"
	"github.com/kith-social/kith/federation/fedtest"
	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/web/webtest"
)

func setLevel(t *testing.T, n *webtest.Node, g *storage.Group, a *fedtest.Actor, level string) {
	t.Helper()
	ctx := context.Background()
	ra, err := storage.RemoteActorByIRI(ctx, n.DB, a.ID())
	if err != nil {
		t.Fatal(err)
	}
	if err := storage.SetLevel(ctx, n.DB, time.Now(), g.ID, ra.ID, level, true); err != nil {
		t.Fatal(err)
	}
}

// TestRegularsOnlyOnMembersWeb: a regulars-only thread is listed and
// readable on the members' pages by a regular and a leader, 404 and
// unlisted for a plain member (the thread, its report form), nowhere on
// the public pages and feeds; a regular demoted loses it at once.
func TestRegularsOnlyOnMembersWeb(t *testing.T) {
	t.Parallel()
	webtest.Each(t, func(t *testing.T, s *webtest.Scenario) {
		ctx := context.Background()
		n, g := s.Node, s.Group
		rita, lena, mo := s.Masto.NewActor("rita"), s.Masto.NewActor("lena"), s.Masto.NewActor("mo")
		for _, a := range []*fedtest.Actor{rita, lena, mo} {
			s.Join(t, a)
		}
		setLevel(t, n, g, rita, storage.LevelRegular)
		setLevel(t, n, g, lena, storage.LevelLeader)
		setLevel(t, n, g, mo, storage.LevelMember)
		staff := community.Staff{Name: "ada"}
		post, err := n.Fed.Community.Posting.PublishPost(ctx, g.Name, community.PostInput{Markdown: "regulars seed swap list", RegularsOnly: true}, staff)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := n.Fed.Community.Posting.PublishPost(ctx, g.Name, community.PostInput{Markdown: "members shed key", MembersOnly: true}, staff); err != nil {
			t.Fatal(err)
		}
		reply := rita.CreateNote(fedtest.Note{Content: "<p>I bring chard seeds</p>", InReplyTo: post.IRI, Visibility: fedtest.VisibilityDirect,
			Mentions: []fedtest.Mention{{Href: s.GroupIRI, Name: "@" + g.Name + "@" + webtest.Host}}})
		s.Send(t, rita, reply)
		if p := n.WaitProcessed(t, reply["id"].(string)); p.Err != nil || p.Dropped != "" {
			t.Fatalf("rita's reply: %v %s", p.Err, p.Dropped)
		}
		me := "/groups/" + g.Name + "/me"

		for _, reader := range []*fedtest.Actor{rita, lena} {
			c := newClient(t, n)
			signIn(t, c, reader, "@"+reader.Handle())
			status, _, page := c.get(t, me+"/archive")
			if status != http.StatusOK || !strings.Contains(page, "regulars seed swap list") || !strings.Contains(page, "Regulars only") || !strings.Contains(page, "members shed key") {
				t.Errorf("%s's archive: %d, lists the regulars' thread %v", reader.Handle(), status, strings.Contains(page, "seed swap"))
			}
			status, _, page = c.get(t, me+"/threads/"+post.ID)
			if status != http.StatusOK || !strings.Contains(page, "seed swap list") || strings.Count(page, "I bring chard seeds") != 1 {
				t.Errorf("%s's view of the regulars' thread: %d, reply shown %d times", reader.Handle(), status, strings.Count(page, "I bring chard seeds"))
			}
			if status, _, _ := c.get(t, me+"/report/"+post.ID); status != http.StatusOK {
				t.Errorf("%s may not report the regulars-only post: %d", reader.Handle(), status)
			}
		}

		c := newClient(t, n)
		signIn(t, c, mo, "@"+mo.Handle())
		status, _, page := c.get(t, me+"/archive")
		if status != http.StatusOK || strings.Contains(page, "seed swap") || strings.Contains(page, "chard") || !strings.Contains(page, "members shed key") {
			t.Errorf("a plain member's archive: %d, shows the regulars' thread %v", status, strings.Contains(page, "seed swap"))
		}
		for _, path := range []string{me + "/threads/" + post.ID, me + "/report/" + post.ID} {
			if status, _, page := c.get(t, path); status != http.StatusNotFound || strings.Contains(page, "seed swap") {
				t.Errorf("a plain member GET %s: %d", path, status)
			}
		}

		// Public pages and feeds: nothing of it.
		pub := newClient(t, n)
		for _, path := range []string{"/groups/" + g.Name, "/groups/" + g.Name + "/feed.rss", "/groups/" + g.Name + "/feed.atom", "/groups/" + g.Name + "/threads/" + post.ID} {
			if _, _, page := pub.get(t, path); strings.Contains(page, "seed swap") || strings.Contains(page, "chard") {
				t.Errorf("public %s shows the regulars-only thread", path)
			}
		}

		// rita demoted: her next request no longer shows it.
		c = newClient(t, n)
		signIn(t, c, rita, "@"+rita.Handle())
		setLevel(t, n, g, rita, storage.LevelMember)
		if status, _, _ := c.get(t, me+"/threads/"+post.ID); status != http.StatusNotFound {
			t.Errorf("a demoted regular's view of the thread: %d, want 404", status)
		}
	})
}

package members_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/kith-social/kith/federation/community"
	"github.com/kith-social/kith/federation/fedtest"
	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/web/webtest"
)

// sendNote delivers a note from a to the group and waits until it is
// processed; it returns the note's id.
func sendNote(t *testing.T, s *webtest.Scenario, a *fedtest.Actor, note fedtest.Note) string {
	t.Helper()
	note.Mentions = append(note.Mentions, fedtest.Mention{Href: s.GroupIRI, Name: "@" + webtest.ScenarioGroup + "@" + webtest.Host})
	create := a.CreateNote(note)
	s.Send(t, a, create)
	if p := s.Node.WaitProcessed(t, create["id"].(string)); p.Err != nil || p.Dropped != "" {
		t.Fatalf("note: %v %s", p.Err, p.Dropped)
	}
	return fedtest.ObjectID(create)
}

// TestMyMembership: the "My membership" form changes the same state as
// the DM commands, in both directions; what a member adds shows in the
// directory; bad input is refused with the reason and keeps what was
// typed; the digest comes by DM to whoever asked for it.
func TestMyMembership(t *testing.T) {
	t.Parallel()
	webtest.Each(t, func(t *testing.T, s *webtest.Scenario) {
		ctx := context.Background()
		n, alice := s.Node, s.Alice()
		s.Join(t, alice)
		c := newClient(t, n)
		signIn(t, c, alice, "@alice@"+webtest.MastodonHost)
		me := "/groups/" + webtest.ScenarioGroup + "/me"
		profile := func() *storage.MemberProfile {
			t.Helper()
			a, err := storage.RemoteActorByIRI(ctx, n.DB, alice.ID())
			if err != nil {
				t.Fatal(err)
			}
			mp, err := storage.MemberProfileOf(ctx, n.DB, s.Group.ID, a.ID)
			if err != nil {
				t.Fatal(err)
			}
			return mp
		}

		_, _, page := c.get(t, me)
		form := url.Values{"csrf": {csrfOf(t, page)}, "directory": {"on"}, "digest_dm": {"on"}, "pronouns": {"she/her"},
			"field_name_0": {"Plot"}, "field_value_0": {"No. 14, by the <b>shed</b>"}}
		if status, loc, body := c.post(t, me+"/settings", form); status != http.StatusSeeOther {
			t.Fatalf("save: %d → %s\n%s", status, loc, body)
		}
		mp := profile()
		if !mp.InDirectory || !mp.DigestDM || mp.Pronouns != "she/her" || len(mp.Fields()) != 1 || mp.Fields()[0].Value != "No. 14, by the <b>shed</b>" {
			t.Errorf("saved profile: %+v", mp)
		}
		_, _, page = c.get(t, me)
		if !strings.Contains(page, "(she/her)") || !strings.Contains(page, "No. 14, by the &lt;b&gt;shed&lt;/b&gt;") || !strings.Contains(page, "You are listed in the member directory") {
			t.Errorf("preview:\n%s", page)
		}
		// Others see it in the (public, open group) directory, as text.
		if status, _, dir := newClient(t, n).get(t, "/groups/"+webtest.ScenarioGroup+"/members"); status != http.StatusOK ||
			!strings.Contains(dir, "(she/her)") || !strings.Contains(dir, "&lt;b&gt;shed") {
			t.Errorf("directory: %d\n%s", status, dir)
		}

		// The DM command changes the same state the page shows.
		sendNote(t, s, alice, fedtest.Note{Content: "@gardeners directory off", Visibility: fedtest.VisibilityDirect})
		if profile().InDirectory {
			t.Fatal("directory off by DM did not unlist")
		}
		if _, _, page = c.get(t, me); strings.Contains(page, `name="directory" value="on" checked`) {
			t.Errorf("the page still shows the member listed")
		}

		// Bad input: the reason, what was typed kept, nothing saved.
		long := strings.Repeat("x", community.MaxPronouns+1)
		status, _, body := c.post(t, me+"/settings", url.Values{"csrf": {csrfOf(t, page)}, "pronouns": {long}, "field_name_1": {"Only a name"}})
		if status != http.StatusUnprocessableEntity || !strings.Contains(body, "Pronouns are limited") || !strings.Contains(body, long) || !strings.Contains(body, "Only a name") {
			t.Errorf("bad input: %d\n%s", status, body)
		}
		if profile().Pronouns != "she/her" {
			t.Errorf("bad input changed the pronouns")
		}

		// The intro, chosen from her posts.
		post := sendNote(t, s, alice, fedtest.Note{Content: "Hello, I grow beans and far too many courgettes"})
		_, _, page = c.get(t, me)
		posts, err := storage.PostsByIRI(ctx, n.DB, post)
		if err != nil || len(posts) != 1 {
			t.Fatalf("the group's copy of the post: %v %v", posts, err)
		}
		if !strings.Contains(page, `value="`+posts[0].ID+`"`) {
			t.Fatalf("the intro form does not offer her post:\n%s", page)
		}
		if status, _, body := c.post(t, me+"/intro", url.Values{"csrf": {csrfOf(t, page)}, "post": {posts[0].ID}}); status != http.StatusSeeOther {
			t.Fatalf("choose intro: %d\n%s", status, body)
		}
		if got := profile().IntroPostID; got != posts[0].ID {
			t.Errorf("intro = %q, want %q", got, posts[0].ID)
		}
		// Someone else's post cannot be her intro.
		bob := s.Masto.NewActor("bob")
		s.Join(t, bob)
		other := sendNote(t, s, bob, fedtest.Note{Content: "Bob's post"})
		otherPosts, _ := storage.PostsByIRI(ctx, n.DB, other)
		if status, _, _ := c.post(t, me+"/intro", url.Values{"csrf": {csrfOf(t, page)}, "post": {otherPosts[0].ID}}); status != http.StatusUnprocessableEntity {
			t.Errorf("another's post as intro: %d, want 422", status)
		}

		// The digest, by DM to alice (who asked), not to bob.
		sendNote(t, s, bob, fedtest.Note{Content: "Nice beans!", InReplyTo: post})
		digest, err := n.Fed.Community.Belonging.PublishDigest(ctx, webtest.ScenarioGroup, community.Staff{Name: "ada"})
		if err != nil || digest == nil {
			t.Fatalf("digest: %v %v", digest, err)
		}
		s.Masto.WaitFor(t, func(d fedtest.Delivery) bool {
			obj, _ := d.Activity["object"].(map[string]any)
			content, _ := obj["content"].(string)
			to := recipients(obj["to"])
			return d.Type() == "Create" && strings.Contains(content, "You get the digest") && len(to) == 1 && to[0] == alice.ID()
		}, webtest.Wait)
		for _, d := range s.Masto.Received() {
			obj, _ := d.Activity["object"].(map[string]any)
			content, _ := obj["content"].(string)
			if strings.Contains(content, "You get the digest") && slices.Contains(recipients(obj["to"]), bob.ID()) {
				t.Errorf("bob got the digest by DM without asking")
			}
		}
	})
}

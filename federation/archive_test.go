package federation_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kith-social/kith/federation/community"
	"github.com/kith-social/kith/federation/fedtest"
	"github.com/kith-social/kith/federation/grouparchive"
	"github.com/kith-social/kith/federation/mediastore"
	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/web/webtest"
)

// A group exported from node A and imported into a fresh node B is the
// same group there: profile, settings, posts, roles, badges, media; a
// second import adds nothing. The import makes B list A's group as the
// one it moves from, so the Move then succeeds; the members who re-follow
// are let into the closed group without the join questions, keeping
// their roles and badges.
func TestExportImportThenMove(t *testing.T) {
	t.Parallel()
	webtest.Each(t, func(t *testing.T, s *webtest.Scenario) {
		ctx := context.Background()
		a, g := s.Node, s.Group
		alice, bob := s.Alice(), a.Net.NewInstance("gts.test", fedtest.GoToSocial).NewActor("bob")
		s.Join(t, alice)
		s.Join(t, bob)

		// The group on A: closed with join questions, rules, an icon, a
		// staff post, a member's post, a role, a badge, a directory entry.
		dataA, dataB := t.TempDir(), t.TempDir()
		mediaA, mediaB := filepath.Join(dataA, "media"), filepath.Join(dataB, "media")
		icon := "groups/" + g.ID + "/icon/leaf.png"
		writeFile(t, filepath.Join(mediaA, icon), "PNG bytes")
		g.Closed, g.JoinQuestions, g.Rules, g.IconPath = true, "Which plants do you grow?", "Be kind\nNo spam", icon
		if err := storage.UpdateGroup(ctx, a.DB, time.Now(), g); err != nil {
			t.Fatal(err)
		}
		staffPost, err := a.Fed.Community.Posting.PublishPost(ctx, g.Name, community.PostInput{Markdown: "Welcome to the **garden**"}, ada)
		if err != nil {
			t.Fatal(err)
		}
		note := alice.CreateNote(fedtest.Note{Content: "My tomatoes are ripe", Mentions: []fedtest.Mention{{Href: s.GroupIRI, Name: "@gardeners@" + webtest.Host}}})
		s.Send(t, alice, note)
		if p := a.WaitProcessed(t, note["id"].(string)); p.Dropped != "" || p.Err != nil {
			t.Fatalf("member post: %+v", p)
		}
		if _, err := a.Fed.Community.Posting.PublishPoll(ctx, g.Name, community.PollInput{Question: "Tomatoes or beans?", Options: []string{"Tomatoes", "Beans"}, Closes: time.Now().Add(48 * time.Hour)}, ada); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Fed.Community.Events.PublishEvent(ctx, g.Name, community.EventInput{Title: "Seed swap", Start: time.Now().Add(72 * time.Hour), End: time.Now().Add(74 * time.Hour), PlaceName: "The shed"}, ada); err != nil {
			t.Fatal(err)
		}
		dm := alice.CreateNote(fedtest.Note{Content: "A question for the moderators", Visibility: fedtest.VisibilityDirect, Mentions: []fedtest.Mention{{Href: s.GroupIRI, Name: "@gardeners@" + webtest.Host}}})
		s.Send(t, alice, dm)
		a.WaitProcessed(t, dm["id"].(string))
		aliceA, _ := storage.RemoteActorByIRI(ctx, a.DB, alice.ID())
		bobA, _ := storage.RemoteActorByIRI(ctx, a.DB, bob.ID())
		role := &storage.Role{GroupID: g.ID, Name: "Gardener"}
		badge := &storage.Badge{GroupID: g.ID, Label: "Helper", Emoji: "🌱"}
		if err := storage.CreateRole(ctx, a.DB, time.Now(), role); err != nil {
			t.Fatal(err)
		}
		if err := storage.SetRole(ctx, a.DB, time.Now(), role.ID, aliceA.ID, true); err != nil {
			t.Fatal(err)
		}
		if err := storage.CreateBadge(ctx, a.DB, time.Now(), badge); err != nil {
			t.Fatal(err)
		}
		if err := storage.AwardBadge(ctx, a.DB, time.Now(), &storage.BadgeAward{BadgeID: badge.ID, ActorID: bobA.ID, Note: "watered"}); err != nil {
			t.Fatal(err)
		}
		if err := storage.SetInDirectory(ctx, a.DB, time.Now(), g.ID, aliceA.ID, true); err != nil {
			t.Fatal(err)
		}

		var file bytes.Buffer
		cfgA := grouparchive.Config{DB: a.DB, IRI: a.Fed.IRI, Scheme: "http", Media: mediastore.NewDir(dataA), Now: time.Now}
		n, err := grouparchive.Export(ctx, cfgA, g.Name, &file)
		if err != nil {
			t.Fatal(err)
		}
		if n.Members != 2 || n.Posts != 4 || n.Roles != 1 || n.Badges != 1 || n.Events != 1 || n.Polls != 1 || n.Modmail != 1 || n.Media != 1 {
			t.Fatalf("exported %+v", n)
		}

		b := secondNode(t, s)
		cfgB := grouparchive.Config{DB: b.DB, IRI: b.Fed.IRI, Scheme: "http", Media: mediastore.NewDir(dataB), Now: time.Now}
		res, err := grouparchive.Import(ctx, cfgB, bytes.NewReader(file.Bytes()), int64(file.Len()), "")
		if err != nil {
			t.Fatal(err)
		}
		if !res.Created || res.Alias != s.GroupIRI {
			t.Fatalf("import: %+v", res)
		}
		count := func() [8]int {
			var c [8]int
			for i, table := range []string{"posts", "member_roles", "badge_awards", "arriving_members", "events", "poll_options", "conversation_messages", "member_profiles"} {
				n, err := b.DB.NewSelect().TableExpr(table).Count(ctx)
				if err != nil {
					t.Fatal(err)
				}
				c[i] = int(n)
			}
			return c
		}
		first := count()
		if first != [8]int{4, 1, 1, 2, 1, 2, 1, 1} {
			t.Fatalf("rows after import (posts, roles, awards, arriving members, events, poll options, modmail messages, profiles) = %v", first)
		}
		again, err := grouparchive.Import(ctx, cfgB, bytes.NewReader(file.Bytes()), int64(file.Len()), "")
		if err != nil || again.Created {
			t.Fatalf("second import: %+v %v", again, err)
		}
		if c := count(); c != first {
			t.Fatalf("second import duplicated rows: %v, then %v", first, c)
		}
		if got, err := os.ReadFile(filepath.Join(mediaB, icon)); err != nil || string(got) != "PNG bytes" {
			t.Errorf("icon on B: %q %v", got, err)
		}

		// B serves the group: its profile and settings, the staff post at
		// B's address, the member's post on its page.
		gb, err := storage.GroupByName(ctx, b.DB, g.Name)
		if err != nil {
			t.Fatal(err)
		}
		if !gb.Closed || gb.JoinQuestions != g.JoinQuestions || gb.Rules != g.Rules || gb.Title != g.Title || gb.IconPath != icon {
			t.Errorf("group on B: %+v", gb)
		}
		newGroup := b.GroupIRI(g.Name)
		_, doc := fetchJSON(t, b, newGroup)
		if doc["name"] != g.Title || !strings.Contains(mustJSON(doc["alsoKnownAs"]), s.GroupIRI) {
			t.Errorf("B's actor: %v", doc)
		}
		status, post := fetchJSON(t, b, b.Fed.IRI.Post(g.Name, staffPost.ID))
		if status != http.StatusOK || post["attributedTo"] != newGroup || !strings.Contains(mustJSON(post["content"]), "Welcome to the") ||
			strings.Contains(mustJSON(post), "http://"+webtest.Host+"/groups/") {
			t.Errorf("the staff post at B's address: %d %s", status, mustJSON(post))
		}
		page := getHTML(t, b, newGroup)
		if !strings.Contains(page, "My tomatoes are ripe") || !strings.Contains(page, "Welcome to the") {
			t.Errorf("B's group page lacks the posts:\n%.3000s", page)
		}

		// The move: B lists A's group, so A moves; the members re-follow
		// and are let in without the join questions, with their role and
		// badge.
		if _, err := a.Fed.Community.Membership.MoveGroup(ctx, g.Name, "@"+g.Name+"@new.test", ada); err != nil {
			t.Fatal(err)
		}
		for _, m := range []*fedtest.Actor{alice, bob} {
			m.Instance().WaitFor(t, func(d fedtest.Delivery) bool {
				return d.Type() == "Accept" && d.Signer == newGroup && d.Activity["object"].(map[string]any)["actor"] == m.ID()
			}, wait)
		}
		aliceB, _ := storage.RemoteActorByIRI(ctx, b.DB, alice.ID())
		bobB, _ := storage.RemoteActorByIRI(ctx, b.DB, bob.ID())
		if roles, err := storage.RolesOf(ctx, b.DB, gb.ID, aliceB.ID); err != nil || len(roles) != 1 || roles[0].Name != "Gardener" {
			t.Errorf("alice's roles on B: %v %v", roles, err)
		}
		if badges, err := storage.BadgesOf(ctx, b.DB, gb.ID, bobB.ID); err != nil || len(badges) != 1 {
			t.Errorf("bob's badges on B: %v %v", badges, err)
		}
		for _, d := range append(s.Masto.Received(), bob.Instance().Received()...) {
			if d.Signer == newGroup && strings.Contains(string(d.Body), "Which plants") {
				t.Errorf("a member who moved was asked the join questions: %s", d.Body)
			}
		}
		if n, _ := storage.CountArrivingMembers(ctx, b.DB, gb.ID); n != 0 {
			t.Errorf("%d members still expected after they arrived", n)
		}
	})
}

func writeFile(t *testing.T, name, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
}

func getHTML(t *testing.T, n *webtest.Node, u string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	req.Header.Set("Accept", "text/html")
	resp, err := n.Net.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", u, resp.StatusCode)
	}
	return string(body)
}

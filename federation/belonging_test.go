package federation_test

import (
	"context"
	"path"
	"strings"
	"testing"
	"time"

	"github.com/kith-social/kith/federation/community"
	"github.com/kith-social/kith/federation/fedtest"
	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/web/webtest"
)

// A new member gets the welcome DM once; members list themselves in the
// directory and pick an intro by DM; a badge award is announced; the
// contributions count; with plain boosts off only the FEP-1b12 Announce
// goes out, and the digest lists the week's top thread and the coming
// event, once per period.
func TestBelonging(t *testing.T) {
	t.Parallel()
	webtest.Each(t, func(t *testing.T, s *webtest.Scenario) {
		ctx := context.Background()
		n, g, group, masto := s.Node, s.Group, s.GroupIRI, s.Masto
		alice, bob := masto.NewActor("alice"), masto.NewActor("bob")
		alice.SetProfile(fedtest.Profile{Name: "Alice Green"})

		settings := storage.DefaultBelongingSettings(g.ID)
		settings.WelcomeTemplate = "Welcome {name} to {group}!\n\nSay hello <3, mention {handle}"
		settings.Digest, settings.PlainBoosts = storage.DigestWeekly, false
		if err := n.Fed.Community.Belonging.SaveBelongingSettings(ctx, g.Name, settings, ada); err != nil {
			t.Fatal(err)
		}
		bad := *settings
		bad.Digest = "hourly"
		if err := n.Fed.Community.Belonging.SaveBelongingSettings(ctx, g.Name, &bad, ada); err == nil {
			t.Error("hourly digest accepted")
		}

		// Welcome, once.
		follow(t, n, alice, group)
		follow(t, n, bob, group)
		w := masto.WaitFor(t, dmContaining("Welcome Alice Green to "+g.Title+"!"), wait)
		if !strings.Contains(string(w.Body), "Say hello &lt;3, mention @"+g.Name+"@"+webtest.Host) {
			t.Errorf("welcome not escaped: %s", w.Body)
		}
		follow(t, n, alice, group) // following again is no new membership
		aliceRow, _ := storage.RemoteActorByIRI(ctx, n.DB, alice.ID())
		if ok, _ := storage.IsWelcomed(ctx, n.DB, g.ID, aliceRow.ID); !ok {
			t.Error("alice not marked welcomed")
		}
		welcomes := 0
		for _, d := range masto.Received() {
			if dmContaining("Welcome Alice Green")(d) {
				welcomes++
			}
		}
		if welcomes != 1 {
			t.Errorf("%d welcome DMs to alice, want 1", welcomes)
		}

		// Directory opt-in and out by DM.
		dm := func(a *fedtest.Actor, text, inReplyTo string) {
			t.Helper()
			sendNote(t, n, a, group, fedtest.Note{Content: "@" + g.Name + " " + text, InReplyTo: inReplyTo, Visibility: fedtest.VisibilityDirect,
				Mentions: []fedtest.Mention{{Href: group, Name: "@" + path.Base(group) + "@" + webtest.Host}}})
		}
		listed := func() []string {
			es, err := storage.DirectoryMembers(ctx, n.DB, g.ID, 10, 0)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, e := range es {
				out = append(out, e.Actor.Username)
			}
			return out
		}
		dm(alice, "directory on", "")
		masto.WaitFor(t, dmContaining("You are now listed in the member directory"), wait)
		dm(bob, "Directory on.", "")
		if got := strings.Join(listed(), ","); got != "alice,bob" {
			t.Errorf("directory: %s", got)
		}
		dm(bob, "directory off", "")
		if got := strings.Join(listed(), ","); got != "alice" {
			t.Errorf("directory after opt-out: %s", got)
		}

		// Posts, a like, plain boosts off.
		act, _ := sendNote(t, n, alice, group, fedtest.Note{Content: "Hello, I grow beans"})
		post := fedtest.ObjectID(act)
		masto.WaitFor(t, func(d fedtest.Delivery) bool { return d.Type() == "Announce" && d.ObjectType() == "Create" }, wait)
		send(t, n, bob, group, bob.Like(post))
		sendNote(t, n, bob, group, fedtest.Note{Content: "Welcome!", InReplyTo: post})
		for _, d := range masto.Received() {
			if d.Type() == "Announce" && d.ObjectID() == post {
				t.Errorf("plain boost sent with plain boosts off: %s", d.Body)
			}
		}
		// Intro: a DM reply to her own post.
		dm(alice, "intro", post)
		masto.WaitFor(t, dmContaining("now your intro"), wait)
		mp, err := storage.MemberProfileOf(ctx, n.DB, g.ID, aliceRow.ID)
		if err != nil || mp.IntroPost == nil || mp.IntroPost.IRI != post {
			t.Errorf("intro: %+v %v", mp, err)
		}
		c, err := storage.ContributionsOf(ctx, n.DB, g.ID, aliceRow.ID, time.Time{}, time.Time{})
		if err != nil || c != (storage.Contributions{Posts: 1, LikesReceived: 1}) {
			t.Errorf("alice's contributions: %+v %v", c, err)
		}
		top, err := storage.TopContributors(ctx, n.DB, g.ID, time.Now().Add(-7*24*time.Hour), time.Now().Add(time.Minute), 10)
		if err != nil || len(top) != 2 || top[0].Actor.Username != "alice" || top[0].Score() != 2 || top[1].Replies != 1 {
			t.Errorf("top contributors: %+v %v", top, err)
		}

		// A badge, announced.
		badge := &storage.Badge{GroupID: g.ID, Label: "Green thumb", Emoji: "🌱"}
		if err := storage.CreateBadge(ctx, n.DB, time.Now(), badge); err != nil {
			t.Fatal(err)
		}
		if err := n.Fed.Community.Belonging.AwardBadge(ctx, g.Name, badge.ID, aliceRow.ID, "For the beans.", true, ada); err != nil {
			t.Fatal(err)
		}
		a := masto.WaitFor(t, func(d fedtest.Delivery) bool {
			o := objectOf(d)
			return d.Type() == "Create" && o != nil && strings.Contains(o["content"].(string), "Congratulations")
		}, wait)
		if cc := asStrings(objectOf(a)["cc"]); !strings.Contains(strings.Join(cc, " "), alice.ID()) ||
			!strings.Contains(string(a.Body), "🌱 Green thumb") || !strings.Contains(string(a.Body), `"href":"`+alice.ID()+`"`) {
			t.Errorf("badge announcement: %s", a.Body)
		}
		if err := n.Fed.Community.Belonging.AwardBadge(ctx, g.Name, badge.ID, aliceRow.ID, "", false, ada); err == nil {
			t.Error("the same badge awarded twice")
		}
		if bs, _ := storage.BadgesOf(ctx, n.DB, g.ID, aliceRow.ID); len(bs) != 1 || bs[0].Badge.Label != "Green thumb" || bs[0].PostID == "" {
			t.Errorf("alice's badges: %+v", bs)
		}

		// The digest: once per period.
		start := time.Now().Add(3 * 24 * time.Hour)
		if _, err := n.Fed.Community.Events.PublishEvent(ctx, g.Name, community.EventInput{Title: "Seed swap", Start: start, End: start.Add(time.Hour)}, ada); err != nil {
			t.Fatal(err)
		}
		if th, err := storage.TopThreads(ctx, n.DB, g.ID, time.Now().Add(-7*24*time.Hour), time.Now().Add(time.Minute), 5); err != nil || len(th) == 0 {
			t.Errorf("top threads: %+v %v", th, err)
		}
		sent, err := n.Fed.Community.Belonging.SendDueDigests(ctx)
		if err != nil || sent != 1 {
			t.Fatalf("SendDueDigests: %d %v", sent, err)
		}
		dg := masto.WaitFor(t, func(d fedtest.Delivery) bool {
			o := objectOf(d)
			return d.Type() == "Create" && o != nil && strings.Contains(o["content"].(string), "This week in "+g.Title)
		}, wait)
		body := objectOf(dg)["content"].(string)
		for _, want := range []string{"Top threads", "Hello, I grow beans", "1 reply, 1 like", "Coming up", "Seed swap"} {
			if !strings.Contains(body, want) {
				t.Errorf("digest lacks %q: %s", want, body)
			}
		}
		if sent, err := n.Fed.Community.Belonging.SendDueDigests(ctx); err != nil || sent != 0 {
			t.Errorf("second digest in the same week: %d %v", sent, err)
		}
	})
}

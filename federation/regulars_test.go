package federation_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/kith-social/kith/federation/community"
	"github.com/kith-social/kith/federation/fedtest"
	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/web/webtest"
)

// A scheduled regulars-only post keeps its audience: when its time comes
// it is stored regulars-only and addressed to the regulars of that moment
// (bob, promoted after it was scheduled), never to the plain member.
func TestScheduledRegularsOnlyPost(t *testing.T) {
	t.Parallel()
	webtest.Each(t, func(t *testing.T, s *webtest.Scenario) {
		ctx := context.Background()
		n, g, group, masto := s.Node, s.Group, s.GroupIRI, s.Masto
		alice, bob := s.Alice(), masto.NewActor("bob")
		follow(t, n, alice, group)
		follow(t, n, bob, group)
		id, err := n.Fed.Community.Posting.SchedulePost(ctx, g.Name, community.PostInput{Markdown: "for the regulars, later", RegularsOnly: true}, time.Now().Add(time.Hour), ada)
		if err != nil {
			t.Fatal(err)
		}
		ra, err := storage.RemoteActorByIRI(ctx, n.DB, bob.ID())
		if err != nil {
			t.Fatal(err)
		}
		if err := storage.SetLevel(ctx, n.DB, time.Now(), g.ID, ra.ID, storage.LevelRegular, true); err != nil {
			t.Fatal(err)
		}
		runScheduledNow(ctx, t, n.Fed.Queue, "scheduled_post")
		d := masto.WaitFor(t, func(d fedtest.Delivery) bool { return d.Type() == "Create" && d.ObjectType() == "Note" }, wait)
		sp, err := storage.ScheduledPostByID(ctx, n.DB, id)
		if err != nil || sp.PostID == "" {
			t.Fatalf("scheduled post: %+v %v", sp, err)
		}
		p, err := storage.PostByID(ctx, n.DB, sp.PostID)
		if err != nil || p.Visibility != storage.VisibilityRegulars {
			t.Fatalf("published post: %+v %v", p, err)
		}
		obj, _ := d.Activity["object"].(map[string]any)
		to, _ := obj["to"].([]any)
		if len(to) != 1 || to[0] != bob.ID() || obj["cc"] != nil && len(obj["cc"].([]any)) != 0 {
			t.Errorf("addressed to %v cc %v, want bob alone", obj["to"], obj["cc"])
		}
		followers := n.Fed.IRI.GroupFollowers(g.Name)
		if got := masto.ShownTo(d, bob, followers); got != "direct" {
			t.Errorf("Mastodon shows it to bob as %q", got)
		}
		if got := masto.ShownTo(d, alice, followers); got != "" || slices.Contains(to, any(alice.ID())) {
			t.Errorf("Mastodon shows it to alice, a plain member, as %q", got)
		}
	})
}

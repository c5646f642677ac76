package federation_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kith-social/kith/federation/fedtest"
	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/storage/storagetest"
	"github.com/kith-social/kith/web/webtest"
)

// A newcomer's posts wait for review; once she crosses the member
// thresholds (an approved post and two days in the group, on the node's
// clock) the periodic promotion makes her a member and tells her by DM
// what that changes, and her next post goes straight through. Nothing
// about levels is in the group's ActivityPub documents.
func TestNewcomerEarnsMember(t *testing.T) {
	t.Parallel()
	for _, b := range storagetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			clk := webtest.NewClock(time.Now())
			s := webtest.NewScenario(t, b, webtest.ScenarioOptions{Options: webtest.Options{Now: clk.Now}})
			ctx := context.Background()
			n, g, group, masto := s.Node, s.Group, s.GroupIRI, s.Masto
			ts := storage.DefaultTrustSettings(g.ID)
			ts.ReviewNewcomers, ts.MemberDays, ts.MemberPosts = true, 2, 1
			if err := storage.SaveTrustSettings(ctx, n.DB, clk.Now(), ts); err != nil {
				t.Fatal(err)
			}
			alice := masto.NewActor("alice")
			follow(t, n, alice, group)

			act, _ := sendNote(t, n, alice, group, fedtest.Note{Content: "Hello, I grow leeks"})
			p, err := storage.PostByIRI(ctx, n.DB, g.ID, fedtest.ObjectID(act))
			if err != nil || p.State != storage.PostPending || !strings.Contains(p.HeldReason, "newcomer") {
				t.Fatalf("a newcomer's post: %+v %v", p, err)
			}
			if err := n.Fed.Community.Posting.ApprovePost(ctx, p.ID, ada); err != nil {
				t.Fatal(err)
			}
			masto.WaitFor(t, func(d fedtest.Delivery) bool { return d.Type() == "Announce" && d.ObjectID() == p.IRI }, wait)
			// One approved post, but not two days yet: still a newcomer.
			if err := n.Fed.Community.Belonging.PromoteMembers(ctx); err != nil {
				t.Fatal(err)
			}
			aliceRow, err := storage.RemoteActorByIRI(ctx, n.DB, alice.ID())
			if err != nil {
				t.Fatal(err)
			}
			if ml, _ := storage.MemberLevelOf(ctx, n.DB, g.ID, aliceRow.ID); ml.Level != storage.LevelNewcomer {
				t.Fatalf("level after one day: %s", ml.Level)
			}
			act, _ = sendNote(t, n, alice, group, fedtest.Note{Content: "Still new here"})
			if p, _ := storage.PostByIRI(ctx, n.DB, g.ID, fedtest.ObjectID(act)); p == nil || p.State != storage.PostPending {
				t.Fatalf("second post before promotion: %+v", p)
			}

			clk.Advance(49 * time.Hour)
			if err := n.Fed.Community.Belonging.PromoteMembers(ctx); err != nil {
				t.Fatal(err)
			}
			clk.Advance(-49 * time.Hour) // back, so that the node accepts alice's signature dates again
			dm := masto.WaitFor(t, func(d fedtest.Delivery) bool {
				return d.Type() == "Create" && strings.Contains(string(d.Body), "You are now a member of")
			}, wait)
			if body := string(dm.Body); !strings.Contains(body, "without waiting for a moderator") || strings.Contains(body, "#Public") {
				t.Errorf("promotion DM: %s", body)
			}
			if ml, _ := storage.MemberLevelOf(ctx, n.DB, g.ID, aliceRow.ID); ml.Level != storage.LevelMember || ml.ByHand {
				t.Fatalf("level after promotion: %+v", ml)
			}
			act, _ = sendNote(t, n, alice, group, fedtest.Note{Content: "Leeks are up!"})
			if p, _ := storage.PostByIRI(ctx, n.DB, g.ID, fedtest.ObjectID(act)); p == nil || p.State != storage.PostPublished {
				t.Errorf("a member's post: %+v", p)
			}
			// A second run promotes no one twice.
			before := len(masto.Received())
			if err := n.Fed.Community.Belonging.PromoteMembers(ctx); err != nil {
				t.Fatal(err)
			}
			for _, d := range masto.Received()[before:] {
				if strings.Contains(string(d.Body), "You are now") {
					t.Errorf("told twice: %s", d.Body)
				}
			}
			for _, doc := range []string{group, group + "/followers", group + "/outbox?page=true"} {
				if _, body := fetchJSON(t, n, doc); strings.Contains(strings.ToLower(mustJSON(body)), "newcomer") {
					t.Errorf("%s mentions a level: %s", doc, mustJSON(body))
				}
			}
		})
	}
}

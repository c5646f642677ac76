package web_test

import (
	"context"
	"strings"
	"testing"

	"github.com/kith-social/kith/federation/fedtest"
	"github.com/kith-social/kith/web/webtest"
)

// A member leaves (Undo{Follow}, answered 202) and another member posts
// right after: the server that just left must not receive the group's
// Announce of that post, however the parallel inbox workers interleave.
// 50 rounds; the check waits for the node's queue to be empty, not for
// time to pass.
func TestUnfollowTakesEffectBeforeLaterPosts(t *testing.T) {
	t.Parallel()
	webtest.Each(t, func(t *testing.T, s *webtest.Scenario) {
		ctx := context.Background()
		n, group := s.Node, s.GroupIRI
		stay := s.Masto
		leave := n.Net.NewInstance("leave.test", fedtest.Mastodon)
		bob, alice := stay.NewActor("bob"), leave.NewActor("alice")
		f := bob.Follow(group)
		send(t, bob, group, f)
		n.WaitProcessed(t, id(f))

		const rounds = 50
		var notes []string
		for i := range rounds {
			join := alice.Follow(group)
			send(t, alice, group, join)
			send(t, alice, group, alice.Undo(join))
			note := bob.CreateNote(fedtest.Note{Content: "Round " + string(rune('A'+i%26)), Mentions: []fedtest.Mention{{Href: group, Name: "@gardeners@" + webtest.Host}}})
			send(t, bob, group, note)
			// Processed before alice joins again in the next round: its
			// deliveries are decided when it is processed.
			if p := n.WaitProcessed(t, id(note)); p.Err != nil || p.Dropped != "" {
				t.Fatalf("round %d: bob's post: %+v", i, p)
			}
			notes = append(notes, fedtest.ObjectID(note))
		}
		for _, note := range notes {
			stay.WaitFor(t, func(d fedtest.Delivery) bool { return d.Type() == "Announce" && d.ObjectID() == note }, wait)
		}
		// Every delivery the node queued has been made (or given up).
		webtest.Eventually(t, "the delivery queue to drain", func() bool {
			var left int
			err := n.DB.NewSelect().TableExpr("river_job").ColumnExpr("count(*)").
				Where("kind IN (?, ?, ?, ?)", "deliver", "fanout", "inbox", "inbox_batch").
				Where("state NOT IN (?, ?, ?)", "completed", "cancelled", "discarded").
				Scan(ctx, &left)
			return err == nil && left == 0
		})
		for _, d := range leave.Received() {
			if d.Type() != "Announce" {
				continue
			}
			for _, note := range notes {
				if d.ObjectID() == note || strings.Contains(string(d.Body), note) {
					t.Errorf("leave.test, which had left, received the Announce of %s", note)
				}
			}
		}
	})
}

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

// Xavier invites Bob into a closed group, then is banned. Banned with the
// option to review his invitees, Bob's next post waits for a moderator
// with the reason, staff get one notification naming Bob, and the log
// has the flag; once staff clear it Bob's posts go through. Banned
// without the option, nothing changes for Bob.
func TestBanReviewsInvitees(t *testing.T) {
	t.Parallel()
	for _, b := range storagetest.Backends() {
		for _, tc := range []struct {
			name   string
			review bool
		}{{"with review", true}, {"without", false}} {
			t.Run(b.Name+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				s := webtest.NewScenario(t, b, webtest.ScenarioOptions{})
				ctx := context.Background()
				n, g, group, masto := s.Node, s.Group, s.GroupIRI, s.Masto
				xavier, bob := masto.NewActor("xavier"), masto.NewActor("bob")
				follow(t, n, xavier, group)
				g.Closed = true
				if err := storage.UpdateGroup(ctx, n.DB, time.Now(), g); err != nil {
					t.Fatal(err)
				}
				x, err := storage.RemoteActorByIRI(ctx, n.DB, xavier.ID())
				if err != nil {
					t.Fatal(err)
				}
				// Xavier's link, opened by Bob, who then follows from his account.
				inv := &storage.Invitation{GroupID: g.ID, InviterID: x.ID, TokenHash: storage.NewID()}
				if err := storage.CreateInvitation(ctx, n.DB, time.Now(), inv); err != nil {
					t.Fatal(err)
				}
				if err := storage.ClaimInvitation(ctx, n.DB, time.Now(), inv.ID, "bob@"+webtest.MastodonHost); err != nil {
					t.Fatal(err)
				}
				follow(t, n, bob, group) // accepted at once: vouched for
				if ids, err := storage.InviteesOf(ctx, n.DB, g.ID, x.ID); err != nil || len(ids) != 1 || ids[0].IRI != bob.ID() {
					t.Fatalf("xavier's invitees: %+v %v", ids, err)
				}

				ban := n.Fed.Community.Moderation.Ban
				if tc.review {
					ban = n.Fed.Community.Moderation.BanReviewingInvitees
				}
				if err := ban(ctx, g.Name, xavier.ID(), "spam ring", ada); err != nil {
					t.Fatal(err)
				}
				act, _ := sendNote(t, n, bob, group, fedtest.Note{Content: "Cheap sunglasses"})
				p, err := storage.PostByIRI(ctx, n.DB, g.ID, fedtest.ObjectID(act))
				if err != nil {
					t.Fatal(err)
				}
				why := "invited by @xavier@" + webtest.MastodonHost + ", who was banned"
				if !tc.review {
					if p.State != storage.PostPublished {
						t.Errorf("without the option bob's post is %s (%s)", p.State, p.HeldReason)
					}
					if exists, _ := storage.NotificationExists(ctx, n.DB, g.ID, storage.NotifyReview, xavier.ID(), time.Time{}); exists {
						t.Error("staff were told of a review nobody asked for")
					}
					return
				}
				if p.State != storage.PostPending || p.HeldReason != why {
					t.Fatalf("bob's post after the ban: %s %q, want pending %q", p.State, p.HeldReason, why)
				}
				var notes []storage.Notification
				if err := n.DB.NewSelect().Model(&notes).Where("group_id = ? AND subject_iri = ? AND kind = ?", g.ID, xavier.ID(), storage.NotifyReview).Scan(ctx); err != nil {
					t.Fatal(err)
				}
				if len(notes) != 1 || !strings.Contains(notes[0].Text, "@bob@"+webtest.MastodonHost) {
					t.Errorf("notifications about xavier: %+v, want one naming bob", notes)
				}
				log, err := storage.ListLog(ctx, n.DB, g.ID, 20)
				if err != nil {
					t.Fatal(err)
				}
				if !hasLog(log, "review_flag", bob.ID(), why) {
					t.Errorf("the log has no review flag for bob: %+v", log)
				}

				if err := n.Fed.Community.Moderation.ClearReviewFlag(ctx, g.Name, p.AuthorID, ada); err != nil {
					t.Fatal(err)
				}
				act, _ = sendNote(t, n, bob, group, fedtest.Note{Content: "Sorry, that was my friend's idea"})
				if p, _ := storage.PostByIRI(ctx, n.DB, g.ID, fedtest.ObjectID(act)); p == nil || p.State != storage.PostPublished {
					t.Errorf("bob's post after the flag was cleared: %+v", p)
				}
				if log, _ := storage.ListLog(ctx, n.DB, g.ID, 20); !hasLog(log, "review_flag_cleared", bob.ID(), "") {
					t.Errorf("the log has no cleared flag for bob: %+v", log)
				}
			})
		}
	}
}

func hasLog(log []storage.LogEntry, action, target, reason string) bool {
	for _, e := range log {
		if e.Action == action && e.Target == target && e.Reason == reason {
			return true
		}
	}
	return false
}

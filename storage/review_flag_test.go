package storage_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/storage/storagetest"
)

// A member's invitees are the people their used invitations admitted
// (not an open invitation, not the banned); flagging them holds their
// posts with a reason until the flag is cleared, and leaves their level,
// right to invite and directory choice alone.
func TestInviteesAndReviewFlags(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
		g, other := newGroup(t, db, "gardeners"), newGroup(t, db, "knitters")
		xavier := newActor(t, db, "https://mastodon.test/users/xavier")
		alice, bob, carol, dan := newActor(t, db, "https://mastodon.test/users/alice"), newActor(t, db, "https://mastodon.test/users/bob"),
			newActor(t, db, "https://mastodon.test/users/carol"), newActor(t, db, "https://mastodon.test/users/dan")
		invite := func(g *storage.Group, by, who *storage.RemoteActor, at time.Time) {
			t.Helper()
			inv := &storage.Invitation{GroupID: g.ID, InviterID: by.ID, TokenHash: storage.NewID()}
			if err := storage.CreateInvitation(ctx, db, at, inv); err != nil {
				t.Fatal(err)
			}
			if who != nil {
				if err := storage.UseInvitation(ctx, db, at, inv.ID, who.ID); err != nil {
					t.Fatal(err)
				}
			}
		}
		invite(g, xavier, bob, now.Add(-time.Hour))
		invite(g, xavier, alice, now.Add(-2*time.Hour))
		invite(g, xavier, carol, now.Add(-time.Minute))
		invite(g, xavier, nil, now)     // not used yet
		invite(g, alice, dan, now)      // alice's, not xavier's
		invite(other, xavier, dan, now) // another group
		if err := storage.CreateBan(ctx, db, now, &storage.Ban{GroupID: g.ID, ActorID: carol.ID, BlockIRI: "https://kith.test/block/1"}); err != nil {
			t.Fatal(err)
		}
		got, err := storage.InviteesOf(ctx, db, g.ID, xavier.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].ID != alice.ID || got[1].ID != bob.ID {
			t.Fatalf("xavier's invitees: %+v, want alice then bob", got)
		}

		if err := storage.SetLevel(ctx, db, now, g.ID, alice.ID, storage.LevelRegular, true); err != nil {
			t.Fatal(err)
		}
		if err := storage.SetInviteRevoked(ctx, db, g.ID, alice.ID, true); err != nil {
			t.Fatal(err)
		}
		why := "invited by @xavier@mastodon.test, who was banned"
		for _, a := range got {
			if err := storage.FlagForReview(ctx, db, now, g.ID, a.ID, why); err != nil {
				t.Fatal(err)
			}
		}
		if err := storage.FlagForReview(ctx, db, now, g.ID, dan.ID, ""); !errors.Is(err, storage.ErrInvalid) {
			t.Errorf("a flag without a reason: %v", err)
		}
		ml, err := storage.MemberLevelOf(ctx, db, g.ID, alice.ID)
		if err != nil || ml.ReviewReason != why || !ml.FlaggedAt.Equal(now) || ml.Level != storage.LevelRegular || !ml.ByHand || !ml.InviteRevoked {
			t.Errorf("alice flagged: %+v %v", ml, err)
		}
		// Changing the level later keeps the flag.
		if err := storage.SetLevel(ctx, db, now, g.ID, bob.ID, storage.LevelMember, false); err != nil {
			t.Fatal(err)
		}
		flags, err := storage.ReviewFlags(ctx, db, g.ID)
		if err != nil || len(flags) != 2 || flags[alice.ID] != why || flags[bob.ID] != why {
			t.Errorf("flags: %v %v", flags, err)
		}
		if flags, _ := storage.ReviewFlags(ctx, db, other.ID); len(flags) != 0 {
			t.Errorf("the other group has flags: %v", flags)
		}

		if err := storage.ClearReviewFlag(ctx, db, g.ID, alice.ID); err != nil {
			t.Fatal(err)
		}
		if err := storage.ClearReviewFlag(ctx, db, g.ID, alice.ID); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("clearing twice: %v", err)
		}
		if ml, _ := storage.MemberLevelOf(ctx, db, g.ID, alice.ID); ml.ReviewReason != "" || !ml.FlaggedAt.IsZero() || ml.Level != storage.LevelRegular {
			t.Errorf("alice cleared: %+v", ml)
		}
		if flags, _ := storage.ReviewFlags(ctx, db, g.ID); len(flags) != 1 || flags[bob.ID] == "" {
			t.Errorf("flags after clearing alice: %v", flags)
		}
	})
}

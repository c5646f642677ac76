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

func TestRolesAndBadges(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		g, other := newGroup(t, db, "g"), newGroup(t, db, "h")
		a := newActor(t, db, "https://mastodon.test/users/alice")
		for _, tc := range []struct {
			role storage.Role
			want error
		}{
			{storage.Role{GroupID: g.ID, Name: "Event host", Colour: "#2f7d6b"}, nil},
			{storage.Role{GroupID: g.ID, Name: "Event host"}, storage.ErrConflict},
			{storage.Role{GroupID: other.ID, Name: "Event host"}, nil},
			{storage.Role{GroupID: g.ID, Name: " "}, storage.ErrInvalid},
			{storage.Role{GroupID: g.ID, Name: "x", Colour: "red"}, storage.ErrInvalid},
			{storage.Role{GroupID: g.ID, Name: "A name that is far too long to be a role, really"}, storage.ErrInvalid},
		} {
			r := tc.role
			if err := storage.CreateRole(ctx, db, time.Now(), &r); !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
				t.Errorf("CreateRole(%+v) = %v, want %v", tc.role, err, tc.want)
			}
		}
		roles, err := storage.ListRoles(ctx, db, g.ID)
		if err != nil || len(roles) != 1 {
			t.Fatalf("roles: %v %v", roles, err)
		}
		if err := storage.SetRole(ctx, db, time.Now(), roles[0].ID, a.ID, true); err != nil {
			t.Fatal(err)
		}
		if err := storage.SetRole(ctx, db, time.Now(), roles[0].ID, a.ID, true); err != nil { // twice: no error
			t.Fatal(err)
		}
		if held, _ := storage.RolesOf(ctx, db, g.ID, a.ID); len(held) != 1 {
			t.Errorf("held: %v", held)
		}
		if err := storage.DeleteRole(ctx, db, other.ID, roles[0].ID); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("another group deleted the role: %v", err)
		}
		if err := storage.DeleteRole(ctx, db, g.ID, roles[0].ID); err != nil {
			t.Fatal(err)
		}
		if held, _ := storage.RolesOf(ctx, db, g.ID, a.ID); len(held) != 0 {
			t.Errorf("held after delete: %v", held)
		}

		b := &storage.Badge{GroupID: g.ID, Label: "Green thumb", Emoji: "🌱"}
		if err := storage.CreateBadge(ctx, db, time.Now(), b); err != nil {
			t.Fatal(err)
		}
		if err := storage.CreateBadge(ctx, db, time.Now(), &storage.Badge{GroupID: g.ID, Label: "Green thumb"}); !errors.Is(err, storage.ErrConflict) {
			t.Errorf("duplicate badge: %v", err)
		}
		award := &storage.BadgeAward{BadgeID: b.ID, ActorID: a.ID, Note: "beans"}
		if err := storage.AwardBadge(ctx, db, time.Now(), award); err != nil {
			t.Fatal(err)
		}
		if err := storage.AwardBadge(ctx, db, time.Now(), &storage.BadgeAward{BadgeID: b.ID, ActorID: a.ID}); !errors.Is(err, storage.ErrConflict) {
			t.Errorf("second award: %v", err)
		}
		if bs, _ := storage.BadgesOf(ctx, db, other.ID, a.ID); len(bs) != 0 {
			t.Errorf("badges leak across groups: %v", bs)
		}
		if err := storage.DeleteBadge(ctx, db, g.ID, b.ID); err != nil {
			t.Fatal(err)
		}
		if bs, _ := storage.BadgesOf(ctx, db, g.ID, a.ID); len(bs) != 0 {
			t.Errorf("awards after the badge was deleted: %v", bs)
		}
	})
}

func TestBelongingSettingsAndDigestClaim(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		g := newGroup(t, db, "g")
		s, err := storage.BelongingSettingsOf(ctx, db, g.ID)
		if err != nil || *s != *storage.DefaultBelongingSettings(g.ID) || !s.PlainBoosts || !s.DirectoryPublic {
			t.Fatalf("defaults: %+v %v", s, err)
		}
		s.Digest = "hourly"
		if err := storage.SaveBelongingSettings(ctx, db, time.Now(), s); err == nil {
			t.Error("hourly digest saved")
		}
		s.Digest, s.PlainBoosts = storage.DigestDaily, false
		if err := storage.SaveBelongingSettings(ctx, db, time.Now(), s); err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		for i, want := range []bool{true, false} { // a second claim in the same period fails
			ok, err := storage.ClaimDigest(ctx, db, g.ID, now.Add(-24*time.Hour), now.Add(time.Duration(i)*time.Second))
			if err != nil || ok != want {
				t.Errorf("claim %d: %v %v", i, ok, err)
			}
		}
		if ok, _ := storage.ClaimDigest(ctx, db, g.ID, now.Add(2*time.Second), now.Add(25*time.Hour)); !ok {
			t.Error("the next period's claim failed")
		}
		if got, _ := storage.GroupsWithDigest(ctx, db); len(got) != 1 || got[0].PlainBoosts {
			t.Errorf("groups with a digest: %+v", got)
		}
	})
}

func TestEventWhen(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 6, 1, 16, 0, 0, 0, time.UTC)
	tests := []struct {
		ev   storage.Event
		want string
	}{
		{storage.Event{StartsAt: start, EndsAt: start.Add(2 * time.Hour), Timezone: "Europe/London"}, "Monday 1 June 2026, 17:00–19:00 BST (Europe/London)"},
		{storage.Event{StartsAt: start, EndsAt: start.Add(26 * time.Hour)}, "Monday 1 June 2026, 16:00 – Tuesday 2 June 2026, 18:00 (UTC)"},
		{storage.Event{StartsAt: start, EndsAt: start, Timezone: "Asia/Kolkata"}, "Monday 1 June 2026, 21:30 IST (Asia/Kolkata)"},
		{storage.Event{StartsAt: start, EndsAt: start, Timezone: "America/Sao_Paulo"}, "Monday 1 June 2026, 13:00 (America/Sao_Paulo)"},
	}
	for _, tc := range tests {
		if got := tc.ev.When(); got != tc.want {
			t.Errorf("When() = %q, want %q", got, tc.want)
		}
	}
}

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

func newStaff(t *testing.T, db bun.IDB, username, role string) *storage.Staff {
	t.Helper()
	s := &storage.Staff{Username: username, PasswordHash: "hash", Role: role}
	if err := storage.CreateStaff(context.Background(), db, time.Now(), s); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSessions(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		olive := newStaff(t, db, "olive", storage.RoleOwner)
		now := time.Now().UTC()
		var ids []string
		for _, h := range []string{"h1", "h2", "h3"} {
			s := &storage.Session{TokenHash: h, StaffID: olive.ID, ExpiresAt: now.Add(time.Hour)}
			if err := storage.CreateSession(ctx, db, time.Now(), s); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, s.ID)
		}
		if err := storage.CreateSession(ctx, db, time.Now(), &storage.Session{TokenHash: "h1", StaffID: olive.ID, ExpiresAt: now}); err == nil {
			t.Error("duplicate token hash accepted")
		}
		s, err := storage.SessionByTokenHash(ctx, db, "h2")
		if err != nil || s.ID != ids[1] || s.Staff == nil || s.Staff.Username != "olive" {
			t.Fatalf("SessionByTokenHash = %+v, %v", s, err)
		}
		if _, err := storage.SessionByTokenHash(ctx, db, "nope"); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("unknown token: %v", err)
		}
		later := now.Add(30 * time.Minute)
		if err := storage.TouchSession(ctx, db, s.ID, later); err != nil {
			t.Fatal(err)
		}
		s, _ = storage.SessionByTokenHash(ctx, db, "h2")
		if s.LastSeenAt.Sub(later).Abs() > time.Millisecond {
			t.Errorf("last seen %v, want %v", s.LastSeenAt, later)
		}
		if n, err := storage.DeleteStaffSessions(ctx, db, olive.ID, ids[0]); err != nil || n != 2 {
			t.Errorf("DeleteStaffSessions = %d, %v", n, err)
		}
		if _, err := storage.SessionByTokenHash(ctx, db, "h1"); err != nil {
			t.Errorf("kept session: %v", err)
		}
		if n, err := storage.DeleteSessionsBefore(ctx, db, now.Add(2*time.Hour), now.Add(-time.Hour)); err != nil || n != 1 {
			t.Errorf("DeleteSessionsBefore = %d, %v", n, err)
		}
		if err := storage.SetStaffPassword(ctx, db, olive.ID, "new hash"); err != nil {
			t.Fatal(err)
		}
		if got, _ := storage.StaffByID(ctx, db, olive.ID); got.PasswordHash != "new hash" {
			t.Errorf("password hash %q", got.PasswordHash)
		}
		if _, err := storage.StaffByID(ctx, db, "nope"); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("StaffByID(nope): %v", err)
		}
	})
}

func TestModeratorsAndInvites(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		olive := newStaff(t, db, "olive", storage.RoleOwner)
		gus := newStaff(t, db, "gus", storage.RoleModerator)
		g1, g2 := newGroup(t, db, "gardeners"), newGroup(t, db, "knitters")

		for range 2 { // twice: idempotent
			if err := storage.AddModerator(ctx, db, time.Now(), g1.ID, gus.ID); err != nil {
				t.Fatal(err)
			}
		}
		if ok, err := storage.IsModerator(ctx, db, g1.ID, gus.ID); !ok || err != nil {
			t.Errorf("IsModerator(g1) = %v, %v", ok, err)
		}
		if ok, _ := storage.IsModerator(ctx, db, g2.ID, gus.ID); ok {
			t.Error("gus moderates knitters")
		}
		if ms, err := storage.ListModerators(ctx, db, g1.ID); err != nil || len(ms) != 1 || ms[0].ID != gus.ID {
			t.Errorf("ListModerators = %+v, %v", ms, err)
		}
		if gs, err := storage.ModeratedGroups(ctx, db, gus.ID); err != nil || len(gs) != 1 || gs[0].Name != "gardeners" {
			t.Errorf("ModeratedGroups = %+v, %v", gs, err)
		}
		if err := storage.RemoveModerator(ctx, db, g1.ID, gus.ID); err != nil {
			t.Fatal(err)
		}
		if err := storage.RemoveModerator(ctx, db, g1.ID, gus.ID); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("second removal: %v", err)
		}

		now := time.Now().UTC()
		inv := &storage.Invite{GroupID: g1.ID, TokenHash: "t1", CreatedBy: olive.ID, ExpiresAt: now.Add(time.Hour)}
		if err := storage.CreateInvite(ctx, db, time.Now(), inv); err != nil {
			t.Fatal(err)
		}
		old := &storage.Invite{GroupID: g1.ID, TokenHash: "t2", ExpiresAt: now.Add(-time.Minute)}
		if err := storage.CreateInvite(ctx, db, time.Now(), old); err != nil {
			t.Fatal(err)
		}
		got, err := storage.InviteByTokenHash(ctx, db, "t1")
		if err != nil || got.ID != inv.ID || got.Group == nil || got.Group.Name != "gardeners" || !got.Usable(now) || got.Usable(now.Add(2*time.Hour)) {
			t.Fatalf("InviteByTokenHash = %+v, %v", got, err)
		}
		if open, err := storage.ListOpenInvites(ctx, db, g1.ID, now); err != nil || len(open) != 1 || open[0].ID != inv.ID {
			t.Errorf("ListOpenInvites = %+v, %v", open, err)
		}
		if err := storage.UseInvite(ctx, db, old.ID, gus.ID, now); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("expired invite used: %v", err)
		}
		if err := storage.UseInvite(ctx, db, inv.ID, gus.ID, now); err != nil {
			t.Fatal(err)
		}
		if err := storage.UseInvite(ctx, db, inv.ID, gus.ID, now); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("invite used twice: %v", err)
		}
		if got, _ := storage.InviteByTokenHash(ctx, db, "t1"); got.Usable(now) || got.UsedBy != gus.ID {
			t.Errorf("used invite = %+v", got)
		}
		if err := storage.DeleteInvite(ctx, db, g2.ID, old.ID); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("deleted another group's invite: %v", err)
		}
		if err := storage.DeleteInvite(ctx, db, g1.ID, old.ID); err != nil {
			t.Error(err)
		}
	})
}

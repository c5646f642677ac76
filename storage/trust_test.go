package storage_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/storage/storagetest"
)

func accept(t *testing.T, db bun.IDB, g *storage.Group, a *storage.RemoteActor, at time.Time) {
	t.Helper()
	f := &storage.Follow{GroupID: g.ID, ActorID: a.ID, ActivityIRI: a.IRI + "#follow", ActivityRaw: "{}", State: storage.FollowAccepted}
	if err := storage.UpsertFollow(context.Background(), db, at, f); err != nil {
		t.Fatal(err)
	}
}

// A member's stats count what they earned from others only: likes from
// other members (not their own, not outsiders'), past events they went to,
// upheld reports; the settings turn them into a level.
func TestTrustStatsAndLevels(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
		g := newGroup(t, db, "gardeners")
		alice, bob, eve := newActor(t, db, "https://mastodon.test/users/alice"), newActor(t, db, "https://mastodon.test/users/bob"), newActor(t, db, "https://mastodon.test/users/eve")
		accept(t, db, g, alice, now.AddDate(0, 0, -40))
		accept(t, db, g, bob, now.AddDate(0, 0, -2))
		p1 := newPost(t, db, g, alice, nil, now.Add(-time.Hour))
		newPost(t, db, g, alice, p1, now.Add(-time.Minute))
		for _, by := range []*storage.RemoteActor{alice, bob, eve} { // own like and outsider's like do not count
			if _, err := storage.AddReactionOnce(ctx, db, now, &storage.Reaction{PostID: p1.ID, ActorID: by.ID, Kind: storage.ReactionLike, ActivityIRI: by.IRI + "#like"}); err != nil {
				t.Fatal(err)
			}
		}
		for i, start := range []time.Time{now.Add(-48 * time.Hour), now.Add(48 * time.Hour)} { // a past and a future event
			post := newPost(t, db, g, nil, nil, now)
			ev := &storage.Event{PostID: post.ID, GroupID: g.ID, Title: "Dig", StartsAt: start, EndsAt: start.Add(time.Hour), Timezone: "UTC"}
			if err := storage.CreateEvent(ctx, db, now, ev); err != nil {
				t.Fatal(err)
			}
			if _, err := storage.AddAttendee(ctx, db, now, &storage.Attendee{EventID: ev.ID, ActorID: alice.ID, Via: storage.AttendViaStaff}); err != nil {
				t.Fatal(i, err)
			}
		}
		stats, err := storage.MemberTrustStats(ctx, db, g.ID, "", now)
		if err != nil || len(stats) != 2 {
			t.Fatalf("stats: %+v %v", stats, err)
		}
		byActor := map[string]storage.TrustStats{}
		for _, s := range stats {
			byActor[s.ActorID] = s
		}
		a := byActor[alice.ID]
		if a.Posts != 2 || a.Likes != 1 || a.Events != 1 || a.Upheld != 0 || a.Level != storage.LevelNewcomer || a.ByHand {
			t.Errorf("alice's stats: %+v", a)
		}
		s := storage.DefaultTrustSettings(g.ID)
		s.RegularPosts, s.RegularLikes, s.RegularEvents = 2, 1, 1
		tests := []struct {
			name string
			edit func(*storage.TrustSettings)
			st   storage.TrustStats
			want string
		}{
			{"alice meets regular", func(*storage.TrustSettings) {}, a, storage.LevelRegular},
			{"bob has no post", func(*storage.TrustSettings) {}, byActor[bob.ID], storage.LevelNewcomer},
			{"regular off", func(s *storage.TrustSettings) { s.RegularAuto = false }, a, storage.LevelMember},
			{"member off", func(s *storage.TrustSettings) { s.MemberAuto = false }, a, storage.LevelNewcomer},
			{"too new for regular", func(s *storage.TrustSettings) { s.RegularDays = 41 }, a, storage.LevelMember},
			{"upheld report", func(*storage.TrustSettings) {}, storage.TrustStats{Posts: 9, Likes: 9, Events: 9, Upheld: 1, AcceptedAt: now.AddDate(-1, 0, 0)}, storage.LevelNewcomer},
		}
		for _, tc := range tests {
			c := *s
			tc.edit(&c)
			if got := c.Earned(tc.st, now); got != tc.want {
				t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
			}
		}

		// An upheld report against alice counts.
		rp := &storage.Report{GroupID: g.ID, TargetIRI: alice.IRI}
		if err := storage.CreateReport(ctx, db, now, rp); err != nil {
			t.Fatal(err)
		}
		if err := storage.MarkReportUpheld(ctx, db, rp.ID); err != nil {
			t.Fatal(err)
		}
		if st, _ := storage.MemberTrustStats(ctx, db, g.ID, alice.ID, now); len(st) != 1 || st[0].Upheld != 1 {
			t.Errorf("after an upheld report: %+v", st)
		}

		// Levels, by hand and per level.
		if err := storage.SetLevel(ctx, db, now, g.ID, alice.ID, storage.LevelLeader, true); err != nil {
			t.Fatal(err)
		}
		if err := storage.SetLevel(ctx, db, now, g.ID, alice.ID, "boss", true); err == nil {
			t.Error("an unknown level was stored")
		}
		if err := storage.SetLevelInDirectory(ctx, db, g.ID, bob.ID, true); err != nil {
			t.Fatal(err)
		}
		if ml, err := storage.MemberLevelOf(ctx, db, g.ID, alice.ID); err != nil || ml.Level != storage.LevelLeader || !ml.ByHand {
			t.Errorf("alice's level: %+v %v", ml, err)
		}
		if ml, err := storage.MemberLevelOf(ctx, db, g.ID, bob.ID); err != nil || ml.Level != storage.LevelNewcomer || !ml.ShowInDirectory {
			t.Errorf("bob's level: %+v %v", ml, err)
		}
		counts, err := storage.CountMembersPerLevel(ctx, db, g.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := []storage.LevelCount{{storage.LevelNewcomer, 1}, {storage.LevelMember, 0}, {storage.LevelRegular, 0}, {storage.LevelLeader, 1}}
		for i := range want {
			if counts[i] != want[i] {
				t.Errorf("per level: %+v, want %+v", counts, want)
				break
			}
		}

		// Settings: defaults without a row, saved, refused when negative.
		got, err := storage.TrustSettingsOf(ctx, db, g.ID)
		if err != nil || got.ReviewNewcomers || got.MemberPosts != 1 || got.RegularDays != 30 {
			t.Errorf("trust settings: %+v %v", got, err)
		}
		s.ReviewNewcomers = true
		if err := storage.SaveTrustSettings(ctx, db, now, s); err != nil {
			t.Fatal(err)
		}
		if got, _ := storage.TrustSettingsOf(ctx, db, g.ID); !got.ReviewNewcomers || got.RegularPosts != 2 {
			t.Errorf("saved trust settings: %+v", got)
		}
		s.MemberDays = -1
		if err := storage.SaveTrustSettings(ctx, db, now, s); err == nil {
			t.Error("a negative threshold was saved")
		}
	})
}

// The migration maps probation: a group with "first N posts reviewed"
// reviews newcomers, N approved posts make a member, and those already
// past probation are members; groups without probation review no one,
// and their members are members.
func TestTrustLevelsMigration(t *testing.T) {
	sqlText, err := os.ReadFile("../migrations/20261207001500_trust_levels.tx.up.sql")
	if err != nil {
		t.Fatal(err)
	}
	storagetest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		now := time.Now()
		for _, q := range []string{"DROP TABLE member_levels", "DROP TABLE trust_settings", "ALTER TABLE reports DROP COLUMN upheld",
			"ALTER TABLE groups ADD COLUMN probation_posts INTEGER NOT NULL DEFAULT 0"} {
			if _, err := db.ExecContext(ctx, q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		strict, open := newGroup(t, db, "strict"), newGroup(t, db, "open")
		if _, err := db.ExecContext(ctx, "UPDATE groups SET probation_posts = 2 WHERE id = ?", strict.ID); err != nil {
			t.Fatal(err)
		}
		veteran, fresh := newActor(t, db, "https://mastodon.test/users/veteran"), newActor(t, db, "https://mastodon.test/users/fresh")
		for _, g := range []*storage.Group{strict, open} {
			accept(t, db, g, veteran, now)
			accept(t, db, g, fresh, now)
		}
		newPost(t, db, strict, veteran, nil, now)
		newPost(t, db, strict, veteran, nil, now)
		newPost(t, db, strict, fresh, nil, now)
		if _, err := db.ExecContext(ctx, "INSERT INTO reports (id, group_id, target_iri, state, resolution, created_at) VALUES (?, ?, ?, 'resolved', 'Removed the post: spam', ?), (?, ?, ?, 'resolved', 'Dismissed', ?)",
			storage.NewID(), strict.ID, fresh.IRI, now, storage.NewID(), strict.ID, veteran.IRI, now); err != nil {
			t.Fatal(err)
		}
		for _, q := range strings.Split(string(sqlText), "--bun:split") {
			if _, err := db.ExecContext(ctx, q); err != nil {
				t.Fatalf("migration: %v\n%s", err, q)
			}
		}
		// The later migrations' columns on the tables this one made.
		for _, name := range []string{"20261207001501_invitations", "20261207001801_review_flag"} {
			later, err := os.ReadFile("../migrations/" + name + ".tx.up.sql")
			if err != nil {
				t.Fatal(err)
			}
			for _, q := range strings.Split(string(later), "--bun:split") {
				if strings.Contains(q, "ALTER TABLE") {
					if _, err := db.ExecContext(ctx, q); err != nil {
						t.Fatalf("migration: %v\n%s", err, q)
					}
				}
			}
		}
		for _, tc := range []struct {
			g      *storage.Group
			review bool
			posts  int
			levels map[string]string
		}{
			{strict, true, 2, map[string]string{veteran.ID: storage.LevelMember, fresh.ID: storage.LevelNewcomer}},
			{open, false, 1, map[string]string{veteran.ID: storage.LevelMember, fresh.ID: storage.LevelMember}},
		} {
			s, err := storage.TrustSettingsOf(ctx, db, tc.g.ID)
			if err != nil || s.ReviewNewcomers != tc.review || s.MemberPosts != tc.posts || s.MemberDays != 0 || s.MemberLikes != 0 || !s.MemberAuto {
				t.Errorf("%s: settings %+v %v", tc.g.Name, s, err)
			}
			for actor, want := range tc.levels {
				if ml, err := storage.MemberLevelOf(ctx, db, tc.g.ID, actor); err != nil || ml.Level != want {
					t.Errorf("%s: level of %s: %+v %v, want %s", tc.g.Name, actor, ml, err, want)
				}
			}
		}
		st, err := storage.MemberTrustStats(ctx, db, strict.ID, "", now)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range st {
			if want := map[string]int{fresh.ID: 1, veteran.ID: 0}[s.ActorID]; s.Upheld != want {
				t.Errorf("upheld reports against %s: %d, want %d", s.ActorID, s.Upheld, want)
			}
		}
		if _, err := storage.GroupByName(ctx, db, "strict"); err != nil {
			t.Errorf("groups after dropping probation_posts: %v", err)
		}
	})
}

package storage_test

import (
	"context"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/storage/storagetest"
)

// Members per level are recorded once per day: a second recording the same
// day replaces the first, other groups are apart, and days with no record
// are listed as such.
func TestLevelCountsPerDay(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		day1 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
		g, other := newGroup(t, db, "gardeners"), newGroup(t, db, "knitters")
		alice, bob := newActor(t, db, "https://mastodon.test/users/alice"), newActor(t, db, "https://mastodon.test/users/bob")
		accept(t, db, g, alice, day1.AddDate(0, 0, -5))
		accept(t, db, g, bob, day1.AddDate(0, 0, -5))
		accept(t, db, other, alice, day1.AddDate(0, 0, -5))
		record := func(g *storage.Group, at time.Time) {
			t.Helper()
			if err := storage.RecordLevelCounts(ctx, db, g.ID, at); err != nil {
				t.Fatal(err)
			}
		}
		record(g, day1)
		record(other, day1)
		// Later on day 1 alice becomes a member: the day's last count stays.
		if err := storage.SetLevel(ctx, db, day1, g.ID, alice.ID, storage.LevelMember, false); err != nil {
			t.Fatal(err)
		}
		record(g, day1.Add(14*time.Hour))
		// Nothing on day 2; on day 3 bob is a regular.
		if err := storage.SetLevel(ctx, db, day1, g.ID, bob.ID, storage.LevelRegular, true); err != nil {
			t.Fatal(err)
		}
		record(g, day1.AddDate(0, 0, 2))

		days, err := storage.LevelCountsPerDay(ctx, db, g.ID, day1.AddDate(0, 0, -1), time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC))
		if err != nil {
			t.Fatal(err)
		}
		type counts struct{ newcomers, members, regulars, leaders int }
		tests := []struct {
			day      string
			recorded bool
			want     counts
		}{
			{"2026-11-30", false, counts{}},
			{"2026-12-01", true, counts{1, 1, 0, 0}},
			{"2026-12-02", false, counts{}},
			{"2026-12-03", true, counts{0, 1, 1, 0}},
		}
		if len(days) != len(tests) {
			t.Fatalf("%d days, want %d: %+v", len(days), len(tests), days)
		}
		for i, tc := range tests {
			d := days[i]
			got := counts{d.Counts[0].Count, d.Counts[1].Count, d.Counts[2].Count, d.Counts[3].Count}
			if d.Day.Format(time.DateOnly) != tc.day || d.Recorded != tc.recorded || got != tc.want || d.Counts[3].Level != storage.LevelLeader {
				t.Errorf("day %d: %s recorded=%v %+v, want %s recorded=%v %+v", i, d.Day.Format(time.DateOnly), d.Recorded, got, tc.day, tc.recorded, tc.want)
			}
			if d.Recorded && d.Total != 2 {
				t.Errorf("%s: total %d, want 2", tc.day, d.Total)
			}
		}
		if days, err := storage.LevelCountsPerDay(ctx, db, other.ID, day1, time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)); err != nil || len(days) != 1 || days[0].Counts[0].Count != 1 || days[0].Total != 1 {
			t.Errorf("the other group: %+v %v", days, err)
		}
	})
}

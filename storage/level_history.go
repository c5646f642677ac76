package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// LevelCountRow is a group's count of members at one level on one day
// (midnight UTC), as last recorded that day. The rows are a daily
// snapshot written by the periodic promotion (RecordLevelCounts): counts
// move with joins, departures, bans and every kind of level change, and
// member_levels keeps only the latest change, so replaying a log could not
// rebuild the past honestly. History starts the day recording began.
type LevelCountRow struct {
	bun.BaseModel `bun:"table:level_counts,alias:lc"`

	GroupID string    `bun:"group_id,pk"`
	Day     time.Time `bun:"day,pk"`
	Level   string    `bun:"level,pk"`
	Count   int       `bun:"n,notnull"`
}

// utcDay is midnight UTC of t's day.
func utcDay(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// RecordLevelCounts stores a group's members per level now as the count of
// now's day (UTC), replacing what an earlier run that day stored: running
// it again the same day is harmless, and a day's row holds its last count.
func RecordLevelCounts(ctx context.Context, db bun.IDB, groupID string, now time.Time) error {
	counts, err := CountMembersPerLevel(ctx, db, groupID)
	if err != nil {
		return err
	}
	day := utcDay(now)
	rows := make([]LevelCountRow, 0, len(counts))
	for _, c := range counts {
		rows = append(rows, LevelCountRow{GroupID: groupID, Day: day, Level: c.Level, Count: c.Count})
	}
	_, err = db.NewInsert().Model(&rows).On("CONFLICT (group_id, day, level) DO UPDATE").
		Set("n = EXCLUDED.n").Exec(ctx)
	if err != nil {
		return fmt.Errorf("record members per level of group %s on %s: %w", groupID, day.Format(time.DateOnly), err)
	}
	return nil
}

// LevelDay is a group's members per level on one day.
type LevelDay struct {
	Day      time.Time    // midnight UTC
	Recorded bool         // false: no count was recorded that day
	Counts   []LevelCount // every level, lowest first (zeros when not recorded)
	Total    int
}

// LevelCountsPerDay lists a group's recorded members per level for every
// day (UTC) in [from, to), oldest first, days without a record included
// with Recorded false.
func LevelCountsPerDay(ctx context.Context, db bun.IDB, groupID string, from, to time.Time) ([]LevelDay, error) {
	var rows []LevelCountRow
	err := db.NewSelect().Model(&rows).
		Where("lc.group_id = ? AND lc.day >= ? AND lc.day < ?", groupID, utcDay(from), to.UTC()).
		Scan(ctx)
	if err != nil && !isNoRows(err) {
		return nil, fmt.Errorf("members per level per day of group %s: %w", groupID, err)
	}
	var out []LevelDay
	index := map[time.Time]int{}
	for d := utcDay(from); d.Before(to); d = d.AddDate(0, 0, 1) {
		index[d] = len(out)
		counts := make([]LevelCount, len(Levels))
		for i, l := range Levels {
			counts[i].Level = l
		}
		out = append(out, LevelDay{Day: d, Counts: counts})
	}
	for _, r := range rows {
		i, ok := index[utcDay(r.Day)]
		rank := LevelRank(r.Level)
		if !ok || rank < 0 {
			continue
		}
		out[i].Recorded = true
		out[i].Counts[rank].Count = r.Count
		out[i].Total += r.Count
	}
	return out, nil
}

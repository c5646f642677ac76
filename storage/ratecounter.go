package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// Rate counters count requests per key and fixed window in the database,
// so that a limit holds across every process sharing it (web/public's
// form limits on PostgreSQL). Windows are identified by their start.

// AddRateCount adds n to key's count in the window starting at window,
// and deletes the windows that started before forgetBefore: no limit
// reads them again.
func AddRateCount(ctx context.Context, db bun.IDB, key string, window time.Time, n int, forgetBefore time.Time) error {
	if _, err := db.NewDelete().TableExpr("rate_counters").Where("window_start < ?", forgetBefore.Unix()).Exec(ctx); err != nil {
		return fmt.Errorf("forget old rate windows: %w", err)
	}
	_, err := db.NewRaw("INSERT INTO rate_counters (key, window_start, count) VALUES (?, ?, ?) "+
		"ON CONFLICT (key, window_start) DO UPDATE SET count = rate_counters.count + excluded.count",
		key, window.Unix(), n).Exec(ctx)
	if err != nil {
		return fmt.Errorf("count rate of %s: %w", key, err)
	}
	return nil
}

// RateCounts returns key's counts in the windows starting at current and
// at previous (0 for a window never counted).
func RateCounts(ctx context.Context, db bun.IDB, key string, current, previous time.Time) (int, int, error) {
	var rows []struct {
		WindowStart int64 `bun:"window_start"`
		Count       int   `bun:"count"`
	}
	err := db.NewSelect().TableExpr("rate_counters").Column("window_start", "count").
		Where("key = ?", key).Where("window_start IN (?, ?)", current.Unix(), previous.Unix()).Scan(ctx, &rows)
	if err != nil {
		return 0, 0, fmt.Errorf("read rate of %s: %w", key, err)
	}
	var cur, prev int
	for _, r := range rows {
		switch r.WindowStart {
		case current.Unix():
			cur = r.Count
		case previous.Unix():
			prev = r.Count
		}
	}
	return cur, prev, nil
}

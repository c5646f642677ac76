package queue

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/uptrace/bun"

	"github.com/kith-social/kith/storage"
)

// ActivityRetention is how long the inbox remembers activity ids it has
// seen. Servers retry a delivery for a few days at most (Mastodon: about
// 2.5 days), so a repeat arrives well within it.
const ActivityRetention = 14 * 24 * time.Hour

// PruneActivitiesArgs is the periodic job that forgets old activity ids.
type PruneActivitiesArgs struct{}

// Kind names the job in the queue table.
func (PruneActivitiesArgs) Kind() string { return "prune_received_activities" }

// PruneActivitiesWorker deletes received-activity records older than the retention.
type PruneActivitiesWorker struct {
	river.WorkerDefaults[PruneActivitiesArgs]
	DB  bun.IDB
	Now func() time.Time // the clock; required (storage reads none of its own)
	Log *slog.Logger
}

// Work runs one prune.
func (w *PruneActivitiesWorker) Work(ctx context.Context, _ *river.Job[PruneActivitiesArgs]) error {
	now := w.Now
	n, err := storage.PruneActivities(ctx, w.DB, now().Add(-ActivityRetention))
	if err != nil {
		return fmt.Errorf("prune activities: %w", err)
	}
	if n > 0 && w.Log != nil {
		w.Log.InfoContext(ctx, "pruned received activity ids", "count", n)
	}
	// Finished fan-out batches matter only until the queue has recorded
	// their completion (milliseconds), or a crashed process's job has been
	// rescued (minutes); a day is ample.
	if _, err := storage.PruneFanoutsDone(ctx, w.DB, now().Add(-24*time.Hour)); err != nil {
		return fmt.Errorf("prune finished fan-outs: %w", err)
	}
	return nil
}

// PrunePeriodic schedules the prune every hour (and once at start).
func PrunePeriodic() *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
		func() (river.JobArgs, *river.InsertOpts) { return PruneActivitiesArgs{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true})
}

package actors

import (
	"context"
	"errors"
	"time"

	"github.com/kith-social/kith/storage"
	"github.com/riverqueue/river"
)

// refreshBatch bounds how many stale actors one run refreshes, so a node
// with many members spreads the fetches over the day.
const refreshBatch = 100

// refreshActorsArgs is the periodic job that keeps members' cached
// profiles fresh and notices deleted accounts (a 410 removes the member).
type refreshActorsArgs struct{}

func (refreshActorsArgs) Kind() string { return "refresh_actors" }

type refreshActorsWorker struct {
	river.WorkerDefaults[refreshActorsArgs]
	e *Actors
}

func (w *refreshActorsWorker) Work(ctx context.Context, _ *river.Job[refreshActorsArgs]) error {
	_, err := w.e.RefreshStaleActors(ctx, refreshBatch)
	return err
}

func refreshPeriodic() *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
		func() (river.JobArgs, *river.InsertOpts) { return refreshActorsArgs{}, nil }, nil)
}

// RefreshStaleActors fetches again up to limit group members whose cached
// profile is older than a day, oldest first. It returns how many it
// refreshed; an actor whose server answers 410 leaves every group.
func (e *Actors) RefreshStaleActors(ctx context.Context, limit int) (int, error) {
	ids, err := storage.StaleMemberActors(ctx, e.DB, e.Now().Add(-actorTTL), limit)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		if _, err := e.Actor(ctx, id, true); err != nil && !errors.Is(err, ErrActorGone) {
			// One unreachable server must not stop the others.
			e.Log.InfoContext(ctx, "refresh of member profile failed", "actor", id, "err", err)
			continue
		}
		n++
	}
	return n, nil
}

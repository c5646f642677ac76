package queue_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/uptrace/bun"

	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/storage/queue"
	"github.com/kith-social/kith/storage/storagetest"
)

// noteArgs is a test job that records the group it concerns.
type noteArgs struct {
	GroupID string `json:"group_id"`
}

func (noteArgs) Kind() string { return "test_note" }

type noteWorker struct {
	river.WorkerDefaults[noteArgs]
	db   bun.IDB
	done chan string
}

// Work fails when the group the job concerns is missing: a job must never
// run without its data.
func (w *noteWorker) Work(ctx context.Context, job *river.Job[noteArgs]) error {
	if _, err := storage.GroupByID(ctx, w.db, job.Args.GroupID); err != nil {
		w.done <- "missing:" + job.Args.GroupID
		return err
	}
	w.done <- job.Args.GroupID
	return nil
}

func startQueue(t *testing.T, db *bun.DB) (*queue.Queue, chan string) {
	t.Helper()
	done := make(chan string, 10)
	workers := river.NewWorkers()
	river.AddWorker(workers, &noteWorker{db: db, done: done})
	q, err := queue.New(db, queue.Options{Workers: workers, PollInterval: 50 * time.Millisecond, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stopQueue(t, q) })
	return q, done
}

func stopQueue(t *testing.T, q *queue.Queue) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := q.Stop(ctx); err != nil {
		t.Errorf("stop: %v", err)
	}
}

func wait(t *testing.T, done <-chan string) string {
	t.Helper()
	select {
	case got := <-done:
		return got
	case <-time.After(20 * time.Second):
		t.Fatal("job did not run")
		return ""
	}
}

// insertNote creates a group and queues its note job in one committed
// transaction run with ctx, and returns the group's id.
func insertNote(ctx context.Context, t *testing.T, db *bun.DB, q *queue.Queue, name string) string {
	t.Helper()
	var id string
	err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		g := &storage.Group{Name: name, PrivateKeyPEM: "x", PublicKeyPEM: "y"}
		if err := storage.CreateGroup(ctx, tx, time.Now(), g); err != nil {
			return err
		}
		id = g.ID
		return q.InsertTx(ctx, tx, noteArgs{GroupID: g.ID}, nil)
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestJobSurvivesRestart(t *testing.T) {
	t.Parallel()
	for _, b := range storagetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			db, dsn := b.Open(t)
			g := &storage.Group{Name: "g", PrivateKeyPEM: "x", PublicKeyPEM: "y"}
			if err := storage.CreateGroup(ctx, db, time.Now(), g); err != nil {
				t.Fatal(err)
			}
			// The CLI's insert-only queue enqueues; the process then "dies".
			inserter, err := queue.New(db, queue.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if err := inserter.Insert(ctx, noteArgs{GroupID: g.ID}, nil); err != nil {
				t.Fatal(err)
			}
			db.Close()

			// A new process on the same database runs it.
			db2, err := storage.Open(ctx, dsn, t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db2.Close() })
			_, done := startQueue(t, db2)
			if got := wait(t, done); got != g.ID {
				t.Errorf("job ran with %q", got)
			}
		})
	}
}

func TestInsertTxIsAtomic(t *testing.T) {
	t.Parallel()
	for _, b := range storagetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			db, _ := b.Open(t)
			q, done := startQueue(t, db)
			errRollback := errors.New("rollback")

			// Rolled back: neither the group nor its job exists.
			err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
				g := &storage.Group{Name: "gone", PrivateKeyPEM: "x", PublicKeyPEM: "y"}
				if err := storage.CreateGroup(ctx, tx, time.Now(), g); err != nil {
					return err
				}
				if err := q.InsertTx(ctx, tx, noteArgs{GroupID: g.ID}, nil); err != nil {
					return err
				}
				return errRollback
			})
			if !errors.Is(err, errRollback) {
				t.Fatal(err)
			}
			// Committed: the job runs and finds its group.
			id := insertNote(context.Background(), t, db, q, "kept")
			if got := wait(t, done); got != id {
				t.Fatalf("first job to run: %q, want %q", got, id)
			}
			jobs, err := q.Client().JobList(ctx, river.NewJobListParams().Kinds("test_note").States("available", "scheduled", "retryable", "running", "completed", "discarded"))
			if err != nil {
				t.Fatal(err)
			}
			if len(jobs.Jobs) != 1 {
				t.Errorf("jobs in the queue: %d, want 1 (the rolled-back one must not exist)", len(jobs.Jobs))
			}
		})
	}
}

func TestPruneWorker(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		now := time.Now()
		if _, err := storage.RecordActivity(ctx, db, "https://x.test/old", now.Add(-queue.ActivityRetention-time.Hour)); err != nil {
			t.Fatal(err)
		}
		if _, err := storage.RecordActivity(ctx, db, "https://x.test/new", now); err != nil {
			t.Fatal(err)
		}
		w := &queue.PruneActivitiesWorker{DB: db, Now: func() time.Time { return now }}
		if err := w.Work(ctx, &river.Job[queue.PruneActivitiesArgs]{}); err != nil {
			t.Fatal(err)
		}
		if isNew, _ := storage.RecordActivity(ctx, db, "https://x.test/new", now); isNew {
			t.Error("recent id was pruned")
		}
		if isNew, _ := storage.RecordActivity(ctx, db, "https://x.test/old", now); !isNew {
			t.Error("old id was kept")
		}
	})
}

func TestCounts(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		q, err := queue.New(db, queue.Options{})
		if err != nil {
			t.Fatal(err)
		}
		later := &river.InsertOpts{ScheduledAt: time.Now().Add(time.Hour)}
		for _, opts := range []*river.InsertOpts{nil, nil, later} {
			if err := q.Insert(ctx, noteArgs{GroupID: "g"}, opts); err != nil {
				t.Fatal(err)
			}
		}
		got, err := queue.Counts(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		want := []queue.KindCount{{Kind: "test_note", State: "available", Count: 2}, {Kind: "test_note", State: "scheduled", Count: 1}}
		if !slices.Equal(got, want) {
			t.Errorf("Counts = %+v, want %+v", got, want)
		}
		if n, err := queue.Depth(ctx, db); err != nil || n != 3 {
			t.Errorf("Depth = %d, %v; want 3", n, err)
		}
	})
}

// On PostgreSQL with a listener, a job inserted in a transaction runs when
// the transaction commits, not at the next poll: with an hour between
// polls, only the notification can start it.
func TestListenRunsCommittedJobs(t *testing.T) {
	t.Parallel()
	if os.Getenv(storagetest.EnvPostgres) == "" {
		t.Skip(storagetest.EnvPostgres + " not set")
	}
	ctx := context.Background()
	db, dsn := storagetest.OpenPostgres(t)
	listen, err := storage.OpenListenPool(ctx, dsn)
	if err != nil || listen == nil {
		t.Fatalf("listen pool: %v, %v", listen, err)
	}
	defer listen.Close()
	if sqlite, err := storage.OpenListenPool(ctx, ""); sqlite != nil || err != nil {
		t.Fatalf("SQLite listen pool = %v, %v; want none", sqlite, err)
	}
	done := make(chan string, 10)
	workers := river.NewWorkers()
	river.AddWorker(workers, &noteWorker{db: db, done: done})
	q, err := queue.New(db, queue.Options{Workers: workers, PollInterval: time.Hour, ListenPool: listen, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer stopQueue(t, q)
	// The first job may be found by the fetch the queue makes as it starts.
	want := insertNote(context.Background(), t, db, q, "first")
	if got := wait(t, done); got != want {
		t.Fatalf("ran %q, want %q", got, want)
	}
	// Later ones only by notification. More chances cover a listener
	// still connecting when the first of them was inserted (River starts
	// listening in the background): a later notification then runs all
	// of them, the earliest first.
	later := map[string]bool{}
	for attempt := range 10 {
		later[insertNote(context.Background(), t, db, q, fmt.Sprint("later", attempt))] = true
		select {
		case got := <-done:
			if !later[got] {
				t.Fatalf("ran %q, want one of %v", got, later)
			}
			return
		case <-time.After(2 * time.Second):
		}
	}
	t.Fatal("a job inserted in a committed transaction did not run without a poll")
}

// TestAfterCommitRunsJobsWithoutPoll: without a listener (SQLite, and
// PostgreSQL without ListenPool), a job inserted in a transaction run with
// AfterCommit starts when the transaction commits, with an hour between
// polls; a failed transaction's kick is never called and changes nothing.
func TestAfterCommitRunsJobsWithoutPoll(t *testing.T) {
	t.Parallel()
	for _, b := range storagetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			db, _ := b.Open(t)
			done := make(chan string, 10)
			workers := river.NewWorkers()
			river.AddWorker(workers, &noteWorker{db: db, done: done})
			q, err := queue.New(db, queue.Options{Workers: workers, PollInterval: time.Hour, Logger: slog.New(slog.DiscardHandler)})
			if err != nil {
				t.Fatal(err)
			}
			if err := q.Start(ctx); err != nil {
				t.Fatal(err)
			}
			defer stopQueue(t, q)
			insertUnkicked := func(name string) (string, func()) {
				tctx, committed := q.AfterCommit(ctx)
				return insertNote(tctx, t, db, q, name), committed
			}
			insert := func(name string) string {
				id, committed := insertUnkicked(name)
				committed()
				return id
			}
			// Each job is inserted once the one before it is recorded as
			// completed (River looks for more after a completion, which
			// could otherwise find it); the poll never comes.
			for i := range 3 {
				want := insert(fmt.Sprint("kicked", i))
				select {
				case got := <-done:
					if got != want {
						t.Fatalf("ran %q, want %q", got, want)
					}
				case <-time.After(5 * time.Second):
					t.Fatalf("job %d, inserted in a committed transaction, did not run without a poll", i)
				}
				waitCompleted(t, db, i+1)
			}
			// The kick is what starts them, on SQLite too, whose River
			// listener is a poll of a notification table every 50 ms
			// (kick.go): a job whose kick has not come yet waits, well
			// past that poll, and starts when it comes.
			want, committed := insertUnkicked("unkicked")
			select {
			case got := <-done:
				t.Fatalf("ran %q before its transaction's kick: the queue learns of jobs some other way", got)
			case <-time.After(300 * time.Millisecond):
			}
			committed()
			select {
			case got := <-done:
				if got != want {
					t.Fatalf("ran %q, want %q", got, want)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("the job did not run after its kick")
			}
		})
	}
}

// waitCompleted waits until n jobs are recorded as completed.
func waitCompleted(t *testing.T, db *bun.DB, n int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		got, err := db.NewSelect().TableExpr("river_job").Where("state = 'completed'").Count(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if got >= int64(n) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d jobs completed, want %d", got, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

package federation

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/uptrace/bun"

	"github.com/kith-social/kith/federation/transport"
	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/storage/storagetest"
)

// A fan-out batch that finished is not delivered again when its job runs
// again (the process died before the queue recorded the completion); a
// batch that had not finished is.
func TestFanoutRerun(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		var posts atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			posts.Add(1)
			w.WriteHeader(http.StatusAccepted)
		}))
		defer srv.Close()
		e, err := New(ctx, db, Config{Scheme: "http", Domain: "kith.test", Transport: transport.Config{InsecureHTTP: true, AllowPrivateNetworks: true}})
		if err != nil {
			t.Fatal(err)
		}
		g, err := e.CreateGroup(ctx, "g", "G", "", false)
		if err != nil {
			t.Fatal(err)
		}
		oa := &storage.OutboxActivity{GroupID: g.ID, IRI: "http://kith.test/groups/g/activities/1", Type: "Announce", Body: `{"type":"Announce"}`}
		if err := storage.CreateOutboxActivity(ctx, db, oa); err != nil {
			t.Fatal(err)
		}
		w := &fanoutWorker{e: e}
		run := func(id int64, attempt int) {
			t.Helper()
			job := &river.Job[fanoutArgs]{
				JobRow: &rivertype.JobRow{ID: id, Attempt: attempt},
				Args:   fanoutArgs{ActivityID: oa.ID, Inboxes: []string{srv.URL + "/a/inbox", srv.URL + "/b/inbox"}},
			}
			if err := w.Work(ctx, job); err != nil {
				t.Fatalf("job %d attempt %d: %v", id, attempt, err)
			}
		}
		for _, tc := range []struct {
			name      string
			id        int64
			attempt   int
			wantPosts int32
		}{
			{"first attempt delivers", 1, 1, 2},
			{"rerun of a finished batch delivers nothing", 1, 2, 0},
			{"rerun of a batch that never finished delivers", 2, 2, 2},
			{"and is then finished too", 2, 3, 0},
		} {
			before := posts.Load()
			run(tc.id, tc.attempt)
			if got := posts.Load() - before; got != tc.wantPosts {
				t.Errorf("%s: %d POSTs, want %d", tc.name, got, tc.wantPosts)
			}
		}
	})
}

package outbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/uptrace/bun"

	"github.com/kith-social/kith/federation/iri"
	"github.com/kith-social/kith/federation/keys"
	"github.com/kith-social/kith/federation/node"
	"github.com/kith-social/kith/federation/transport"
	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/storage/queue"
	"github.com/kith-social/kith/storage/storagetest"
	"github.com/kith-social/kith/storage/tune"
)

// fanoutFixture is an outbox with group "g" and a server whose every
// path is an inbox that answers 202, calling seen for each POST.
func fanoutFixture(t *testing.T, db *bun.DB, seen func(*http.Request)) (*Outbox, *storage.Group, *httptest.Server) {
	t.Helper()
	ctx := context.Background()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen(r)
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(srv.Close)
	q, err := queue.New(db, queue.Options{})
	if err != nil {
		t.Fatal(err)
	}
	n := &node.Node{
		DB: db, Reads: db, Writes: tune.NewGroupCommit(db, tune.GroupCommitSize(db)), Queue: q,
		IRI: iri.New("http", "kith.test"), Log: slog.New(slog.DiscardHandler), Now: time.Now,
		Client: transport.New(transport.Config{InsecureHTTP: true, AllowPrivateNetworks: true}),
	}
	priv, pub, err := keys.Generate()
	if err != nil {
		t.Fatal(err)
	}
	g := &storage.Group{Name: "g", Title: "G", PrivateKeyPEM: priv, PublicKeyPEM: pub}
	if err := storage.CreateGroup(ctx, db, time.Now(), g); err != nil {
		t.Fatal(err)
	}
	return New(n, nil), g, srv
}

// A fan-out batch that finished is not delivered again when its job runs
// again (the process died before the queue recorded the completion); a
// batch that had not finished is.
func TestFanoutRerun(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		var posts atomic.Int32
		e, g, srv := fanoutFixture(t, db, func(*http.Request) { posts.Add(1) })
		oa := &storage.OutboxActivity{GroupID: g.ID, IRI: "http://kith.test/groups/g/activities/1", Type: "Announce", Body: `{"type":"Announce"}`}
		if err := storage.CreateOutboxActivity(ctx, db, time.Now(), oa); err != nil {
			t.Fatal(err)
		}
		w := &fanoutWorker{e: e}
		run := func(id int64, attempt int) {
			t.Helper()
			job := &river.Job[fanoutArgs]{
				JobRow: &rivertype.JobRow{ID: id, Attempt: attempt},
				Args:   fanoutArgs{ActivityID: oa.ID, Shards: 1, Extra: []string{srv.URL + "/a/inbox", srv.URL + "/b/inbox"}},
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

// A fan-out to the group's members is queued as shards that name no
// inbox; together the shards deliver to every member and extra inbox
// once, and a member who left before the job ran is not delivered to.
func TestFanoutShards(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		var mu sync.Mutex
		got := map[string]int{}
		e, g, srv := fanoutFixture(t, db, func(r *http.Request) {
			mu.Lock()
			got[r.URL.Path]++
			mu.Unlock()
		})
		const members = 2*fanoutBatch + 7 // three shards
		var follows []*storage.Follow
		for i := range members {
			a := &storage.RemoteActor{IRI: fmt.Sprintf("%s/m%d", srv.URL, i), Type: "Person", Username: fmt.Sprint("m", i), Inbox: fmt.Sprintf("%s/m%d/inbox", srv.URL, i)}
			if err := storage.UpsertRemoteActor(ctx, db, time.Now(), a); err != nil {
				t.Fatal(err)
			}
			f := &storage.Follow{GroupID: g.ID, ActorID: a.ID, ActivityIRI: a.IRI + "/follow", State: storage.FollowAccepted}
			if err := storage.UpsertFollow(ctx, db, time.Now(), f); err != nil {
				t.Fatal(err)
			}
			follows = append(follows, f)
		}
		// The author's inbox is an extra; one member's inbox is given as
		// an extra too, and must still get one delivery.
		extra := []string{srv.URL + "/author/inbox", srv.URL + "/m3/inbox", ""}
		act := Activity{IRI: "http://kith.test/groups/g/activities/1", Type: "Announce", Body: []byte(`{"type":"Announce"}`)}
		if err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			return e.Publish(ctx, tx, g, act, Members(extra...))
		}); err != nil {
			t.Fatal(err)
		}

		argsSQL := "json(args)"
		if storage.IsPostgres(db) {
			argsSQL = "args::text"
		}
		var raw []string
		if err := db.NewRaw("SELECT "+argsSQL+" FROM river_job WHERE kind = 'fanout' ORDER BY id").Scan(ctx, &raw); err != nil {
			t.Fatal(err)
		}
		if len(raw) != 3 {
			t.Fatalf("%d fan-out jobs, want 3", len(raw))
		}
		// The member who leaves now, after the post, is not delivered to.
		if err := storage.DeleteFollow(ctx, db, time.Now(), follows[5].ID); err != nil {
			t.Fatal(err)
		}
		e.MembersChanged()

		w := &fanoutWorker{e: e}
		for i, r := range raw {
			var args fanoutArgs
			if err := json.Unmarshal([]byte(r), &args); err != nil {
				t.Fatal(err)
			}
			if args.Shards != 3 || args.Shard != i || len(args.Extra) != 2 {
				t.Fatalf("job %d args %s: want shard %d of 3, the two extras and no inbox list", i, r, i)
			}
			job := &river.Job[fanoutArgs]{JobRow: &rivertype.JobRow{ID: int64(100 + i), Attempt: 1}, Args: args}
			if err := w.Work(ctx, job); err != nil {
				t.Fatalf("job %d: %v", i, err)
			}
		}
		for i := range members {
			path, want := fmt.Sprintf("/m%d/inbox", i), 1
			if i == 5 {
				want = 0
			}
			if got[path] != want {
				t.Errorf("%s got %d deliveries, want %d", path, got[path], want)
			}
		}
		if got["/author/inbox"] != 1 || len(got) != members {
			t.Errorf("author inbox got %d deliveries (want 1); %d inboxes reached in all, want %d", got["/author/inbox"], len(got), members)
		}
	})
}

// A fan-out job queued with an explicit inbox list (the format before
// shards) still decodes, and is cancelled instead of run.
func TestFanoutOldInboxList(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		var posts atomic.Int32
		e, g, srv := fanoutFixture(t, db, func(*http.Request) { posts.Add(1) })
		oa := &storage.OutboxActivity{GroupID: g.ID, IRI: "http://kith.test/groups/g/activities/1", Type: "Announce", Body: `{"type":"Announce"}`}
		if err := storage.CreateOutboxActivity(ctx, db, time.Now(), oa); err != nil {
			t.Fatal(err)
		}
		var args fanoutArgs
		old := fmt.Sprintf(`{"activity_id":%q,"inboxes":[%q]}`, oa.ID, srv.URL+"/a/inbox")
		if err := json.Unmarshal([]byte(old), &args); err != nil {
			t.Fatalf("decode an old fan-out job: %v", err)
		}
		job := &river.Job[fanoutArgs]{JobRow: &rivertype.JobRow{ID: 1, Attempt: 1}, Args: args}
		err := (&fanoutWorker{e: e}).Work(ctx, job)
		var cancel *river.JobCancelError
		if !errors.As(err, &cancel) {
			t.Fatalf("old fan-out job: %v, want it cancelled", err)
		}
		if posts.Load() != 0 {
			t.Errorf("%d POSTs, want none", posts.Load())
		}
	})
}

package outbox

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/kith-social/kith/storage/storagetest"
)

// memberQueries counts the queries for a group's member inboxes and holds
// the first until release is closed.
type memberQueries struct {
	n       atomic.Int32
	started chan struct{}
	release chan struct{}
}

func (h *memberQueries) BeforeQuery(ctx context.Context, ev *bun.QueryEvent) context.Context {
	if strings.Contains(ev.Query, "DISTINCT CASE WHEN ra.shared_inbox") {
		if h.n.Add(1) == 1 {
			close(h.started)
			select { // bounded, so that a regression fails instead of hanging
			case <-h.release:
			case <-time.After(20 * time.Second):
			}
		}
	}
	return ctx
}

func (h *memberQueries) AfterQuery(context.Context, *bun.QueryEvent) {}

// TestMemberInboxesReadOnceByConcurrentReaders: fan-out shards that find
// a group's member list expired at the same time read it once between
// them (outside a transaction), and all get it.
func TestMemberInboxesReadOnceByConcurrentReaders(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *bun.DB) {
		e, g, _ := fanoutFixture(t, db, func(*http.Request) {})
		h := &memberQueries{started: make(chan struct{}), release: make(chan struct{})}
		hooked := db.WithQueryHook(h)
		const readers = 8
		var waiting sync.WaitGroup
		waiting.Add(readers - 1)
		var wg sync.WaitGroup
		errs := make(chan error, readers)
		read := func() {
			if _, err := e.MemberInboxes(context.Background(), hooked, g.ID); err != nil {
				errs <- err
			}
		}
		wg.Go(read)
		<-h.started // the first read is in the database
		e.beforeMemberRead = waiting.Done
		for range readers - 1 {
			wg.Go(read)
		}
		waiting.Wait() // every other reader is about to join it
		close(h.release)
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		// A reader preempted between beforeMemberRead and joining could
		// read on its own; without sharing every reader would.
		if n := h.n.Load(); n > 2 {
			t.Errorf("%d readers made %d queries, want 1 (2 at worst)", readers, n)
		}
	})
}

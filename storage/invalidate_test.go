package storage_test

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"

	"github.com/uptrace/bun"

	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/storage/storagetest"
)

// heard collects what a listener hears.
type heard struct {
	mu  sync.Mutex
	all []storage.Invalidation
}

func (h *heard) add(inv storage.Invalidation) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.all = append(h.all, inv)
}

func (h *heard) has(inv storage.Invalidation) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, x := range h.all {
		if x == inv {
			return true
		}
	}
	return false
}

func (h *heard) reset() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.all = nil
}

// TestInvalidationBus: a notification is heard when its transaction
// commits and never when it rolls back; a listener whose connection is
// killed reconnects by itself and is told to purge everything.
func TestInvalidationBus(t *testing.T) {
	t.Parallel()
	db, dsn := storagetest.OpenPostgres(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	app := "kith_bus_test_" + storage.NewID()[24:]
	pool, err := storage.OpenListenPool(ctx, dsn+"&application_name="+app)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	h := &heard{}
	ready := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		storage.Listen(ctx, pool, slog.New(slog.DiscardHandler), ready, h.add)
	}()
	<-ready
	all := storage.Invalidation{What: storage.InvalidateAll}
	if !h.has(all) {
		t.Error("a new listener was not told to purge")
	}

	rolledBack := storage.Invalidation{What: storage.InvalidateActor, IRI: "https://x.test/rolled-back"}
	errRollback := errors.New("roll back")
	if err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := storage.Notify(ctx, tx, rolledBack); err != nil {
			return err
		}
		return errRollback
	}); !errors.Is(err, errRollback) {
		t.Fatal(err)
	}
	committed := storage.Invalidation{What: storage.InvalidateActor, IRI: "https://x.test/a", KeyID: "https://x.test/a#key"}
	if err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error { return storage.Notify(ctx, tx, committed) }); err != nil {
		t.Fatal(err)
	}
	storagetest.Eventually(t, "the committed notification", func() bool { return h.has(committed) })
	// Notifications arrive in commit order: the rolled-back one, sent
	// before, would have come first.
	if h.has(rolledBack) {
		t.Error("a rolled-back notification was delivered")
	}

	h.reset()
	if _, err := db.ExecContext(ctx, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = ?", app); err != nil {
		t.Fatal(err)
	}
	storagetest.Eventually(t, "the purge after reconnecting", func() bool { return h.has(all) })
	members := storage.Invalidation{What: storage.InvalidateMembers}
	if err := storage.Notify(ctx, db, members); err != nil {
		t.Fatal(err)
	}
	storagetest.Eventually(t, "a notification after reconnecting", func() bool { return h.has(members) })

	cancel()
	<-done
}

func TestNotifyOnSQLiteDoesNothing(t *testing.T) {
	t.Parallel()
	db, _ := storagetest.OpenSQLite(t)
	if err := storage.Notify(context.Background(), db, storage.Invalidation{What: storage.InvalidateBlocks}); err != nil {
		t.Fatal(err)
	}
}

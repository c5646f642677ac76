package storage

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/uptrace/bun"
)

// The invalidation bus tells every `kith serve` process sharing one
// PostgreSQL database that something its in-memory caches hold has
// changed (a ban, a domain block, a membership, an actor), so that the
// change takes effect on every node at once instead of after a cache's
// TTL. Notify sends inside the transaction that makes the change:
// PostgreSQL delivers a NOTIFY when the transaction commits and drops it
// when it rolls back, so listeners never purge for a change that did not
// happen, nor read before it is visible. SQLite has one process, whose
// own changes purge its caches directly: there Notify does nothing.

// invalidationChannel is the PostgreSQL NOTIFY channel of the bus.
const invalidationChannel = "kith_invalidate"

// What an Invalidation concerns.
const (
	InvalidateMembers = "members" // some group's followers changed
	InvalidateBlocks  = "blocks"  // a domain block was added or lifted
	InvalidateActor   = "actor"   // a remote actor changed or is gone (IRI, KeyID)
	InvalidateGroups  = "groups"  // a group was changed or removed
	// InvalidateAll is never sent: a listener hears it after it
	// (re)connects, when notifications may have been missed.
	InvalidateAll = "all"
)

// Invalidation is one message on the bus.
type Invalidation struct {
	What  string `json:"what"`
	IRI   string `json:"iri,omitempty"`
	KeyID string `json:"key,omitempty"`
}

// Notify sends inv to every process listening on the database, when tx
// commits. On SQLite it does nothing.
func Notify(ctx context.Context, tx bun.IDB, inv Invalidation) error {
	if !IsPostgres(tx) {
		return nil
	}
	payload, err := json.Marshal(inv)
	if err != nil {
		return fmt.Errorf("encode invalidation: %w", err)
	}
	if _, err := tx.ExecContext(ctx, "SELECT pg_notify(?, ?)", invalidationChannel, string(payload)); err != nil {
		return fmt.Errorf("notify %s invalidation: %w", inv.What, err)
	}
	return nil
}

// ListenRetry is how long Listen waits before connecting again after its
// connection failed.
const ListenRetry = time.Second

// Listen holds one connection of pool (OpenListenPool) to LISTEN for
// invalidations and calls handle with each, until ctx ends. A lost
// connection is opened again after ListenRetry; each time the listener is
// (re)connected handle receives InvalidateAll, since what was sent while
// it was away is lost. ready, if not nil, is closed once it first listens.
func Listen(ctx context.Context, pool *pgxpool.Pool, log *slog.Logger, ready chan<- struct{}, handle func(Invalidation)) {
	for {
		err := listenOnce(ctx, pool, log, func() {
			handle(Invalidation{What: InvalidateAll})
			if ready != nil {
				close(ready)
				ready = nil
			}
		}, handle)
		if ctx.Err() != nil {
			return
		}
		log.WarnContext(ctx, "cache invalidation listener lost its connection; reconnecting", "err", err, "retry", ListenRetry)
		t := time.NewTimer(ListenRetry)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// listenOnce listens on one connection until it fails or ctx ends.
func listenOnce(ctx context.Context, pool *pgxpool.Pool, log *slog.Logger, listening func(), handle func(Invalidation)) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	// A LISTENing session is not given back to the pool: closing it ends
	// the LISTEN, and the pool replaces it when asked again.
	defer func() {
		_ = conn.Conn().Close(context.WithoutCancel(ctx))
		conn.Release()
	}()
	if _, err := conn.Exec(ctx, "LISTEN "+invalidationChannel); err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	listening()
	for {
		n, err := conn.Conn().WaitForNotification(ctx)
		if err != nil {
			return fmt.Errorf("wait for notification: %w", err)
		}
		var inv Invalidation
		if err := json.Unmarshal([]byte(n.Payload), &inv); err != nil || inv.What == "" {
			// Another version's message: purging everything is always safe.
			log.WarnContext(ctx, "unreadable cache invalidation; purging every cache", "payload", n.Payload, "err", err)
			inv = Invalidation{What: InvalidateAll}
		}
		handle(inv)
	}
}

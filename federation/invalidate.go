package federation

import (
	"context"
	"time"

	"github.com/kith-social/kith/storage"
)

// listenReadyWait bounds how long Start waits for the invalidation
// listener's first LISTEN; after it the node serves anyway (the listener
// keeps trying) and the caches' TTLs bound what it misses meanwhile.
const listenReadyWait = 10 * time.Second

// listenInvalidations starts the listener of the invalidation bus
// (storage.Listen) when the engine has a listen pool, and waits until it
// listens: a change another process commits after Start returns reaches
// this process's caches.
func (e *Engine) listenInvalidations(ctx context.Context) {
	if e.listen == nil || e.stopListen != nil {
		return
	}
	ctx, e.stopListen = context.WithCancel(ctx)
	ready := make(chan struct{})
	log := e.Log.With("component", "invalidation")
	go storage.Listen(ctx, e.listen, log, ready, e.invalidate)
	t := time.NewTimer(listenReadyWait)
	defer t.Stop()
	select {
	case <-ready:
	case <-ctx.Done():
	case <-t.C:
		log.WarnContext(ctx, "cache invalidation listener not connected yet; serving anyway", "waited", listenReadyWait)
	}
}

// invalidate empties the caches another process's change made stale.
func (e *Engine) invalidate(inv storage.Invalidation) {
	switch inv.What {
	case storage.InvalidateMembers:
		e.Outbox.MembersChanged()
	case storage.InvalidateBlocks:
		e.Actors.BlocksChanged()
	case storage.InvalidateActor:
		e.Actors.ForgetCached(inv.IRI, inv.KeyID)
		e.Outbox.MembersChanged() // its inboxes may have changed
	case storage.InvalidateGroups:
		e.Inbox.GroupsChanged()
	default: // InvalidateAll, or a kind a newer version sends
		e.Actors.Purge()
		e.Outbox.MembersChanged()
		e.Inbox.GroupsChanged()
	}
}

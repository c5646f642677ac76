package federation

import (
	"context"
	"time"

	"github.com/hashicorp/golang-lru/v2/expirable"
	"github.com/uptrace/bun"

	"github.com/kith-social/kith/federation/httpsig"
	"github.com/kith-social/kith/federation/vocab"
	"github.com/kith-social/kith/storage"
)

// The inbox asks the same few questions of every request: is the sender's
// server blocked, does the group exist, what is the signer's key. On
// SQLite every query waits for the one connection the workers also use,
// so the answers are kept in memory for a short while (see
// docs/performance.md). Each cache is bounded, and each entry expires, so
// a change made by another `kith serve` process is seen within the TTL;
// changes made by this process invalidate at once.
const (
	keyCacheTTL    = 5 * time.Minute
	keyCacheSize   = 20000
	blockCacheTTL  = 2 * time.Second
	groupCacheTTL  = 10 * time.Second
	aliveCacheTTL  = time.Minute
	smallCacheSize = 4096

	membersCacheTTL = 2 * time.Second
	actorCacheTTL   = 10 * time.Second
	parsedCacheTTL  = 30 * time.Second
)

// inboxCaches are the engine's short-lived answers.
type inboxCaches struct {
	keys    *expirable.LRU[string, httpsig.PublicKey] // keyId → key of a remote actor
	blocked *expirable.LRU[string, bool]              // host → blocked
	groups  *expirable.LRU[string, struct{}]          // names of groups that exist
	alive   *expirable.LRU[string, struct{}]          // hosts recently marked alive
	// members holds each group's member inboxes: every Like, reply and
	// post a group announces needs them, and with a thousand members the
	// query was the largest part of processing an activity. This process
	// empties it whenever it changes a membership or an actor (after the
	// transaction, so no reader keeps what the transaction replaced);
	// another process's change is seen within membersCacheTTL.
	members *memberCache // group id → inboxes, with a generation (membercache.go)
	// actors are remote actors read in the last seconds: every activity
	// names its actor, and a busy member sends many.
	actors *expirable.LRU[string, storage.RemoteActor] // IRI → actor
	// parsed holds activities as Receive parsed them, until their job
	// takes them (accept.go); never changed after parsing.
	parsed *expirable.LRU[string, *vocab.Activity] // activity id → activity
}

func newInboxCaches() inboxCaches {
	return inboxCaches{
		keys:    expirable.NewLRU[string, httpsig.PublicKey](keyCacheSize, nil, keyCacheTTL),
		blocked: expirable.NewLRU[string, bool](smallCacheSize, nil, blockCacheTTL),
		groups:  expirable.NewLRU[string, struct{}](smallCacheSize, nil, groupCacheTTL),
		alive:   expirable.NewLRU[string, struct{}](smallCacheSize, nil, aliveCacheTTL),
		members: newMemberCache(256, membersCacheTTL),
		actors:  expirable.NewLRU[string, storage.RemoteActor](keyCacheSize, nil, actorCacheTTL),
		parsed:  expirable.NewLRU[string, *vocab.Activity](keyCacheSize, nil, parsedCacheTTL),
	}
}

// isBlocked tells whether host is under a domain block.
func (e *Engine) isBlocked(ctx context.Context, host string) (bool, error) {
	if b, ok := e.caches.blocked.Get(host); ok {
		return b, nil
	}
	b, err := storage.IsDomainBlocked(ctx, e.reads, host)
	if err != nil {
		return false, err
	}
	e.caches.blocked.Add(host, b)
	return b, nil
}

// groupExists tells whether a local group has this name.
func (e *Engine) groupExists(ctx context.Context, name string) (bool, error) {
	if _, ok := e.caches.groups.Get(name); ok {
		return true, nil
	}
	_, err := storage.GroupByName(ctx, e.reads, name)
	if isNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	e.caches.groups.Add(name, struct{}{})
	return true, nil
}

// markAlive clears a server's unreachable state when it delivers to us;
// a server heard from in the last minute is not written again.
func (e *Engine) markAlive(ctx context.Context, host string) error {
	if _, ok := e.caches.alive.Get(host); ok {
		return nil
	}
	if err := storage.MarkServerAlive(ctx, e.db, host); err != nil {
		return err
	}
	e.caches.alive.Add(host, struct{}{})
	return nil
}

// memberInboxes returns the group's member inboxes (one per shared inbox).
// The slice is shared: callers must not change it.
func (e *Engine) memberInboxes(ctx context.Context, tx bun.IDB, groupID string) ([]string, error) {
	in, gen, ok := e.caches.members.get(groupID)
	if ok {
		return in, nil
	}
	in, err := storage.MemberInboxes(ctx, tx, groupID)
	if err != nil {
		return nil, err
	}
	// Kept as delivery targets (each once, none of this node's), so that
	// each announce does not sort them out again; callers only read it.
	in = e.targets(in)
	e.caches.members.add(groupID, in, gen) // not if membership changed meanwhile
	return in, nil
}

// membersChanged forgets every group's member inboxes. Call it (deferred)
// around any change of follows or of remote actors' inboxes.
func (e *Engine) membersChanged() { e.caches.members.purge() }

// storedActor reads a remote actor from the database, or from the cache
// when it was read in the last seconds. The copy is the caller's.
func (e *Engine) storedActor(ctx context.Context, iri string) (*storage.RemoteActor, error) {
	if a, ok := e.caches.actors.Get(iri); ok {
		return &a, nil
	}
	a, err := storage.RemoteActorByIRI(ctx, e.reads, iri)
	if err != nil {
		return nil, err
	}
	e.caches.actors.Add(iri, *a)
	return a, nil
}

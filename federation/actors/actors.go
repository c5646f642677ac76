// Package actors knows the remote actors: it fetches and stores their
// documents (signed by the instance actor), resolves the keys that sign
// requests (httpsig.KeyResolver), refreshes members' profiles daily, and
// keeps the short-lived answers the inbox asks for every request — keys,
// actors and domain blocks — in bounded, expiring caches.
package actors

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/hashicorp/golang-lru/v2/expirable"
	"github.com/riverqueue/river"

	"github.com/kith-social/kith/federation/httpsig"
	"github.com/kith-social/kith/federation/node"
	"github.com/kith-social/kith/storage"
)

// The inbox asks the same few questions of every request: is the sender's
// server blocked, what is the signer's key, who is the actor. On SQLite
// every query waits for the one connection the workers also use, so the
// answers are kept in memory for a short while (see docs/performance.md).
// Each cache is bounded, and each entry expires. Changes made by this
// process invalidate at once; on PostgreSQL, changes made by another
// `kith serve` process do too, through the invalidation bus
// (storage.Notify, federation/invalidate.go), and the TTL only bounds
// what a lost bus connection could leave behind.
const (
	keyCacheTTL    = 5 * time.Minute
	keyCacheSize   = 20000
	blockCacheTTL  = 2 * time.Second
	actorCacheTTL  = 10 * time.Second
	smallCacheSize = 4096
)

// Actors resolves remote actors and their keys.
type Actors struct {
	*node.Node
	keys    *expirable.LRU[string, httpsig.PublicKey] // keyId → key of a remote actor
	blocked *expirable.LRU[string, bool]              // host → blocked
	// actors are remote actors read in the last seconds: every activity
	// names its actor, and a busy member sends many.
	actors *expirable.LRU[string, storage.RemoteActor] // IRI → actor
	hooks  Hooks
	// authFetch answers GETs of ActivityPub documents only when signed.
	authFetch bool
}

// Hooks are what the rest of the node does when actors change.
type Hooks struct {
	// Gone removes an actor whose server says it was deleted (410): it
	// leaves every group, with its posts.
	Gone func(context.Context, *storage.RemoteActor) error
	// InboxesChanged is called after an actor is stored: its inboxes may
	// have changed (the outbox's member cache).
	InboxesChanged func()
	// ServerSeen is called with the server of every actor stored: the
	// first time, the node reads what software it runs (federation/software).
	ServerSeen func(ctx context.Context, host string)
}

// New builds the resolver; authorizedFetch requires a signature on GETs
// of ActivityPub documents (AuthorizeFetch). Call SetHooks before the node
// serves.
func New(n *node.Node, authorizedFetch bool) *Actors {
	return &Actors{
		Node:      n,
		authFetch: authorizedFetch,
		keys:      expirable.NewLRU[string, httpsig.PublicKey](keyCacheSize, nil, keyCacheTTL),
		blocked:   expirable.NewLRU[string, bool](smallCacheSize, nil, blockCacheTTL),
		actors:    expirable.NewLRU[string, storage.RemoteActor](keyCacheSize, nil, actorCacheTTL),
	}
}

// SetHooks sets what is called when actors change (federation.New wires
// the community's removal of gone actors and the outbox's member cache).
func (e *Actors) SetHooks(h Hooks) { e.hooks = h }

func (e *Actors) gone(ctx context.Context, a *storage.RemoteActor) error {
	if e.hooks.Gone == nil {
		return errors.New("no handler for gone actors")
	}
	return e.hooks.Gone(ctx, a)
}

func (e *Actors) serverSeen(ctx context.Context, host string) {
	if e.hooks.ServerSeen != nil {
		e.hooks.ServerSeen(ctx, host)
	}
}

func (e *Actors) inboxesChanged() {
	if e.hooks.InboxesChanged != nil {
		e.hooks.InboxesChanged()
	}
}

// AddWorkers registers the daily refresh of members' profiles and returns
// its periodic job.
func (e *Actors) AddWorkers(workers *river.Workers) []*river.PeriodicJob {
	river.AddWorker(workers, &refreshActorsWorker{e: e})
	return []*river.PeriodicJob{refreshPeriodic()}
}

// StorageError is a database failure on a path whose other errors are
// the sender's (resolving a signature's key): the inbox answers it with
// 503, so the sender retries, instead of 401.
type StorageError struct{ err error }

func (e *StorageError) Error() string { return "storage: " + e.err.Error() }
func (e *StorageError) Unwrap() error { return e.err }

// IsBlocked tells whether host is under a domain block.
func (e *Actors) IsBlocked(ctx context.Context, host string) (bool, error) {
	if b, ok := e.blocked.Get(host); ok {
		return b, nil
	}
	b, err := storage.IsDomainBlocked(ctx, e.Reads, host)
	if err != nil {
		return false, err
	}
	e.blocked.Add(host, b)
	return b, nil
}

// BlocksChanged forgets every cached answer about domain blocks (a block
// covers subdomains, so one change concerns many hosts).
func (e *Actors) BlocksChanged() { e.blocked.Purge() }

// Stored reads a remote actor from the database, or from the cache when
// it was read in the last seconds. The copy is the caller's.
func (e *Actors) Stored(ctx context.Context, iri string) (*storage.RemoteActor, error) {
	if a, ok := e.actors.Get(iri); ok {
		return &a, nil
	}
	a, err := storage.RemoteActorByIRI(ctx, e.Reads, iri)
	if err != nil {
		return nil, err
	}
	e.actors.Add(iri, *a)
	return a, nil
}

// Forget drops the cached copies of an actor and its key (it was removed).
func (e *Actors) Forget(a *storage.RemoteActor) { e.ForgetCached(a.IRI, a.PublicKeyID) }

// ForgetCached drops the cached copies of the actor iri and of the key
// keyID (another process changed or removed the actor).
func (e *Actors) ForgetCached(iri, keyID string) {
	if keyID != "" {
		e.keys.Remove(keyID)
	}
	e.actors.Remove(iri)
}

// Purge empties every cache (changes from other processes may have been
// missed).
func (e *Actors) Purge() {
	e.keys.Purge()
	e.actors.Purge()
	e.blocked.Purge()
}

// AuthorizeFetch enforces authorized-fetch mode on a GET of an
// ActivityPub document: without the mode every GET is allowed; with it
// the request must carry a valid HTTP signature.
func (e *Actors) AuthorizeFetch(ctx context.Context, r *http.Request) error {
	if !e.authFetch {
		return nil
	}
	if _, err := httpsig.Verify(ctx, r, nil, e, e.Now()); err != nil {
		return node.Refuse(http.StatusUnauthorized, "this server requires signed requests (authorized fetch)", err)
	}
	return nil
}

package inbox

import (
	"context"
	"time"

	"github.com/hashicorp/golang-lru/v2/expirable"

	"github.com/kith-social/kith/federation/vocab"
	"github.com/kith-social/kith/storage"
)

// The inbox asks the same few questions of every request: is the sender's
// server blocked, what is the signer's key (federation/actors), does the
// group exist. On
// SQLite every query waits for the one connection the workers also use,
// so the answers are kept in memory for a short while (see
// docs/performance.md). Each cache is bounded, and each entry expires;
// on PostgreSQL a change made by another `kith serve` process empties
// them through the invalidation bus (federation/invalidate.go).
const (
	groupCacheTTL   = 10 * time.Second
	groupCacheSize  = 4096
	parsedCacheTTL  = 30 * time.Second
	parsedCacheSize = 20000
)

// inboxCaches are the inbox's own short-lived answers (the actors' are
// in federation/actors, the member inboxes in federation/outbox).
type inboxCaches struct {
	groups *expirable.LRU[string, struct{}] // names of groups that exist
	// parsed holds activities as Receive parsed them, until their job
	// takes them (accept.go); never changed after parsing.
	parsed *expirable.LRU[string, *vocab.Activity] // activity id → activity
}

func newInboxCaches() inboxCaches {
	return inboxCaches{
		groups: expirable.NewLRU[string, struct{}](groupCacheSize, nil, groupCacheTTL),
		parsed: expirable.NewLRU[string, *vocab.Activity](parsedCacheSize, nil, parsedCacheTTL),
	}
}

// groupExists tells whether a local group has this name.
func (e *Inbox) groupExists(ctx context.Context, name string) (bool, error) {
	if _, ok := e.caches.groups.Get(name); ok {
		return true, nil
	}
	_, err := storage.GroupByName(ctx, e.Reads, name)
	if isNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	e.caches.groups.Add(name, struct{}{})
	return true, nil
}

// GroupsChanged forgets which groups exist (a group was changed or
// removed, perhaps by another process).
func (e *Inbox) GroupsChanged() { e.caches.groups.Purge() }

package outbox

import (
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/expirable"
)

// memberCache holds each group's member inboxes (outbox.go) with a
// generation that every change of membership advances. A reader takes the
// generation before it queries the database and may put its answer back
// only if no change was seen since: otherwise a list read just before an
// Undo{Follow} committed could be cached after the change had emptied the
// cache, and the member who just left would receive the group's next
// announces for up to membersCacheTTL.
type memberCache struct {
	mu  sync.Mutex
	gen uint64
	lru *expirable.LRU[string, []string] // group id → inboxes
}

func newMemberCache(size int, ttl time.Duration) *memberCache {
	return &memberCache{lru: expirable.NewLRU[string, []string](size, nil, ttl)}
}

// get returns the cached inboxes of a group, or (not ok) the generation
// to hand to add with the list the caller reads from the database.
func (c *memberCache) get(groupID string) (in []string, gen uint64, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	in, ok = c.lru.Get(groupID)
	return in, c.gen, ok
}

// add keeps a list read at generation gen, unless a change came since.
func (c *memberCache) add(groupID string, in []string, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen == c.gen {
		c.lru.Add(groupID, in)
	}
}

// purge forgets every list and advances the generation.
func (c *memberCache) purge() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.lru.Purge()
}

package outbox

import (
	"context"
	"sync"
	"time"
)

// hostLimiter bounds concurrent deliveries per remote server, so one slow
// server cannot hold every delivery worker. Entries are removed when no
// one holds or waits for them, so it does not grow without bound.
type hostLimiter struct {
	mu    sync.Mutex
	max   int
	hosts map[string]*hostSlots
}

type hostSlots struct {
	sem   chan struct{}
	users int // holders and waiters
}

func newHostLimiter(max int) *hostLimiter {
	return &hostLimiter{max: max, hosts: map[string]*hostSlots{}}
}

// acquire takes one of host's slots, waiting at most wait (0: not at
// all); false means none came free in time.
func (h *hostLimiter) acquire(ctx context.Context, host string, wait time.Duration) bool {
	h.mu.Lock()
	s := h.hosts[host]
	if s == nil {
		s = &hostSlots{sem: make(chan struct{}, h.max)}
		h.hosts[host] = s
	}
	s.users++
	h.mu.Unlock()
	select {
	case s.sem <- struct{}{}:
		return true
	default:
	}
	if wait > 0 {
		t := time.NewTimer(wait)
		defer t.Stop()
		select {
		case s.sem <- struct{}{}:
			return true
		case <-t.C:
		case <-ctx.Done():
		}
	}
	h.leave(host, s)
	return false
}

func (h *hostLimiter) tryAcquire(host string) bool {
	return h.acquire(context.Background(), host, 0)
}

func (h *hostLimiter) release(host string) {
	h.mu.Lock()
	s := h.hosts[host]
	h.mu.Unlock()
	<-s.sem
	h.leave(host, s)
}

func (h *hostLimiter) leave(host string, s *hostSlots) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if s.users--; s.users == 0 {
		delete(h.hosts, host)
	}
}

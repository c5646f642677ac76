package web

import (
	"context"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/kith-social/kith/federation/httpsig"
	"github.com/kith-social/kith/federation/metrics"
	"github.com/kith-social/kith/federation/node"
	"github.com/kith-social/kith/web/auth"
)

// Default inbox budgets, per minute (docs/operations.md says how to size
// them).
const (
	DefaultInboxPerMinute          = 12000
	DefaultInboxPerServerPerMinute = 60000
)

// inboxLimits are the inbox's two budgets. Every POST counts against its
// client IP's budget, checked before any parsing or signature work, so
// junk is refused cheaply. A POST whose signature then verifies counts
// against its signing server's budget instead (the IP's count is given
// back), so a real server is limited by its own traffic, not by a
// neighbour flooding from the same IP. When an IP's budget is spent, a
// POST that names a key of a server with budget left is still let through
// to the signature check: it may be that server; if the signature fails
// it was junk that cost one verification.
type inboxLimits struct {
	ip, server *windowLimiter
	metrics    *metrics.Metrics
}

func newInboxLimits(perIP, perServer int, now func() time.Time, m *metrics.Metrics) *inboxLimits {
	return &inboxLimits{ip: newWindowLimiter(perIP, time.Minute, now), server: newWindowLimiter(perServer, time.Minute, now), metrics: m}
}

// inboxCharge is what one POST was counted against.
type inboxCharge struct {
	header   http.Header // the answer's, for Retry-After
	ip       string
	ipTaken  bool // counted against the IP's budget
	verified bool // counted against its signing server's budget
}

type inboxChargeKey struct{}

// middleware applies the IP budget (and gives it back for POSTs the
// signing server's budget took).
func (l *inboxLimits) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := &inboxCharge{header: w.Header(), ip: auth.ClientKey(r)}
		var wait time.Duration
		c.ipTaken, wait = l.ip.take(c.ip)
		if !c.ipTaken {
			host := node.HostOf(httpsig.ClaimedKeyID(r.Header))
			if host == "" || !l.server.hasRoom(host) {
				l.metrics.InboxRefused(metrics.RefusedRateLimited)
				tooMany(w, wait, "too many requests from your address; retry later")
				return
			}
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), inboxChargeKey{}, c)))
		if c.verified && c.ipTaken {
			l.ip.giveBack(c.ip)
		}
	})
}

// signer is the inbox's budget per verified signing server
// (inbox.SignerLimit): called after the signature is checked.
func (l *inboxLimits) signer(ctx context.Context, host string) error {
	c, _ := ctx.Value(inboxChargeKey{}).(*inboxCharge)
	ok, wait := l.server.take(host)
	if !ok {
		if c != nil {
			c.header.Set("Retry-After", retryAfter(wait))
		}
		return node.Refuse(http.StatusTooManyRequests, "too many activities from your server; retry later", nil)
	}
	if c != nil {
		c.verified = true
	}
	return nil
}

func tooMany(w http.ResponseWriter, wait time.Duration, msg string) {
	w.Header().Set("Retry-After", retryAfter(wait))
	http.Error(w, msg, http.StatusTooManyRequests)
}

func retryAfter(wait time.Duration) string {
	return strconv.Itoa(max(1, int(math.Ceil(wait.Seconds()))))
}

// windowLimiter allows `limit` events per window and key, over a sliding
// window: the previous window's count, weighted by how much of it still
// overlaps, plus the current one's. The clock is injected (tests).
type windowLimiter struct {
	limit  int
	window time.Duration
	now    func() time.Time

	mu        sync.Mutex
	start     time.Time // of the current window
	cur, prev map[string]int
}

func newWindowLimiter(limit int, window time.Duration, now func() time.Time) *windowLimiter {
	if now == nil {
		now = time.Now
	}
	return &windowLimiter{limit: limit, window: window, now: now, cur: map[string]int{}, prev: map[string]int{}}
}

// rotate starts a new window when the current one is over. Call it with
// l.mu held; it returns how far into the current window now is.
func (l *windowLimiter) rotate() time.Duration {
	now := l.now()
	start := now.Truncate(l.window)
	if !start.Equal(l.start) {
		if start.Sub(l.start) == l.window {
			l.prev = l.cur
		} else {
			l.prev = map[string]int{}
		}
		l.cur, l.start = map[string]int{}, start
	}
	return now.Sub(start)
}

// rate is the key's count over the sliding window, with l.mu held.
func (l *windowLimiter) rate(key string, into time.Duration) float64 {
	overlap := float64(l.window-into) / float64(l.window)
	return float64(l.prev[key])*overlap + float64(l.cur[key])
}

// take counts one event for key if the budget has room; otherwise it
// returns how long until it is likely to have room again.
func (l *windowLimiter) take(key string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	into := l.rotate()
	if l.rate(key, into)+1 > float64(l.limit) {
		return false, l.window - into
	}
	l.cur[key]++
	return true, 0
}

// hasRoom tells whether key's budget has room, counting nothing.
func (l *windowLimiter) hasRoom(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.rate(key, l.rotate())+1 <= float64(l.limit)
}

// giveBack uncounts one event of key in the current window.
func (l *windowLimiter) giveBack(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.rotate()
	if l.cur[key] > 0 {
		l.cur[key]--
	}
}

package auth

import (
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/go-chi/chi/v5/middleware"
	"github.com/go-chi/httprate"
	"github.com/hashicorp/golang-lru/v2/simplelru"
)

// LoginLimits bound password guessing without letting a guesser lock the
// real person out. Three budgets, each checked before the password is:
//
//   - One client (an IP address; IPv6 per /64) on one username: the first
//     FreeFailures failures in a row cost nothing, then every further
//     attempt waits FirstDelay, doubling each time, up to MaxDelay. A
//     successful login clears the pair; its failures are forgotten
//     ForgetAfter after the last attempt.
//   - One client across all usernames: PerClient attempts per Window.
//   - One username across all clients: PerUsername attempts per Window.
//
// A client that logged in to a username successfully within KnownFor is
// exempt from the last two for that username, so that guessers spread over
// many addresses can slow down strangers but never the owner on an address
// they used before. Only the first budget — their own mistakes — applies to
// them.
//
// Hitting a budget is not a lock: it refuses attempts until the budget has
// room again, and Retry-After says when.
type LoginLimits struct {
	FreeFailures int
	FirstDelay   time.Duration
	MaxDelay     time.Duration
	ForgetAfter  time.Duration
	PerClient    int
	PerUsername  int
	Window       time.Duration
	KnownFor     time.Duration
}

// DefaultLoginLimits suit a small node. A person who mistypes a few times
// is never slowed down. A guesser at one address gets at most 17 tries at
// one account in the first hour (5, then waits of 1 s, 2 s, 4 s … up to
// 15 min) and 4 an hour after that; 30 an hour from one address whatever
// the usernames; and 100 an hour at one account from all the addresses
// that never logged in to it together (docs/operations.md).
func DefaultLoginLimits() LoginLimits {
	return LoginLimits{
		FreeFailures: 5,
		FirstDelay:   time.Second,
		MaxDelay:     15 * time.Minute,
		ForgetAfter:  24 * time.Hour,
		PerClient:    30,
		PerUsername:  100,
		Window:       time.Hour,
		KnownFor:     30 * 24 * time.Hour,
	}
}

// How many clients, usernames and pairs the limiter remembers: it lives in
// memory, so what a flood of made-up names or addresses can make it hold
// is bounded; the least recently used are forgotten first.
const (
	maxTracked = 10000
	maxKnown   = 1000
)

// LoginLimiter counts login attempts in memory (per process). It is owned
// by whoever serves the login form; there is no global limiter.
//
// It is our own code, not httprate's: httprate counts requests in fixed
// windows on the wall clock, with no way to clear a key after a successful
// login, to grow a delay, or to be tested on a test clock.
type LoginLimiter struct {
	limits LoginLimits
	now    func() time.Time

	mu      sync.Mutex
	pairs   *simplelru.LRU[string, *pairState] // username + client
	clients *simplelru.LRU[string, *window]
	users   *simplelru.LRU[string, *window]
	known   *simplelru.LRU[string, time.Time] // username + client → last successful login
}

// pairState is one client's record of attempts at one username.
type pairState struct {
	failures int       // attempts in a row that did not succeed
	next     time.Time // no attempt before this
	last     time.Time // the latest attempt
}

// window holds the times of the attempts in the last Window, oldest first
// (at most the budget's size).
type window struct{ times []time.Time }

func (w *window) prune(since time.Time) {
	i := 0
	for i < len(w.times) && !w.times[i].After(since) {
		i++
	}
	w.times = w.times[i:]
}

// NewLoginLimiter builds a limiter on the clock now (nil: time.Now); zero
// fields of l take the defaults.
func NewLoginLimiter(l LoginLimits, now func() time.Time) *LoginLimiter {
	d := DefaultLoginLimits()
	pick := func(v *int, def int) {
		if *v <= 0 {
			*v = def
		}
	}
	pickD := func(v *time.Duration, def time.Duration) {
		if *v <= 0 {
			*v = def
		}
	}
	pick(&l.FreeFailures, d.FreeFailures)
	pick(&l.PerClient, d.PerClient)
	pick(&l.PerUsername, d.PerUsername)
	pickD(&l.FirstDelay, d.FirstDelay)
	pickD(&l.MaxDelay, d.MaxDelay)
	pickD(&l.ForgetAfter, d.ForgetAfter)
	pickD(&l.Window, d.Window)
	pickD(&l.KnownFor, d.KnownFor)
	if now == nil {
		now = time.Now
	}
	return &LoginLimiter{
		limits: l, now: now,
		pairs:   mustLRU[*pairState](maxTracked),
		clients: mustLRU[*window](maxTracked),
		users:   mustLRU[*window](maxTracked),
		known:   mustLRU[time.Time](maxKnown),
	}
}

func mustLRU[V any](size int) *simplelru.LRU[string, V] {
	c, err := simplelru.NewLRU[string, V](size, nil)
	if err != nil {
		panic(err) // only for a size below 1
	}
	return c
}

// Allow decides whether the request's client may try username's password
// now. When it may, the attempt is counted at once, as if it failed (so
// that attempts racing each other cannot overshoot a budget); call
// Succeeded when the password was right. When it may not, it says how long
// to wait.
func (l *LoginLimiter) Allow(r *http.Request, username string) (bool, time.Duration) {
	user, client := userKey(username), ClientKey(r)
	pair := user + "\x00" + client
	now := l.now()

	l.mu.Lock()
	defer l.mu.Unlock()
	p, ok := l.pairs.Get(pair)
	if !ok || now.Sub(p.last) >= l.limits.ForgetAfter {
		p = &pairState{}
	}
	if now.Before(p.next) {
		return false, p.next.Sub(now)
	}
	known := false
	if t, ok := l.known.Get(pair); ok && now.Sub(t) < l.limits.KnownFor {
		known = true
	}
	var cw, uw *window
	if !known {
		since := now.Add(-l.limits.Window)
		cw = l.windowOf(l.clients, client, since)
		uw = l.windowOf(l.users, user, since)
		var wait time.Duration
		if len(cw.times) >= l.limits.PerClient {
			wait = cw.times[0].Add(l.limits.Window).Sub(now)
		}
		if len(uw.times) >= l.limits.PerUsername {
			wait = max(wait, uw.times[0].Add(l.limits.Window).Sub(now))
		}
		if wait > 0 {
			return false, wait
		}
		cw.times = append(cw.times, now)
		uw.times = append(uw.times, now)
	}
	p.failures++
	p.last = now
	if n := p.failures - l.limits.FreeFailures; n >= 0 {
		p.next = now.Add(backoff(l.limits.FirstDelay, l.limits.MaxDelay, n))
	}
	l.pairs.Add(pair, p)
	return true, 0
}

// Succeeded records that the attempt Allow let through had the right
// password: the client's failures on username are cleared, and for
// KnownFor it may log in to username even while others exhaust the
// per-client and per-username budgets. The per-client budget is not given
// back: an attacker who owns an account of their own could otherwise log
// in to it between guesses at another.
func (l *LoginLimiter) Succeeded(r *http.Request, username string) {
	pair := userKey(username) + "\x00" + ClientKey(r)
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.pairs.Remove(pair)
	l.known.Add(pair, now)
}

// windowOf is key's window with the attempts before since dropped.
func (l *LoginLimiter) windowOf(c *simplelru.LRU[string, *window], key string, since time.Time) *window {
	w, ok := c.Get(key)
	if !ok {
		w = &window{}
		c.Add(key, w)
	}
	w.prune(since)
	return w
}

// backoff is first·2ⁿ, at most limit.
func backoff(first, limit time.Duration, n int) time.Duration {
	d := first
	for range n {
		if d >= limit/2 {
			return limit
		}
		d *= 2
	}
	return min(d, limit)
}

// userKey is the budget key of a username: case does not make another
// account, and a very long name is not a new key either.
func userKey(username string) string {
	u := strings.ToLower(strings.TrimSpace(username))
	if len(u) > 64 {
		u = u[:64]
	}
	return u
}

// ClientKey is the request's client address as a budget key: the address
// the router's client-IP middleware resolved (web/clientip.go), else
// r.RemoteAddr without the port; IPv6 addresses count per /64, since one
// client usually holds a whole /64.
func ClientKey(r *http.Request) string {
	if ip := middleware.GetClientIP(r.Context()); ip != "" {
		return httprate.CanonicalizeIP(ip)
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return httprate.CanonicalizeIP(host)
}

package auth

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5/middleware"
	"github.com/go-chi/httprate"
	"github.com/uptrace/bun"

	"github.com/kith-social/kith/storage"
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

// LoginLimiter counts login attempts in the database (storage.
// UpdateLoginLimits), so that its bounds hold across every process that
// shares one PostgreSQL database and survive a restart. It is owned by
// whoever serves the login form; there is no global limiter.
//
// It is our own code, not httprate's: httprate counts requests in fixed
// windows, with no way to clear a key after a successful login, to grow a
// delay, or to be tested on a test clock.
type LoginLimiter struct {
	db     *bun.DB
	limits LoginLimits
	now    func() time.Time
}

// pairState is one client's record of attempts at one username.
type pairState struct {
	Failures int       `json:"failures"` // attempts in a row that did not succeed
	Next     time.Time `json:"next"`     // no attempt before this
	Last     time.Time `json:"last"`     // the latest attempt
}

// window holds the times of the attempts in the last Window, oldest first
// (at most the budget's size).
type window struct {
	Times []time.Time `json:"times"`
}

func (w *window) prune(since time.Time) {
	i := 0
	for i < len(w.Times) && !w.Times[i].After(since) {
		i++
	}
	w.Times = w.Times[i:]
}

// NewLoginLimiter builds a limiter keeping its records in db, on the clock
// now (nil: time.Now); zero fields of l take the defaults.
func NewLoginLimiter(db *bun.DB, l LoginLimits, now func() time.Time) *LoginLimiter {
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
	return &LoginLimiter{db: db, limits: l, now: now}
}

// The records of one attempt: the pair's failures, the client's and the
// username's windows, and when the client last logged in to the username.
func limitKeys(user, client string) (pair, clientW, userW, known string) {
	p := client + " " + user // a client key has no space: the pair is unambiguous
	return "pair:" + p, "client:" + client, "user:" + user, "known:" + p
}

// Allow decides whether the request's client may try username's password
// now. When it may, the attempt is counted at once, as if it failed (so
// that attempts racing each other, in this process or another, cannot
// overshoot a budget); call Succeeded when the password was right. When it
// may not, it says how long to wait.
func (l *LoginLimiter) Allow(ctx context.Context, r *http.Request, username string) (bool, time.Duration, error) {
	user, client := userKey(username), ClientKey(r)
	kPair, kClient, kUser, kKnown := limitKeys(user, client)
	now := l.now()
	allowed, wait := false, time.Duration(0)
	err := storage.UpdateLoginLimits(ctx, l.db, []string{kPair, kClient, kUser, kKnown}, now, func(st map[string]string) (map[string]storage.LoginLimit, error) {
		var p pairState
		if err := decodeState(st, kPair, &p); err != nil {
			return nil, err
		}
		if now.Sub(p.Last) >= l.limits.ForgetAfter {
			p = pairState{}
		}
		if now.Before(p.Next) {
			wait = p.Next.Sub(now)
			return nil, nil
		}
		var known time.Time
		if err := decodeState(st, kKnown, &known); err != nil {
			return nil, err
		}
		out := map[string]storage.LoginLimit{}
		if known.IsZero() || now.Sub(known) >= l.limits.KnownFor {
			since := now.Add(-l.limits.Window)
			var cw, uw window
			if err := decodeState(st, kClient, &cw); err != nil {
				return nil, err
			}
			if err := decodeState(st, kUser, &uw); err != nil {
				return nil, err
			}
			cw.prune(since)
			uw.prune(since)
			if len(cw.Times) >= l.limits.PerClient {
				wait = cw.Times[0].Add(l.limits.Window).Sub(now)
			}
			if len(uw.Times) >= l.limits.PerUsername {
				wait = max(wait, uw.Times[0].Add(l.limits.Window).Sub(now))
			}
			if wait > 0 {
				return nil, nil
			}
			cw.Times = append(cw.Times, now)
			uw.Times = append(uw.Times, now)
			out[kClient] = record(cw, now.Add(l.limits.Window))
			out[kUser] = record(uw, now.Add(l.limits.Window))
		}
		p.Failures++
		p.Last = now
		if n := p.Failures - l.limits.FreeFailures; n >= 0 {
			p.Next = now.Add(backoff(l.limits.FirstDelay, l.limits.MaxDelay, n))
		}
		out[kPair] = record(p, now.Add(l.limits.ForgetAfter))
		allowed = true
		return out, nil
	})
	if err != nil {
		return false, 0, fmt.Errorf("login limits: %w", err)
	}
	return allowed, wait, nil
}

// Succeeded records that the attempt Allow let through had the right
// password: the client's failures on username are cleared, and for
// KnownFor it may log in to username even while others exhaust the
// per-client and per-username budgets. The per-client budget is not given
// back: an attacker who owns an account of their own could otherwise log
// in to it between guesses at another.
func (l *LoginLimiter) Succeeded(ctx context.Context, r *http.Request, username string) error {
	kPair, _, _, kKnown := limitKeys(userKey(username), ClientKey(r))
	now := l.now()
	err := storage.UpdateLoginLimits(ctx, l.db, []string{kPair, kKnown}, now, func(map[string]string) (map[string]storage.LoginLimit, error) {
		return map[string]storage.LoginLimit{
			kPair:  {}, // deleted
			kKnown: record(now, now.Add(l.limits.KnownFor)),
		}, nil
	})
	if err != nil {
		return fmt.Errorf("login limits: %w", err)
	}
	return nil
}

// decodeState reads key's stored state into v; an absent key leaves v as
// it is.
func decodeState(states map[string]string, key string, v any) error {
	s, ok := states[key]
	if !ok {
		return nil
	}
	if err := json.Unmarshal([]byte(s), v); err != nil {
		return fmt.Errorf("login record %q: %w", key, err)
	}
	return nil
}

// record is v stored until expires.
func record(v any, expires time.Time) storage.LoginLimit {
	b, _ := json.Marshal(v) // plain structs and times: cannot fail
	return storage.LoginLimit{State: string(b), ExpiresAt: expires.Unix() + 1}
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

package auth

import (
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5/middleware"
	"github.com/go-chi/httprate"
)

// LoginLimits bounds password guessing: attempts per client IP and per
// username in a sliding window. Both count every attempt, successful or
// not: a limit on failures only would let a guesser reset it by logging in
// to an account of their own.
type LoginLimits struct {
	PerIP       int
	PerUsername int
	Window      time.Duration
}

// DefaultLoginLimits suit a small node: a person who mistypes a few times
// is never stopped; a guesser gets 20 tries per 15 minutes from one address
// and 10 per 15 minutes on one account from anywhere.
func DefaultLoginLimits() LoginLimits {
	return LoginLimits{PerIP: 20, PerUsername: 10, Window: 15 * time.Minute}
}

// LoginLimiter counts login attempts in memory (per process). It is owned
// by whoever serves the login form; there is no global limiter.
type LoginLimiter struct {
	ip, user *httprate.RateLimiter
}

// NewLoginLimiter builds a limiter; zero fields of l take the defaults.
func NewLoginLimiter(l LoginLimits) *LoginLimiter {
	d := DefaultLoginLimits()
	if l.PerIP <= 0 {
		l.PerIP = d.PerIP
	}
	if l.PerUsername <= 0 {
		l.PerUsername = d.PerUsername
	}
	if l.Window <= 0 {
		l.Window = d.Window
	}
	return &LoginLimiter{
		ip:   httprate.NewRateLimiter(l.PerIP, l.Window),
		user: httprate.NewRateLimiter(l.PerUsername, l.Window),
	}
}

// Allow counts one attempt from the request's client for username and
// tells whether it may go ahead. When it may not, Retry-After is set on w.
// The client address is the one chi's ClientIPFrom* middleware resolved, if
// the router runs one, else r.RemoteAddr.
func (l *LoginLimiter) Allow(w http.ResponseWriter, r *http.Request, username string) bool {
	if l.ip.OnLimit(w, r, "ip:"+clientIP(r)) {
		return false
	}
	return !l.user.OnLimit(w, r, "user:"+strings.ToLower(username))
}

// clientIP is the request's remote address without the port; IPv6
// addresses count per /64, since one client usually holds a whole /64.
func clientIP(r *http.Request) string {
	if ip := middleware.GetClientIP(r.Context()); ip != "" {
		return httprate.CanonicalizeIP(ip)
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return httprate.CanonicalizeIP(host)
}

package web

import (
	"log/slog"
	"net"
	"net/http"
	"net/netip"

	"github.com/go-chi/chi/v5/middleware"
)

// DefaultTrustedProxies are the reverse proxies whose client-address
// headers are honoured when Deps names none: a proxy on this machine.
func DefaultTrustedProxies() []netip.Prefix {
	return []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
}

// clientIP resolves the address of the client behind the request, for the
// per-client rate limits (inbox, login) and the logs. Headers are honoured
// only when the TCP peer is one of the trusted proxies; anyone else could
// write them to pose as another client. From a trusted peer:
//
//   - X-Forwarded-For wins: its entries are read right to left, skipping
//     trusted proxies, and the first other address is the client (chi's
//     middleware.ClientIPFromXFF, the standard safe walk: every entry to
//     the right of it was appended by a proxy we trust). An entry that is
//     not an address ends the walk and the peer's address stays the
//     client's: nothing left of junk can be trusted. A chain of trusted
//     addresses only (a request from the proxy's own machine) leaves the
//     peer.
//   - X-Real-IP counts only when X-Forwarded-For is absent: Caddy passes a
//     client's own X-Real-IP through unchanged but always appends to
//     X-Forwarded-For, so preferring X-Real-IP would let clients of a
//     default Caddy choose their address.
//   - Neither header: every client behind that proxy looks like the proxy,
//     so one of them could exhaust everyone's limits. That is logged once
//     per process, as a warning naming the fix.
//
// The result replaces r.RemoteAddr (as "ip:0", unless it is the peer
// itself) and is stored for middleware.GetClientIP, so every reader of
// either sees the client.
func (s *Server) clientIP(next http.Handler) http.Handler {
	use := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ip := middleware.GetClientIPAddr(r.Context()); ip.IsValid() {
			if host, _, err := net.SplitHostPort(r.RemoteAddr); err != nil || host != ip.String() {
				r.RemoteAddr = net.JoinHostPort(ip.String(), "0")
			}
		}
		next.ServeHTTP(w, r)
	})
	fromPeer := middleware.ClientIPFromRemoteAddr(use)
	if len(s.trustedProxies) == 0 {
		return fromPeer
	}
	cidrs := make([]string, len(s.trustedProxies))
	for i, p := range s.trustedProxies {
		cidrs[i] = p.String()
	}
	// After a header walk that found nothing usable, the peer it is.
	orPeer := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if middleware.GetClientIPAddr(r.Context()).IsValid() {
			use.ServeHTTP(w, r)
			return
		}
		fromPeer.ServeHTTP(w, r)
	})
	fromXFF := middleware.ClientIPFromXFF(cidrs...)(orPeer)
	fromXRealIP := middleware.ClientIPFromHeader("X-Real-IP", cidrs...)(orPeer)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		peer, ok := s.trustedPeer(r.RemoteAddr)
		switch {
		case !ok:
			fromPeer.ServeHTTP(w, r)
		case len(r.Header.Values("X-Forwarded-For")) > 0:
			fromXFF.ServeHTTP(w, r)
		case len(r.Header.Values("X-Real-IP")) > 0:
			fromXRealIP.ServeHTTP(w, r)
		default:
			if r.URL.Path != "/healthz" && !s.localTrial { // health checks and a local trial's browser come from the machine itself
				s.noClientIPWarning.Do(func() {
					s.log.WarnContext(r.Context(), "a request from a trusted proxy carries no X-Forwarded-For or X-Real-IP header, "+
						"so every client behind that proxy counts as one address: one of them could use up the login and inbox "+
						"rate limits for all. Make the proxy set X-Forwarded-For (README, Deployment), or, if no proxy is in front "+
						"of this node, run it with --trusted-proxies=none. Logged once per process.",
						slog.String("proxy", peer.String()), slog.String("path", r.URL.Path))
				})
			}
			fromPeer.ServeHTTP(w, r)
		}
	})
}

// trustedPeer is the request's TCP peer and whether it is a trusted proxy.
func (s *Server) trustedPeer(remoteAddr string) (netip.Addr, bool) {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}, false
	}
	ip = ip.Unmap().WithZone("")
	for _, p := range s.trustedProxies {
		if p.Contains(ip) {
			return ip, true
		}
	}
	return ip, false
}

// nosniff tells browsers to use the Content-Type the node sends, never one
// guessed from the bytes: an uploaded image, a JSON document or an error
// message cannot turn into a script or a page. It sits at the top of the
// route table, so every response carries it — pages, ActivityPub JSON,
// static files, media, errors and the router's own 404 and 405.
func nosniff(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		next.ServeHTTP(w, r)
	})
}

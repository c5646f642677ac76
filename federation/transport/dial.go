package transport

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"
)

func newHTTPClient(cfg Config) *http.Client {
	dial := cfg.DialContext
	if dial == nil {
		d := &net.Dialer{Timeout: cfg.Timeout, KeepAlive: 30 * time.Second}
		if !cfg.AllowPrivateNetworks {
			// Control sees the resolved address about to be connected, so a
			// host name that resolves (or re-resolves) to a private address
			// is refused before any byte is sent.
			d.Control = guardControl
		}
		dial = d.DialContext
	} else if !cfg.AllowPrivateNetworks {
		dial = guardConn(dial)
	}
	tr := &http.Transport{
		// No proxy from the environment: a proxy would dial on our behalf
		// and bypass the address guard.
		Proxy:             nil,
		DialContext:       dial,
		TLSClientConfig:   &tls.Config{RootCAs: cfg.RootCAs, MinVersion: tls.VersionTLS12},
		ForceAttemptHTTP2: true,
		// A fan-out reaches every member server, and the next one (or the
		// second Announce of the same post) reaches them again: with Go's
		// default of 100 idle connections in all, nine servers in ten were
		// dialled (and, over TLS, handshaken) anew each time. An idle
		// connection costs some 25 KB (buffers and two goroutines), so
		// 1,000 servers cost 25 MB until IdleConnTimeout; maxIdleConns
		// bounds them at about 50 MB.
		MaxIdleConns:          maxIdleConns,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   cfg.Timeout,
		ResponseHeaderTimeout: cfg.Timeout,
		ExpectContinueTimeout: time.Second,
	}
	return &http.Client{
		Transport: tr,
		// Redirects are followed by hand so that each hop is re-validated
		// and re-signed.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// maxIdleConns bounds the idle connections kept to other servers, all
// together.
const maxIdleConns = 2048

func guardControl(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: unparseable address %q", ErrForbiddenAddress, address)
	}
	if forbidden(ap.Addr()) {
		return fmt.Errorf("%w: %s", ErrForbiddenAddress, ap.Addr())
	}
	return nil
}

// guardConn checks the remote address of connections made by a custom
// dialer, which cannot be given a Control hook. The connection is closed
// before anything is written to it.
func guardConn(dial func(ctx context.Context, network, addr string) (net.Conn, error)) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		ap, err := netip.ParseAddrPort(conn.RemoteAddr().String())
		if err != nil || forbidden(ap.Addr()) {
			conn.Close()
			return nil, fmt.Errorf("%w: %s resolved to %s", ErrForbiddenAddress, addr, conn.RemoteAddr())
		}
		return conn, nil
	}
}

// forbidden reports whether a is anything but a global unicast address.
func forbidden(a netip.Addr) bool {
	a = a.Unmap()
	if !a.IsValid() || a.IsLoopback() || a.IsPrivate() || a.IsUnspecified() ||
		a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() || a.IsInterfaceLocalMulticast() || a.IsMulticast() {
		return true
	}
	if a.Is6() && !netip.MustParsePrefix("2000::/3").Contains(a) {
		// Outside global unicast: ULA and link-local are caught above;
		// this also refuses NAT64 (64:ff9b::/96) and the discard prefix.
		return true
	}
	for _, p := range specialPrefixes() {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// specialPrefixes are non-global ranges that netip's predicates miss
// (RFC 6890 and friends).
func specialPrefixes() []netip.Prefix {
	return []netip.Prefix{
		netip.MustParsePrefix("0.0.0.0/8"),       // "this network"
		netip.MustParsePrefix("100.64.0.0/10"),   // CGNAT
		netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments
		netip.MustParsePrefix("192.0.2.0/24"),    // TEST-NET-1
		netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking
		netip.MustParsePrefix("198.51.100.0/24"), // TEST-NET-2
		netip.MustParsePrefix("203.0.113.0/24"),  // TEST-NET-3
		netip.MustParsePrefix("240.0.0.0/4"),     // reserved, broadcast
		netip.MustParsePrefix("2001::/32"),       // Teredo: tunnels to arbitrary IPv4
		netip.MustParsePrefix("2001:db8::/32"),   // documentation
		netip.MustParsePrefix("2002::/16"),       // 6to4: tunnels to arbitrary IPv4
	}
}

package main

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// errNotLoopback is returned for any address outside 127.0.0.0/8: the load
// tool only ever talks to itself and to a node on this machine.
var errNotLoopback = errors.New("address outside 127.0.0.0/8")

// loopback is 127.0.0.0/8, the only network the tool may reach.
func loopback() netip.Prefix { return netip.MustParsePrefix("127.0.0.0/8") }

// isLoopback4 tells whether a is in 127.0.0.0/8 (IPv6 ::1 is refused too:
// the brief is 127/8 only).
func isLoopback4(a netip.Addr) bool { return loopback().Contains(a.Unmap()) }

// loopbackControl is a net.Dialer Control hook: it sees the address about
// to be connected and refuses everything outside 127.0.0.0/8.
func loopbackControl(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: unparseable %q", errNotLoopback, address)
	}
	if !isLoopback4(ap.Addr()) {
		return fmt.Errorf("%w: %s", errNotLoopback, ap.Addr())
	}
	return nil
}

// checkURL accepts only http(s) URLs whose host is an IPv4 literal in
// 127.0.0.0/8 (or "localhost", taken as 127.0.0.1), so no name is ever
// looked up in DNS and nothing outside the machine is contacted.
func checkURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("parse URL %q: %w", raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("URL %q: scheme must be http or https", raw)
	}
	h := u.Hostname()
	if strings.EqualFold(h, "localhost") {
		h = "127.0.0.1"
		if p := u.Port(); p != "" {
			u.Host = net.JoinHostPort(h, p)
		} else {
			u.Host = h
		}
	}
	a, err := netip.ParseAddr(h)
	if err != nil || !isLoopback4(a) {
		return nil, fmt.Errorf("URL %q: %w (the host must be a 127.x.y.z literal)", raw, errNotLoopback)
	}
	return u, nil
}

// newClient returns an HTTP client that dials only 127.0.0.0/8, from the
// source address local when it is valid (so each fake server sends from
// its own IP, as distinct real servers would), keeping up to conns idle
// connections per destination. Redirects are not followed.
func newClient(local netip.Addr, timeout time.Duration, conns int) *http.Client {
	d := &net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second, Control: loopbackControl}
	if local.IsValid() {
		d.LocalAddr = &net.TCPAddr{IP: local.AsSlice()}
	}
	return &http.Client{
		Timeout: timeout,
		Transport: &http.Transport{
			Proxy:                 nil, // a proxy would dial for us, past the guard
			DialContext:           d.DialContext,
			MaxIdleConns:          conns * 4,
			MaxIdleConnsPerHost:   conns,
			IdleConnTimeout:       30 * time.Second,
			ResponseHeaderTimeout: timeout,
			DisableCompression:    true,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// canBind tells whether a listener can be bound on ip (Linux routes all of
// 127/8 to lo; other systems often only 127.0.0.1).
func canBind(ip netip.Addr) bool {
	ln, err := net.Listen("tcp", netip.AddrPortFrom(ip, 0).String())
	if err != nil {
		return false
	}
	ln.Close()
	return true
}

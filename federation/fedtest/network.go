// Package fedtest is a fake fediverse for end-to-end tests: in-process
// remote instances (Mastodon-, Lemmy-, GoToSocial- and Misskey-like) with
// their own actors, RSA keys and inboxes, reached by host name over real
// loopback HTTP.
//
// A Network owns two loopback listeners (plain HTTP, and TLS with
// certificates minted for any registered name by a per-Network CA) and a
// DialContext that routes registered host names to them: port 443 goes to
// the TLS listener, every other port to the plain one. The node under test
// is registered with AddHost and configured with DialContext (and RootCAs
// for https), so it and the fake instances reach each other by name.
//
// Inboxes verify HTTP signatures for real (fetching keys over the Network)
// and record every delivery; WaitFor blocks until a delivery matches.
//
// Typical wiring of the node under test:
//
//	net := fedtest.NewNetwork(t)
//	masto := net.NewInstance("mastodon.test", fedtest.Mastodon)
//	alice := masto.NewActor("alice")
//	client := transport.New(transport.Config{
//		DialContext: net.DialContext, RootCAs: net.RootCAs(),
//		InsecureHTTP: true, AllowPrivateNetworks: true,
//	})
//	net.AddHost("kith.test", kithHandler) // built with client
//	alice.Send(ctx, "http://kith.test/groups/demo", alice.Follow("http://kith.test/groups/demo"))
//	masto.WaitFor(t, func(d fedtest.Delivery) bool { return d.Type() == "Accept" }, 5*time.Second)
//
// Instances sign their key fetches with an instance actor at /actor, which
// (like keys) is served without authorization; the node's own instance
// actor and key documents must likewise answer unsigned GETs.
package fedtest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// keyPoolSize bounds RSA key generation (~100 ms per 2048-bit key): actors
// beyond it share keys, which is harmless because keys are always looked up
// by keyId. RotateKey always generates a fresh one.
const keyPoolSize = 4

// Network routes host names to in-process servers.
type Network struct {
	t      testing.TB
	plain  *httptest.Server
	tls    *httptest.Server
	roots  *x509.CertPool
	client *http.Client
	ca     *x509.Certificate
	caKey  *ecdsa.PrivateKey

	mu    sync.Mutex
	hosts map[string]http.Handler // normalised host → handler
	certs map[string]*tls.Certificate

	keyMu  sync.Mutex // separate: key generation is slow
	keys   []*rsa.PrivateKey
	keyIdx int
}

// NewNetwork starts the listeners; they are closed when the test ends.
func NewNetwork(t testing.TB) *Network {
	t.Helper()
	n := &Network{t: t, hosts: make(map[string]http.Handler), certs: make(map[string]*tls.Certificate)}
	if err := n.newCA(); err != nil {
		t.Fatalf("fedtest: %v", err)
	}
	h := http.HandlerFunc(n.serveHTTP)
	n.plain = httptest.NewServer(h)
	n.tls = httptest.NewUnstartedServer(h)
	n.tls.TLS = &tls.Config{GetCertificate: n.certificate}
	n.tls.StartTLS()
	n.client = &http.Client{
		// An outer limit for a hung node, not a budget: on a loaded
		// machine an inbox that fetches the sender's key answers late
		// (the node's own fetches wait up to a minute in webtest).
		Timeout: 2 * time.Minute,
		Transport: &http.Transport{
			DialContext:     n.DialContext,
			TLSClientConfig: &tls.Config{RootCAs: n.roots},
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	t.Cleanup(func() {
		n.client.CloseIdleConnections()
		n.plain.Close()
		n.tls.Close()
	})
	return n
}

// AddHost routes host (a name, optionally with a port, e.g. "kith.test" or
// "gts.test:8080") to h.
func (n *Network) AddHost(host string, h http.Handler) {
	n.t.Helper()
	key := normaliseHost(host)
	n.mu.Lock()
	defer n.mu.Unlock()
	if _, dup := n.hosts[key]; dup {
		n.t.Fatalf("fedtest: host %q registered twice", host)
	}
	n.hosts[key] = h
}

// DialContext connects to the in-process server for a registered host;
// unknown hosts fail, so tests never touch the real network.
func (n *Network) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("fedtest: dial %q: %w", addr, err)
	}
	if _, ok := n.handler(net.JoinHostPort(host, port)); !ok {
		return nil, fmt.Errorf("fedtest: dial %q: unknown host", addr)
	}
	target := n.plain.Listener.Addr().String()
	if port == "443" {
		target = n.tls.Listener.Addr().String()
	}
	var d net.Dialer
	return d.DialContext(ctx, network, target)
}

// RootCAs holds the CA that signs the TLS listener's certificates.
func (n *Network) RootCAs() *x509.CertPool { return n.roots }

// HTTPClient returns a client that reaches every registered host. It does
// not follow redirects, so tests see them.
func (n *Network) HTTPClient() *http.Client { return n.client }

func (n *Network) serveHTTP(w http.ResponseWriter, r *http.Request) {
	h, ok := n.handler(r.Host)
	if !ok {
		http.Error(w, "fedtest: no such host "+r.Host, http.StatusMisdirectedRequest)
		return
	}
	h.ServeHTTP(w, r)
}

// handler finds the handler for a Host header or dial address.
func (n *Network) handler(hostport string) (http.Handler, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	h, ok := n.hosts[normaliseHost(hostport)]
	return h, ok
}

// normaliseHost lower-cases and drops default ports, so "a.test:80",
// "a.test:443" and "a.test" are one host.
func normaliseHost(h string) string {
	h = strings.ToLower(h)
	if host, port, err := net.SplitHostPort(h); err == nil && (port == "80" || port == "443") {
		return host
	}
	return h
}

// rsaKey hands out keys from the per-Network pool.
func (n *Network) rsaKey() *rsa.PrivateKey {
	n.keyMu.Lock()
	defer n.keyMu.Unlock()
	if len(n.keys) < keyPoolSize {
		k := mustKey(n.t)
		n.keys = append(n.keys, k)
		return k
	}
	n.keyIdx++
	return n.keys[n.keyIdx%len(n.keys)]
}

func mustKey(t testing.TB) *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatalf("fedtest: generate key: %v", err)
	}
	return k
}

func (n *Network) newCA() error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return fmt.Errorf("generate CA key: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "fedtest CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IsCA:                  true,
		KeyUsage:              x509.KeyUsageCertSign,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return fmt.Errorf("create CA: %w", err)
	}
	n.ca, err = x509.ParseCertificate(der)
	if err != nil {
		return fmt.Errorf("parse CA: %w", err)
	}
	n.caKey = key
	n.roots = x509.NewCertPool()
	n.roots.AddCert(n.ca)
	return nil
}

// certificate mints (once) a certificate for the SNI name.
func (n *Network) certificate(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
	name := strings.ToLower(hello.ServerName)
	if name == "" {
		return nil, fmt.Errorf("fedtest: TLS without SNI")
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if c, ok := n.certs[name]; ok {
		return c, nil
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(int64(len(n.certs) + 2)),
		Subject:      pkix.Name{CommonName: name},
		DNSNames:     []string{name},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, n.ca, &key.PublicKey, n.caKey)
	if err != nil {
		return nil, err
	}
	c := &tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
	n.certs[name] = c
	return c, nil
}

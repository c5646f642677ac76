package transport

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kith-social/kith/federation/httpsig"
)

const keyID = "https://kith.test/actor#main-key"

func loadKey(t testing.TB) httpsig.Key {
	t.Helper()
	b, err := os.ReadFile("testdata/rsa1.pem")
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(b)
	k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return httpsig.Key{ID: keyID, Private: k}
}

func resolver(pub *rsa.PublicKey) httpsig.KeyResolver {
	return httpsig.KeyResolverFunc(func(_ context.Context, id string, _ bool) (httpsig.PublicKey, error) {
		return httpsig.PublicKey{ID: id, Owner: "https://kith.test/actor", Key: pub}, nil
	})
}

// testClient trusts loopback servers.
func testClient(cfg Config) *Client {
	cfg.InsecureHTTP = true
	cfg.AllowPrivateNetworks = true
	return New(cfg)
}

// record is what a test server saw.
type record struct {
	path   string
	header http.Header
	body   []byte
	sigErr error
}

// recorder is a handler that verifies signatures and records requests.
type recorder struct {
	keys httpsig.KeyResolver
	next http.Handler
	mu   sync.Mutex
	got  []record
}

func (rc *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var sigErr error
	if rc.keys != nil {
		_, sigErr = httpsig.Verify(r.Context(), r, body, rc.keys, time.Now())
	}
	rc.mu.Lock()
	rc.got = append(rc.got, record{path: r.URL.RequestURI(), header: r.Header.Clone(), body: body, sigErr: sigErr})
	rc.mu.Unlock()
	rc.next.ServeHTTP(w, r)
}

func (rc *recorder) records() []record {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]record(nil), rc.got...)
}

func TestGetSigned(t *testing.T) {
	key := loadKey(t)
	mux := http.NewServeMux()
	mux.HandleFunc("/users/alice", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/activity+json")
		fmt.Fprint(w, `{"id":"alice"}`)
	})
	mux.HandleFunc("/old", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/users/alice", http.StatusMovedPermanently)
	})
	rc := &recorder{keys: resolver(&key.Private.PublicKey), next: mux}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	c := testClient(Config{})

	tests := []struct {
		name      string
		path      string
		key       *httpsig.Key
		wantHops  int
		wantSiged bool
	}{
		{"signed", "/users/alice", &key, 1, true},
		{"unsigned", "/users/alice", nil, 1, false},
		{"signed through redirect", "/old", &key, 2, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(rc.records())
			var doc struct{ ID string }
			if err := c.GetJSON(context.Background(), srv.URL+tt.path+"#frag", tt.key, &doc); err != nil {
				t.Fatal(err)
			}
			if doc.ID != "alice" {
				t.Fatalf("doc %+v", doc)
			}
			recs := rc.records()[before:]
			if len(recs) != tt.wantHops {
				t.Fatalf("%d requests, want %d", len(recs), tt.wantHops)
			}
			for _, r := range recs {
				if got := r.header.Get("Accept"); got != AcceptActivity {
					t.Errorf("Accept = %q", got)
				}
				if r.header.Get("User-Agent") != DefaultUserAgent {
					t.Errorf("User-Agent = %q", r.header.Get("User-Agent"))
				}
				if tt.wantSiged && r.sigErr != nil {
					t.Errorf("%s: signature: %v", r.path, r.sigErr)
				}
				if !tt.wantSiged && !errors.Is(r.sigErr, httpsig.ErrMissingSignature) {
					t.Errorf("%s: want unsigned, got %v", r.path, r.sigErr)
				}
			}
		})
	}
}

func TestPost(t *testing.T) {
	key := loadKey(t)
	mux := http.NewServeMux()
	mux.HandleFunc("/inbox", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusAccepted) })
	mux.HandleFunc("/bad", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "no", http.StatusBadRequest) })
	mux.HandleFunc("/busy", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "30")
		w.WriteHeader(http.StatusTooManyRequests)
	})
	mux.HandleFunc("/moved", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/inbox", http.StatusPermanentRedirect)
	})
	rc := &recorder{keys: resolver(&key.Private.PublicKey), next: mux}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	c := testClient(Config{})
	body := []byte(`{"type":"Accept"}`)

	tests := []struct {
		path          string
		wantCode      int // 0: success
		wantPermanent bool
		wantRetry     time.Duration
	}{
		{path: "/inbox"},
		{path: "/bad", wantCode: 400, wantPermanent: true},
		{path: "/busy", wantCode: 429, wantRetry: 30 * time.Second},
		{path: "/moved", wantCode: 308, wantPermanent: false},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			before := len(rc.records())
			err := c.Post(context.Background(), srv.URL+tt.path, body, key)
			if tt.wantCode == 0 {
				if err != nil {
					t.Fatal(err)
				}
			} else {
				var se *StatusError
				if !errors.As(err, &se) || se.Code != tt.wantCode || se.Permanent() != tt.wantPermanent || se.RetryAfter != tt.wantRetry {
					t.Fatalf("got %v (%+v)", err, se)
				}
			}
			recs := rc.records()[before:]
			if len(recs) != 1 {
				t.Fatalf("%d requests", len(recs))
			}
			r := recs[0]
			if r.sigErr != nil {
				t.Errorf("signature: %v", r.sigErr)
			}
			if r.header.Get("Content-Type") != ContentActivity || string(r.body) != string(body) {
				t.Errorf("Content-Type %q body %q", r.header.Get("Content-Type"), r.body)
			}
		})
	}
}

func TestStatusMapping(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/404":
			http.NotFound(w, r)
		case "/410":
			w.WriteHeader(http.StatusGone)
		case "/500":
			w.Header().Set("Retry-After", "120")
			w.WriteHeader(http.StatusInternalServerError)
		case "/401":
			w.WriteHeader(http.StatusUnauthorized)
		}
	}))
	defer srv.Close()
	c := testClient(Config{})
	tests := []struct {
		path      string
		wantIs    error
		wantCode  int
		wantRetry time.Duration
	}{
		{"/404", ErrNotFound, 404, 0},
		{"/410", ErrGone, 410, 0},
		{"/500", nil, 500, 2 * time.Minute},
		{"/401", nil, 401, 0},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			_, err := c.Get(context.Background(), srv.URL+tt.path, nil)
			var se *StatusError
			if !errors.As(err, &se) || se.Code != tt.wantCode || se.RetryAfter != tt.wantRetry {
				t.Fatalf("got %v", err)
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Fatalf("%v is not %v", err, tt.wantIs)
			}
			if tt.wantIs == nil && (errors.Is(err, ErrNotFound) || errors.Is(err, ErrGone)) {
				t.Fatalf("%v should not match ErrNotFound/ErrGone", err)
			}
		})
	}
}

func TestSizeLimit(t *testing.T) {
	const max = 1000
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := max
		if r.URL.Path != "/exact" {
			n = max + 1
		}
		if r.URL.Path == "/chunked" {
			// Flushing before writing forces chunked encoding: no Content-Length.
			w.(http.Flusher).Flush()
		}
		io.WriteString(w, strings.Repeat("x", n))
	}))
	defer srv.Close()
	c := testClient(Config{MaxBodyBytes: max})
	tests := []struct {
		path string
		want error
	}{
		{"/exact", nil},
		{"/over", ErrTooLarge},
		{"/chunked", ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			b, err := c.Get(context.Background(), srv.URL+tt.path, nil)
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			if err == nil && len(b) != max {
				t.Fatalf("got %d bytes", len(b))
			}
		})
	}
}

func TestRedirects(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/loop-a":
			http.Redirect(w, r, "/loop-b", http.StatusFound)
		case "/loop-b":
			http.Redirect(w, r, "/loop-a", http.StatusFound)
		case "/ftp":
			http.Redirect(w, r, "ftp://example.com/x", http.StatusFound)
		case "/userinfo":
			http.Redirect(w, r, "http://user:pw@"+r.Host+"/ok", http.StatusFound)
		case "/hop3":
			http.Redirect(w, r, "/hop2", http.StatusFound)
		case "/hop2":
			http.Redirect(w, r, "/hop1", http.StatusFound)
		case "/hop1":
			http.Redirect(w, r, "/ok", http.StatusFound)
		case "/ok":
			io.WriteString(w, "{}")
		}
	}))
	defer srv.Close()
	tests := []struct {
		path         string
		maxRedirects int
		want         error
	}{
		{"/loop-a", 0, ErrTooManyRedirects},
		{"/hop3", 0, nil},
		{"/hop3", 2, ErrTooManyRedirects},
		{"/hop1", -1, ErrTooManyRedirects},
		{"/ftp", 0, ErrInvalidURL},
		{"/userinfo", 0, ErrInvalidURL},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s max %d", tt.path, tt.maxRedirects), func(t *testing.T) {
			c := testClient(Config{MaxRedirects: tt.maxRedirects})
			_, err := c.Get(context.Background(), srv.URL+tt.path, nil)
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
		})
	}
}

func TestTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) }) // runs before srv.Close
	const timeout = 100 * time.Millisecond
	c := testClient(Config{Timeout: timeout})
	// The server answers only when the test ends: the timeout alone can
	// end these requests, however slowly the machine runs.
	_, err := c.Get(context.Background(), srv.URL+"/slow", nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want deadline exceeded", err)
	}
	err = c.Post(context.Background(), srv.URL+"/slow", []byte("{}"), loadKey(t))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("POST: got %v, want deadline exceeded", err)
	}
}

func TestSSRFGuard(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		io.WriteString(w, "{}")
	}))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	// Routes every host name to the loopback server, as DNS rebinding would.
	var d net.Dialer
	rebind := func(ctx context.Context, network, _ string) (net.Conn, error) {
		return d.DialContext(ctx, network, srv.Listener.Addr().String())
	}
	tests := []struct {
		name string
		cfg  Config
		url  string
		want error
	}{
		{"loopback IP", Config{InsecureHTTP: true}, srv.URL, ErrForbiddenAddress},
		{"localhost", Config{InsecureHTTP: true}, "http://localhost:" + port + "/", ErrForbiddenAddress},
		{"custom dialer resolving to loopback", Config{InsecureHTTP: true, DialContext: rebind}, "http://evil.test/", ErrForbiddenAddress},
		{"private networks allowed", Config{InsecureHTTP: true, AllowPrivateNetworks: true, DialContext: rebind}, "http://evil.test/", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := hits.Load()
			c := New(tt.cfg)
			_, err := c.Get(context.Background(), tt.url, nil)
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			if perr := c.Post(context.Background(), tt.url, []byte("{}"), loadKey(t)); !errors.Is(perr, tt.want) {
				t.Fatalf("POST: got %v, want %v", perr, tt.want)
			}
			// NodeInfo, which is read from every server, goes through the same guard.
			if _, nerr := c.GetPlainJSON(context.Background(), tt.url); !errors.Is(nerr, tt.want) {
				t.Fatalf("GetPlainJSON: got %v, want %v", nerr, tt.want)
			}
			host := strings.TrimPrefix(strings.TrimSuffix(tt.url, "/"), "http://")
			if _, nerr := c.GetWellKnown(context.Background(), host, "nodeinfo"); !errors.Is(nerr, tt.want) {
				t.Fatalf("GetWellKnown: got %v, want %v", nerr, tt.want)
			}
			if tt.want != nil && hits.Load() != before {
				t.Fatal("the forbidden server received a request")
			}
		})
	}
}

func TestForbidden(t *testing.T) {
	tests := []struct {
		addr string
		want bool
	}{
		{"127.0.0.1", true}, {"10.1.2.3", true}, {"172.16.0.1", true}, {"192.168.1.1", true},
		{"169.254.169.254", true}, {"100.64.0.1", true}, {"0.0.0.0", true}, {"0.1.2.3", true},
		{"224.0.0.1", true}, {"255.255.255.255", true}, {"198.18.0.1", true}, {"192.0.2.1", true},
		{"::1", true}, {"::", true}, {"fe80::1", true}, {"fc00::1", true}, {"fd12:3456::1", true},
		{"ff02::1", true}, {"::ffff:127.0.0.1", true}, {"::ffff:10.0.0.1", true}, {"64:ff9b::a00:1", true},
		{"2001:db8::1", true}, {"2002:a00:1::1", true},
		{"8.8.8.8", false}, {"1.1.1.1", false}, {"100.128.0.1", false}, {"2606:4700:4700::1111", false},
		{"::ffff:8.8.8.8", false},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			if got := forbidden(netip.MustParseAddr(tt.addr)); got != tt.want {
				t.Fatalf("forbidden(%s) = %v, want %v", tt.addr, got, tt.want)
			}
		})
	}
}

func TestURLRules(t *testing.T) {
	tests := []struct {
		url      string
		insecure bool
		ok       bool
	}{
		{"https://example.com/users/a", false, true},
		{"https://example.com:8443/users/a#main-key", false, true},
		{"http://example.com/users/a", false, false},
		{"http://example.com/users/a", true, true},
		{"ftp://example.com/x", true, false},
		{"https://user:pw@example.com/", false, false},
		{"https:///nohost", false, false},
		{"/relative", false, false},
		{"not a url", false, false},
		{"https://exa mple.com/", false, false},
		{"mailto:a@example.com", false, false},
		{"", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			c := New(Config{InsecureHTTP: tt.insecure})
			u, err := c.checkURL(tt.url)
			if tt.ok != (err == nil) {
				t.Fatalf("checkURL(%q) = %v, %v", tt.url, u, err)
			}
			if err != nil && !errors.Is(err, ErrInvalidURL) {
				t.Fatalf("want ErrInvalidURL, got %v", err)
			}
			if err == nil && u.Fragment != "" {
				t.Fatalf("fragment kept: %v", u)
			}
		})
	}
}

func TestGetWebFinger(t *testing.T) {
	rc := &recorder{keys: nil, next: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/.well-known/webfinger" || r.Host != "gts.test:8080" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/jrd+json")
		fmt.Fprintf(w, `{"subject":%q}`, r.URL.Query().Get("resource"))
	})}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	var d net.Dialer
	c := testClient(Config{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return d.DialContext(ctx, network, srv.Listener.Addr().String())
	}})
	b, err := c.GetWebFinger(context.Background(), "acct:alice@gts.test:8080", "gts.test:8080")
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"subject":"acct:alice@gts.test:8080"}` {
		t.Fatalf("got %s", b)
	}
	h := rc.records()[0].header
	if h.Get("Signature") != "" || h.Get("Accept") != AcceptJRD {
		t.Fatalf("headers %v", h)
	}
	if _, err := c.GetWebFinger(context.Background(), "acct:a@b", "evil.test/path"); !errors.Is(err, ErrInvalidURL) {
		t.Fatalf("got %v", err)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", 0}, {"120", 2 * time.Minute}, {"-5", 0}, {"soon", 0},
		{"Wed, 01 Jan 2025 00:01:00 GMT", time.Minute},
		{"Tue, 31 Dec 2024 23:00:00 GMT", 0},
	}
	for _, tt := range tests {
		if got := parseRetryAfter(tt.in, now); got != tt.want {
			t.Errorf("parseRetryAfter(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

// Signatures wait for a free signing slot; background work (fan-outs)
// also waits for one of the fewer background slots while Yield says the
// node is busy, and none of them waits past its context.
func TestSignSlots(t *testing.T) {
	key := loadKey(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusAccepted) }))
	defer srv.Close()
	var busy atomic.Bool
	c := testClient(Config{SignSlots: 2, Yield: busy.Load})
	if cap(c.slots) != 2 || cap(c.bgSlots) != 1 {
		t.Fatalf("slots %d, background slots %d; want 2 and 1", cap(c.slots), cap(c.bgSlots))
	}
	bg := Background(context.Background())
	tests := []struct {
		name      string
		busy      bool
		holdSlots int  // signing slots taken by others
		holdBg    bool // the background slot taken by another fan-out
		ctx       context.Context
		wantWait  bool // the request must wait for a slot
	}{
		{name: "free", ctx: context.Background()},
		{name: "background, idle node", ctx: bg},
		{name: "background, busy node", busy: true, ctx: bg},
		{name: "every slot taken", holdSlots: 2, ctx: context.Background(), wantWait: true},
		{name: "one slot left", holdSlots: 1, ctx: context.Background()},
		{name: "busy node, background slot taken", busy: true, holdBg: true, ctx: bg, wantWait: true},
		{name: "busy node, background slot taken, foreground work", busy: true, holdBg: true, ctx: context.Background()},
		{name: "idle node, background slot taken", holdBg: true, ctx: bg},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			busy.Store(tt.busy)
			for range tt.holdSlots {
				c.slots <- struct{}{}
			}
			if tt.holdBg {
				c.bgSlots <- struct{}{}
			}
			// A request that must wait is cancelled the moment it starts
			// waiting; one that may go must never wait. No time budget:
			// a loaded machine makes either slower, not different.
			ctx, cancel := context.WithCancel(tt.ctx)
			defer cancel()
			waited := false
			c.waiting = func() { waited = true; cancel() }
			err := c.Post(ctx, srv.URL+"/inbox", []byte(`{}`), key)
			c.waiting = nil
			for range tt.holdSlots {
				<-c.slots
			}
			if tt.holdBg {
				<-c.bgSlots
			}
			if waited != tt.wantWait {
				t.Errorf("waited for a slot: %v, want %v", waited, tt.wantWait)
			}
			if tt.wantWait && !errors.Is(err, context.Canceled) {
				t.Errorf("Post: %v, want the cancelled wait", err)
			}
			if !tt.wantWait && err != nil {
				t.Errorf("Post: %v", err)
			}
		})
	}
}

func TestBackgroundPause(t *testing.T) {
	key := loadKey(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusAccepted) }))
	defer srv.Close()
	for _, busy := range []bool{false, true} {
		t.Run(fmt.Sprint("busy=", busy), func(t *testing.T) {
			c := testClient(Config{SignSlots: 2, Yield: func() bool { return busy }})
			var pauses []time.Duration
			var release []func()
			c.afterFunc = func(d time.Duration, f func()) *time.Timer {
				pauses, release = append(pauses, d), append(release, f)
				return nil
			}
			start := time.Now()
			if err := c.Post(Background(context.Background()), srv.URL+"/inbox", []byte(`{}`), key); err != nil {
				t.Fatal(err)
			}
			took := time.Since(start)
			if !busy {
				if len(pauses) != 0 || len(c.bgSlots) != 0 {
					t.Fatalf("idle node: pauses %v, background slots taken %d; want none", pauses, len(c.bgSlots))
				}
				return
			}
			if len(pauses) != 1 || len(c.bgSlots) != 1 {
				t.Fatalf("busy node: pauses %v, background slots taken %d; want one of each", pauses, len(c.bgSlots))
			}
			// The pause is three signatures long; the whole Post (one
			// signature and the exchange) took less than the pause would
			// have added to it.
			if pauses[0] <= 0 || pauses[0] > backgroundPause*took {
				t.Errorf("pause %s for a Post of %s", pauses[0], took)
			}
			release[0]()
			if len(c.bgSlots) != 0 {
				t.Errorf("background slot still taken after the pause")
			}
		})
	}
}

// A fan-out reaches many servers twice in a row (Announce{Create}, then the
// plain boost): the second round reuses the first round's connections, far
// beyond Go's default of 100 idle connections in all.
func TestConnectionsReusedAcrossServers(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusAccepted)
	}))
	defer srv.Close()
	var (
		d     net.Dialer
		mu    sync.Mutex
		dials = map[string]int{}
	)
	c := testClient(Config{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		mu.Lock()
		dials[addr]++
		mu.Unlock()
		return d.DialContext(ctx, network, srv.Listener.Addr().String())
	}})
	key := loadKey(t)
	const servers = 300
	for round := range 2 {
		for i := range servers {
			if err := c.Post(context.Background(), fmt.Sprintf("http://s%d.test/inbox", i), []byte(`{}`), key); err != nil {
				t.Fatalf("round %d, server %d: %v", round, i, err)
			}
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(dials) != servers {
		t.Fatalf("dialled %d servers, want %d", len(dials), servers)
	}
	for addr, n := range dials {
		if n != 1 {
			t.Errorf("%s dialled %d times, want once: its connection was not kept", addr, n)
		}
	}
}

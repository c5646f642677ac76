package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/kith-social/kith/federation/httpsig"
)

// Namespaces used in the documents the fake servers serve.
const (
	asContext  = "https://www.w3.org/ns/activitystreams"
	secContext = "https://w3id.org/security/v1"
	asPublic   = "https://www.w3.org/ns/activitystreams#Public"
)

// maxInboxBody is the largest delivery a fake inbox reads, like the node.
const maxInboxBody = 1 << 20

// fleetConfig says how many fake servers to start and where.
type fleetConfig struct {
	Servers int
	Members int
	Port    int        // the same port on every IP; 0 picks one per listener (tests)
	FirstIP netip.Addr // first server's IP; later ones count up, 250 per /24
	Keys    *keyPool
	Sink    *sink
	Node    nodeTarget
	Timeout time.Duration // outgoing requests (key fetches)
	Log     *slog.Logger
	// Software is the name every server gives in its NodeInfo, which
	// decides the shapes the node sends it (federation/software); "" is
	// mastodon.
	Software string
}

// fleet is the fake fediverse: many Mastodon-like servers, each on its own
// loopback IP, whose actors are u0…uN-1 spread round-robin over them.
type fleet struct {
	cfg     fleetConfig
	servers []*server
	byHost  map[string]*server
	// PortMode: the system refused extra 127/8 addresses, so the servers
	// share 127.0.0.1 on consecutive ports instead.
	PortMode bool
	// Short is set when fewer servers than asked could be bound.
	Short string
}

// server is one fake remote server.
type server struct {
	f      *fleet
	idx    int
	ip     netip.Addr
	host   string // ip:port, as in its actors' IRIs
	ln     net.Listener
	srv    *http.Server
	client *http.Client // outgoing, from ip

	keyMu sync.Mutex
	keys  map[string]*keyEntry

	objMu   sync.Mutex
	objects map[string][]byte // served notes by path

	actorGets atomic.Int64 // GETs of actor documents (the node fetching keys)
	otherGets atomic.Int64
	nodeInfo  atomic.Int64 // GETs of the NodeInfo document: the node knows the software
	keyFetch  atomic.Int64 // key documents fetched from the node
}

// keyEntry caches one resolved key; concurrent resolutions of the same
// keyId wait for the first.
type keyEntry struct {
	done chan struct{}
	pk   httpsig.PublicKey
	err  error
}

// startFleet binds one listener per server. Linux routes all of 127/8 to
// lo, so server i listens on 127.0.(1+i/250).(1+i%250):port. If an
// address cannot be bound the fleet is smaller (Short says so); if not
// even the second can, the servers share 127.0.0.1 on ports port, port+1…
func startFleet(ctx context.Context, cfg fleetConfig) (*fleet, error) {
	if cfg.Servers < 1 || cfg.Members < 1 {
		return nil, fmt.Errorf("fleet: need at least one server and one member, got %d and %d", cfg.Servers, cfg.Members)
	}
	if !cfg.FirstIP.IsValid() {
		cfg.FirstIP = netip.MustParseAddr("127.0.1.1")
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	f := &fleet{cfg: cfg, byHost: map[string]*server{}}
	for i := range cfg.Servers {
		ip, port := serverIP(cfg.FirstIP, i), cfg.Port
		if f.PortMode {
			ip, port = netip.MustParseAddr("127.0.0.1"), portPlus(cfg.Port, i)
		}
		ln, err := net.Listen("tcp", netip.AddrPortFrom(ip, uint16(port)).String())
		if err != nil && errors.Is(err, syscall.EADDRNOTAVAIL) && i == 1 && !f.PortMode {
			// Only 127.0.0.1 works here (not Linux?): restart on ports.
			f.close()
			f = &fleet{cfg: cfg, byHost: map[string]*server{}, PortMode: true}
			return f, f.startPorts()
		}
		if err != nil {
			if i == 0 {
				return nil, fmt.Errorf("fleet: listen on %s:%d: %w", ip, port, err)
			}
			f.Short = fmt.Sprintf("bound %d of %d servers: %v", i, cfg.Servers, err)
			cfg.Log.Warn("fewer fake servers than asked", "bound", i, "asked", cfg.Servers, "err", err)
			break
		}
		f.add(ip, ln)
	}
	return f, nil
}

// startPorts is startFleet's fallback: every server on 127.0.0.1.
func (f *fleet) startPorts() error {
	ip := netip.MustParseAddr("127.0.0.1")
	for i := range f.cfg.Servers {
		ln, err := net.Listen("tcp", netip.AddrPortFrom(ip, uint16(portPlus(f.cfg.Port, i))).String())
		if err != nil {
			if i == 0 {
				return fmt.Errorf("fleet: listen on 127.0.0.1:%d: %w", portPlus(f.cfg.Port, i), err)
			}
			f.Short = fmt.Sprintf("bound %d of %d servers: %v", i, f.cfg.Servers, err)
			break
		}
		f.add(ip, ln)
	}
	return nil
}

func portPlus(port, i int) int {
	if port == 0 {
		return 0
	}
	return port + i
}

// serverIP is the i-th server's address: 250 hosts per /24 from first.
func serverIP(first netip.Addr, i int) netip.Addr {
	b := first.As4()
	n := int(b[2])*250 + int(b[3]) - 1 + i
	return netip.AddrFrom4([4]byte{127, b[1], byte(n / 250), byte(n%250 + 1)})
}

func (f *fleet) add(ip netip.Addr, ln net.Listener) {
	s := &server{
		f: f, idx: len(f.servers), ip: ip, host: ln.Addr().String(), ln: ln,
		keys: map[string]*keyEntry{}, objects: map[string][]byte{},
	}
	local := ip
	if f.PortMode {
		local = netip.Addr{}
	}
	s.client = newClient(local, f.cfg.Timeout, 4)
	s.srv = &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       60 * time.Second,
		ErrorLog:          slog.NewLogLogger(f.cfg.Log.Handler(), slog.LevelDebug),
	}
	f.servers = append(f.servers, s)
	f.byHost[s.host] = s
	go func() {
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			f.cfg.Log.Warn("fake server stopped", "host", s.host, "err", err)
		}
	}()
}

// close stops every server at once: once the report is made, whatever
// the node still delivers is of no interest (it will see refused
// connections and retry later, as with any server that went away).
func (f *fleet) close() {
	for _, s := range f.servers {
		s.srv.Close()
		s.client.CloseIdleConnections()
	}
}

// actor is one fake remote user.
type actor struct {
	idx int
	srv *server
	key httpsig.Key
	pem string
}

// actor returns member i (0 ≤ i < Members), who lives on server i mod S.
func (f *fleet) actor(i int) actor {
	s := f.servers[i%len(f.servers)]
	k, pem := f.cfg.Keys.key(i)
	a := actor{idx: i, srv: s, pem: pem}
	a.key = httpsig.Key{ID: a.id() + "#main-key", Private: k}
	return a
}

func (a actor) username() string { return "u" + strconv.Itoa(a.idx) }
func (a actor) id() string       { return a.srv.url("/users/" + a.username()) }
func (a actor) inbox() string    { return a.id() + "/inbox" }
func (a actor) followers() string {
	return a.id() + "/followers"
}
func (a actor) handle() string { return a.username() + "@" + a.srv.host }

// members is how many actors the fleet serves.
func (f *fleet) members() int { return f.cfg.Members }

// url is http://host + path on this server.
func (s *server) url(path string) string { return "http://" + s.host + path }

// sharedInbox is the server's shared inbox.
func (s *server) sharedInbox() string { return s.url("/inbox") }

// instanceKey is the key of the server's instance actor (/actor), which
// signs its key fetches.
func (s *server) instanceKey() (httpsig.Key, string) {
	k, pem := s.f.cfg.Keys.key(s.idx)
	return httpsig.Key{ID: s.url("/actor#main-key"), Private: k}, pem
}

// serve publishes a document (a note) at path.
func (s *server) serve(path string, doc []byte) {
	s.objMu.Lock()
	defer s.objMu.Unlock()
	s.objects[path] = doc
}

// ServeHTTP is the fake server: WebFinger, NodeInfo, actor documents, the
// notes its actors posted, and inboxes that verify and record.
func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost {
		s.serveInbox(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	switch r.URL.Path {
	case "/.well-known/webfinger":
		s.otherGets.Add(1)
		s.serveWebFinger(w, r)
		return
	case "/.well-known/nodeinfo":
		s.otherGets.Add(1)
		writeJSON(w, "application/json", map[string]any{"links": []any{map[string]any{
			"rel": "http://nodeinfo.diaspora.software/ns/schema/2.0", "href": s.url("/nodeinfo/2.0"),
		}}})
		return
	case "/nodeinfo/2.0":
		s.otherGets.Add(1)
		s.nodeInfo.Add(1)
		writeJSON(w, "application/json", map[string]any{
			"version": "2.0", "software": map[string]any{"name": cmp.Or(s.f.cfg.Software, "mastodon"), "version": "0.0.0+kith-load"},
			"protocols": []string{"activitypub"}, "openRegistrations": false, "metadata": map[string]any{},
			"usage": map[string]any{"users": map[string]any{"total": s.f.members() / len(s.f.servers)}},
		})
		return
	case "/actor":
		s.actorGets.Add(1)
		key, pem := s.instanceKey()
		writeJSON(w, contentActivity, map[string]any{
			"@context": []any{asContext, secContext}, "id": s.url("/actor"), "type": "Application",
			"preferredUsername": s.host, "inbox": s.url("/actor/inbox"), "outbox": s.url("/actor/outbox"),
			"endpoints": map[string]any{"sharedInbox": s.sharedInbox()},
			"publicKey": map[string]any{"id": key.ID, "owner": s.url("/actor"), "publicKeyPem": pem},
		})
		return
	}
	if a, sub, ok := s.actorPath(r.URL.Path); ok {
		switch sub {
		case "":
			s.actorGets.Add(1)
			writeJSON(w, contentActivity, a.document())
			return
		case "followers", "following", "outbox", "collections/featured":
			s.otherGets.Add(1)
			writeJSON(w, contentActivity, map[string]any{
				"@context": asContext, "id": s.url(r.URL.Path), "type": "OrderedCollection", "totalItems": 0, "orderedItems": []any{},
			})
			return
		}
	}
	s.otherGets.Add(1)
	s.objMu.Lock()
	doc, ok := s.objects[r.URL.Path]
	s.objMu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", contentActivity)
	_, _ = w.Write(doc)
}

// actorPath parses /users/uN[/sub] for an actor that lives here.
func (s *server) actorPath(path string) (actor, string, bool) {
	rest, ok := strings.CutPrefix(path, "/users/u")
	if !ok {
		return actor{}, "", false
	}
	num, sub, _ := strings.Cut(rest, "/")
	i, err := strconv.Atoi(num)
	if err != nil || i < 0 || i >= s.f.members() || i%len(s.f.servers) != s.idx || strconv.Itoa(i) != num {
		return actor{}, "", false
	}
	return s.f.actor(i), sub, true
}

// document is a Mastodon-shaped Person.
func (a actor) document() map[string]any {
	return map[string]any{
		"@context": []any{asContext, secContext, map[string]any{
			"manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
			"toot":                      "http://joinmastodon.org/ns#",
			"discoverable":              "toot:discoverable",
		}},
		"id":                        a.id(),
		"type":                      "Person",
		"preferredUsername":         a.username(),
		"name":                      "Load " + a.username(),
		"summary":                   "<p>A fake member made by kith-load.</p>",
		"url":                       a.srv.url("/@" + a.username()),
		"inbox":                     a.inbox(),
		"outbox":                    a.id() + "/outbox",
		"followers":                 a.followers(),
		"following":                 a.id() + "/following",
		"featured":                  a.id() + "/collections/featured",
		"manuallyApprovesFollowers": false,
		"discoverable":              true,
		"published":                 "2025-01-01T00:00:00Z",
		"endpoints":                 map[string]any{"sharedInbox": a.srv.sharedInbox()},
		"publicKey":                 map[string]any{"id": a.key.ID, "owner": a.id(), "publicKeyPem": a.pem},
		"attachment":                []any{},
		"tag":                       []any{},
	}
}

func (s *server) serveWebFinger(w http.ResponseWriter, r *http.Request) {
	res := r.URL.Query().Get("resource")
	var a actor
	found := false
	if acct, ok := strings.CutPrefix(res, "acct:"); ok {
		user, host, _ := strings.Cut(strings.TrimPrefix(acct, "@"), "@")
		if strings.EqualFold(host, s.host) {
			a, _, found = s.actorPath("/users/" + strings.ToLower(user))
		}
	} else if u, err := url.Parse(res); err == nil && u.Host == s.host {
		var sub string
		a, sub, found = s.actorPath(u.Path)
		found = found && sub == ""
	}
	if !found {
		http.NotFound(w, r)
		return
	}
	writeJSON(w, "application/jrd+json", map[string]any{
		"subject": "acct:" + a.handle(),
		"aliases": []string{a.id()},
		"links": []any{
			map[string]any{"rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": a.srv.url("/@" + a.username())},
			map[string]any{"rel": "self", "type": contentActivity, "href": a.id()},
		},
	})
}

// serveInbox is the sink's front door: it reads at most 1 MiB, verifies
// the HTTP signature (fetching the signer's key from the node, cached),
// checks that the signer is the activity's actor and records it.
func (s *server) serveInbox(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	if path != "/inbox" && path != "/actor/inbox" {
		if _, sub, ok := s.actorPath(path); !ok || sub != "inbox" {
			http.NotFound(w, r)
			return
		}
	}
	sink := s.f.cfg.Sink
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxInboxBody))
	if err != nil {
		sink.reject("body: " + err.Error())
		http.Error(w, "body too large or unreadable", http.StatusRequestEntityTooLarge)
		return
	}
	pk, err := httpsig.Verify(r.Context(), r, body, s, time.Now())
	if err != nil {
		sink.reject("signature: " + sigReason(err))
		http.Error(w, "signature: "+err.Error(), http.StatusUnauthorized)
		return
	}
	var act map[string]any
	if err := json.Unmarshal(body, &act); err != nil {
		sink.reject("json")
		http.Error(w, "json: "+err.Error(), http.StatusBadRequest)
		return
	}
	d := delivery{Host: s.host, Path: path, ID: str(act["id"]), Type: str(act["type"]), Actor: idOf(act["actor"]), Signer: pk.Owner, At: time.Now()}
	if d.Actor != pk.Owner {
		sink.reject("actor is not the signer")
		http.Error(w, fmt.Sprintf("actor %q is not the signer %q", d.Actor, pk.Owner), http.StatusUnauthorized)
		return
	}
	d.ObjectID = idOf(act["object"])
	if obj, ok := act["object"].(map[string]any); ok {
		d.ObjectType = str(obj["type"])
		d.InnerID = idOf(obj["object"])
		d.ObjectActor = idOf(obj["actor"])
	}
	sink.record(d)
	w.WriteHeader(http.StatusAccepted)
}

// sigReason shortens a verification error to its class, for counting.
func sigReason(err error) string {
	for _, e := range []error{httpsig.ErrMissingSignature, httpsig.ErrMalformedSignature, httpsig.ErrUnsignedHeader,
		httpsig.ErrDigestMismatch, httpsig.ErrDateOutOfRange, httpsig.ErrBadSignature, httpsig.ErrUnsupportedAlgorithm} {
		if errors.Is(err, e) {
			return strings.TrimPrefix(e.Error(), "httpsig: ")
		}
	}
	return "key not resolved"
}

// ResolveKey implements httpsig.KeyResolver for the server: the signer's
// key is fetched (GET, signed by this server's instance actor) from the
// node — or from a fellow fake server — and cached per server, as each
// real server keeps its own cache.
func (s *server) ResolveKey(ctx context.Context, keyID string, refresh bool) (httpsig.PublicKey, error) {
	s.keyMu.Lock()
	e, ok := s.keys[keyID]
	if !ok || refresh {
		e = &keyEntry{done: make(chan struct{})}
		s.keys[keyID] = e
		s.keyMu.Unlock()
		// One fetch serves every waiting delivery: it must not die with
		// the request that happened to start it.
		e.pk, e.err = s.fetchKey(context.WithoutCancel(ctx), keyID)
		close(e.done)
		if e.err != nil {
			s.keyMu.Lock()
			if s.keys[keyID] == e {
				delete(s.keys, keyID) // let the next delivery try again
			}
			s.keyMu.Unlock()
		}
		return e.pk, e.err
	}
	s.keyMu.Unlock()
	select {
	case <-e.done:
		return e.pk, e.err
	case <-ctx.Done():
		return httpsig.PublicKey{}, fmt.Errorf("wait for key %s: %w", keyID, ctx.Err())
	}
}

func (s *server) fetchKey(ctx context.Context, keyID string) (httpsig.PublicKey, error) {
	s.keyFetch.Add(1)
	req, err := s.f.cfg.Node.newRequest(ctx, http.MethodGet, keyID, nil)
	if err != nil {
		return httpsig.PublicKey{}, fmt.Errorf("fetch key %s: %w", keyID, err)
	}
	req.Header.Set("Accept", acceptActivity)
	key, _ := s.instanceKey()
	if err := httpsig.Sign(req, nil, key, time.Now()); err != nil {
		return httpsig.PublicKey{}, fmt.Errorf("sign key fetch %s: %w", keyID, err)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return httpsig.PublicKey{}, fmt.Errorf("fetch key %s: %w", keyID, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return httpsig.PublicKey{}, fmt.Errorf("fetch key %s: %w", keyID, err)
	}
	if resp.StatusCode/100 != 2 {
		return httpsig.PublicKey{}, fmt.Errorf("fetch key %s: HTTP %d", keyID, resp.StatusCode)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		return httpsig.PublicKey{}, fmt.Errorf("fetch key %s: %w", keyID, err)
	}
	return httpsig.KeyFromDocument(doc, keyID)
}

// fleetStats sums the servers' counters.
type fleetStats struct {
	ActorGets, OtherGets, KeyFetches int64
}

func (f *fleet) stats() fleetStats {
	var st fleetStats
	for _, s := range f.servers {
		st.ActorGets += s.actorGets.Load()
		st.OtherGets += s.otherGets.Load()
		st.KeyFetches += s.keyFetch.Load()
	}
	return st
}

func writeJSON(w http.ResponseWriter, contentType string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", contentType)
	_, _ = w.Write(b)
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// idOf returns v if it is a string, or v["id"] if it is an object.
func idOf(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case map[string]any:
		return str(x["id"])
	}
	return ""
}

// nodeInfoRead counts the servers whose NodeInfo the node has read.
func (f *fleet) nodeInfoRead() int {
	n := 0
	for _, s := range f.servers {
		if s.nodeInfo.Load() > 0 {
			n++
		}
	}
	return n
}

// waitNodeInfo waits, up to -timeout, until the node has read every fake
// server's NodeInfo, and returns how many it has read.
func (r *run) waitNodeInfo(ctx context.Context) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, r.cfg.Timeout)
	defer cancel()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		n := r.fleet.nodeInfoRead()
		if n == len(r.fleet.servers) {
			return n, nil
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			return n, fmt.Errorf("the node had read %d of %d servers' NodeInfo after -timeout %s", n, len(r.fleet.servers), r.cfg.Timeout)
		}
	}
}

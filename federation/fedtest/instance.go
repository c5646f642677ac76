package fedtest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kith-social/kith/federation/httpsig"
)

// Flavor selects which server software an Instance imitates.
type Flavor int

// Flavors. See the package documentation of each for what differs.
const (
	// Mastodon: /users/name, sharedInbox, rsa-sha256, signed GETs only
	// required after SetAuthorizedFetch(true).
	Mastodon Flavor = iota
	// Lemmy: /u/name, sharedInbox, hs2019 signatures that also cover
	// content-type, Page posts and Note comments with audience.
	Lemmy
	// GoToSocial: no sharedInbox, 401 for unsigned GETs, keys at
	// /users/name/main-key, delivers with the ld+json content type.
	GoToSocial
	// Misskey: no sharedInbox (delivers to personal inboxes), signs GETs
	// over "(request-target) date host accept", millisecond timestamps.
	Misskey
)

func (f Flavor) String() string {
	switch f {
	case Mastodon:
		return "mastodon"
	case Lemmy:
		return "lemmy"
	case GoToSocial:
		return "gotosocial"
	case Misskey:
		return "misskey"
	}
	return fmt.Sprintf("Flavor(%d)", int(f))
}

// Public is the ActivityStreams public collection.
const Public = "https://www.w3.org/ns/activitystreams#Public"

// Delivery is one POST an inbox received.
type Delivery struct {
	Inbox    string // request path: "/inbox" or an actor's inbox path
	Shared   bool   // delivered to the shared inbox
	KeyID    string
	Signer   string // owner of the verified key
	Header   http.Header
	Body     []byte
	Activity map[string]any // nil if the body was not a JSON object
	At       time.Time
	Err      string // why it was refused (Rejected only)
}

// Type is the activity's type.
func (d Delivery) Type() string { return str(d.Activity["type"]) }

// ObjectID is the activity's object id, whether embedded or a bare IRI.
func (d Delivery) ObjectID() string { return idOf(d.Activity["object"]) }

// ObjectType is the type of an embedded object ("" for a bare IRI).
func (d Delivery) ObjectType() string {
	if m, ok := d.Activity["object"].(map[string]any); ok {
		return str(m["type"])
	}
	return ""
}

// Fetch is one GET an instance answered (other than WebFinger/NodeInfo).
type Fetch struct {
	Path   string
	KeyID  string // "" when unsigned
	Signer string
	Status int
	Err    string // signature problem, if any
}

// Instance is a fake remote server.
type Instance struct {
	net    *Network
	host   string
	flavor Flavor
	seq    atomic.Int64

	mu              sync.Mutex
	authorizedFetch bool
	routes          map[string]route
	docs            map[string][]byte
	media           map[string]mediaFile // ServeMedia (media.go)
	gone            map[string]bool
	actors          map[string]*Actor // by lower-case username
	instanceActor   *Actor
	keyCache        map[string]httpsig.PublicKey
	received        []Delivery
	rejected        []Delivery
	fetches         []Fetch
	changed         chan struct{} // closed and replaced on every delivery
	inboxFault      func(*http.Request) int
	inboxAttempts   int
	software        string // NodeInfo software.name; "" is the flavor's
	noNodeInfo      bool
	follows         follows // what the instance's actors follow (move.go)
	moves           []MoveOutcome
	work            sync.WaitGroup // Moves being processed
}

type routeKind int

const (
	routeActor routeKind = iota
	routeInbox
	routeCollection
	routeKeyStub
)

type route struct {
	kind  routeKind
	actor *Actor
}

// NewInstance registers a fake server at host (which may carry a port).
// Its base URL is http://host.
func (n *Network) NewInstance(host string, flavor Flavor) *Instance {
	n.t.Helper()
	inst := &Instance{
		net:             n,
		host:            normaliseHost(host),
		flavor:          flavor,
		authorizedFetch: flavor == GoToSocial,
		routes:          make(map[string]route),
		docs:            make(map[string][]byte),
		gone:            make(map[string]bool),
		actors:          make(map[string]*Actor),
		keyCache:        make(map[string]httpsig.PublicKey),
		changed:         make(chan struct{}),
		follows:         newFollows(),
	}
	n.AddHost(host, inst)
	n.t.Cleanup(inst.work.Wait)
	return inst
}

// Host is the instance's host name (with port if not default).
func (i *Instance) Host() string { return i.host }

// Flavor is the software the instance imitates.
func (i *Instance) Flavor() Flavor { return i.flavor }

// URL returns http://host + path.
func (i *Instance) URL(path string) string { return "http://" + i.host + path }

// SharedInbox is the shared inbox URL, or "" for flavors without one.
func (i *Instance) SharedInbox() string {
	if i.flavor == GoToSocial || i.flavor == Misskey {
		return ""
	}
	return i.URL("/inbox")
}

// SetSoftware makes the instance's NodeInfo name another software of its
// flavor's kind (mbin or piefed for Lemmy, sharkey for Misskey...); "" is
// the flavor's own name. off serves no NodeInfo at all (404).
func (i *Instance) SetSoftware(name string, off bool) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.software, i.noNodeInfo = name, off
}

// Software is the name the instance's NodeInfo gives.
func (i *Instance) Software() string {
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.software != "" {
		return i.software
	}
	return i.flavor.String()
}

func (i *Instance) hidesNodeInfo() bool {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.noNodeInfo
}

// SetAuthorizedFetch makes the instance refuse unsigned GETs with 401
// (always on for GoToSocial).
func (i *Instance) SetAuthorizedFetch(on bool) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.authorizedFetch = on || i.flavor == GoToSocial
}

// Serve serves doc (as application/activity+json) at path, e.g. a captured
// actor or object at its original path.
func (i *Instance) Serve(path string, doc []byte) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.docs[path] = doc
	delete(i.gone, path)
}

// ServeIRI serves doc at iri's path to requests made with iri's scheme
// only, before anything Serve put there: captured fixtures write some ids
// with http:// and https:// on one host, and each must fetch a document
// whose id is the one asked for.
func (i *Instance) ServeIRI(iri string, doc []byte) {
	scheme, rest, ok := strings.Cut(iri, "://")
	if !ok {
		i.net.t.Fatalf("fedtest: ServeIRI(%q): not an absolute IRI", iri)
	}
	path := "/"
	if _, p, ok := strings.Cut(rest, "/"); ok {
		path = "/" + p
	}
	path, _, _ = strings.Cut(path, "#")
	path, _, _ = strings.Cut(path, "?")
	i.mu.Lock()
	defer i.mu.Unlock()
	i.docs[strings.ToLower(scheme)+"://"+path] = doc
}

// Gone makes path answer 410 Gone.
func (i *Instance) Gone(path string) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.gone[path] = true
	delete(i.docs, path)
	delete(i.docs, "http://"+path)
	delete(i.docs, "https://"+path)
}

// Received returns the deliveries accepted so far.
func (i *Instance) Received() []Delivery {
	i.mu.Lock()
	defer i.mu.Unlock()
	return append([]Delivery(nil), i.received...)
}

// Rejected returns the deliveries refused so far (bad signature, actor
// mismatch, invalid JSON), with the reason in Err.
func (i *Instance) Rejected() []Delivery {
	i.mu.Lock()
	defer i.mu.Unlock()
	return append([]Delivery(nil), i.rejected...)
}

// Fetches returns the GETs answered so far.
func (i *Instance) Fetches() []Fetch {
	i.mu.Lock()
	defer i.mu.Unlock()
	return append([]Fetch(nil), i.fetches...)
}

// WaitFor blocks until an accepted delivery satisfies cond and returns it,
// or fails the test after timeout. Call it from the test goroutine.
func (i *Instance) WaitFor(t testing.TB, cond func(Delivery) bool, timeout time.Duration) Delivery {
	t.Helper()
	d, ok := Await(&i.mu, func() chan struct{} { return i.changed }, func() (Delivery, bool) {
		for _, d := range i.received {
			if cond(d) {
				return d, true
			}
		}
		return Delivery{}, false
	}, timeout)
	if !ok {
		t.Fatalf("fedtest: %s: no matching delivery within %s (%d received, %d rejected)", i.host, timeout, len(i.Received()), len(i.Rejected()))
	}
	return d
}

// record appends a delivery and wakes waiters.
func (i *Instance) record(d Delivery, accepted bool) {
	i.mu.Lock()
	defer i.mu.Unlock()
	if accepted {
		i.received = append(i.received, d)
	} else {
		i.rejected = append(i.rejected, d)
	}
	close(i.changed)
	i.changed = make(chan struct{})
}

// ServeHTTP implements http.Handler.
func (i *Instance) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/.well-known/webfinger":
		i.serveWebFinger(w, r)
		return
	case "/.well-known/nodeinfo":
		if i.hidesNodeInfo() {
			http.NotFound(w, r)
			return
		}
		writeJSON(w, "application/json", map[string]any{"links": []any{map[string]any{
			"rel": "http://nodeinfo.diaspora.software/ns/schema/2.0", "href": i.URL("/nodeinfo/2.0"),
		}}})
		return
	case "/nodeinfo/2.0":
		writeJSON(w, "application/json", map[string]any{
			"version": "2.0", "software": map[string]any{"name": i.Software(), "version": "0.0.0-fedtest"},
			"protocols": []string{"activitypub"}, "openRegistrations": false,
			"usage": map[string]any{"users": map[string]any{"total": len(i.actors)}}, "metadata": map[string]any{},
		})
		return
	}
	if r.Method == http.MethodPost {
		if status := i.fault(r); status != 0 {
			http.Error(w, http.StatusText(status), status)
			return
		}
		i.serveInbox(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	i.serveGet(w, r)
}

func (i *Instance) serveGet(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	i.mu.Lock()
	rt, isRoute := i.routes[path]
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	doc, isDoc := i.docs[scheme+"://"+path]
	if !isDoc {
		doc, isDoc = i.docs[path]
	}
	gone := i.gone[path]
	af := i.authorizedFetch
	file, isMedia := i.mediaLocked(path)
	i.mu.Unlock()

	// Keys and the instance actor stay public so that signed fetches can be
	// verified without a chicken-and-egg problem, as on real servers.
	public := isRoute && (rt.kind == routeKeyStub || rt.actor == i.instanceActorIfAny())
	public = public || isMedia // media files are public on every server
	f := Fetch{Path: r.URL.RequestURI(), KeyID: sigKeyID(r)}
	// Signatures on public documents are not checked: two instances
	// verifying each other's key fetches would recurse forever.
	if f.KeyID != "" && !public {
		if pk, err := httpsig.Verify(r.Context(), r, nil, i, time.Now()); err == nil {
			f.Signer = pk.Owner
		} else {
			f.Err = err.Error()
		}
	}
	status := http.StatusOK
	switch {
	case af && !public && (f.Signer == ""):
		status = http.StatusUnauthorized
		http.Error(w, "signature required", status)
	case gone || (isRoute && rt.actor.isDeleted()):
		status = http.StatusGone
		w.Header().Set("Content-Type", "application/activity+json")
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"@context":%q,"id":%q,"type":"Tombstone"}`, asContext, i.URL(path))
	case isRoute:
		writeJSON(w, "application/activity+json", i.routeDocument(path, rt))
	case isDoc:
		w.Header().Set("Content-Type", "application/activity+json")
		w.Write(doc)
	case isMedia:
		w.Header().Set("Content-Type", file.contentType)
		w.Write(file.body)
	default:
		status = http.StatusNotFound
		http.NotFound(w, r)
	}
	f.Status = status
	i.mu.Lock()
	i.fetches = append(i.fetches, f)
	i.mu.Unlock()
}

func (i *Instance) instanceActorIfAny() *Actor {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.instanceActor
}

func (i *Instance) routeDocument(path string, rt route) map[string]any {
	a := rt.actor
	switch rt.kind {
	case routeKeyStub:
		// GoToSocial's public key endpoint: a stub actor holding the key.
		return map[string]any{"@context": []any{asContext, secContext}, "id": a.ID(), "type": a.actorType, "publicKey": a.publicKeyJSON()}
	case routeCollection:
		return map[string]any{"@context": asContext, "id": i.URL(path), "type": "OrderedCollection", "totalItems": 0, "orderedItems": []any{}}
	default:
		return a.document()
	}
}

func (i *Instance) serveInbox(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	i.mu.Lock()
	rt, ok := i.routes[path]
	i.mu.Unlock()
	shared := path == "/inbox" && i.SharedInbox() != ""
	if !shared && (!ok || rt.kind != routeInbox) {
		http.NotFound(w, r)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(w, "read body", http.StatusBadRequest)
		return
	}
	d := Delivery{Inbox: path, Shared: shared, Header: r.Header.Clone(), Body: body, At: time.Now(), KeyID: sigKeyID(r)}
	reject := func(code int, reason string) {
		d.Err = reason
		i.record(d, false)
		http.Error(w, reason, code)
	}
	pk, err := httpsig.Verify(r.Context(), r, body, i, time.Now())
	if err != nil {
		reject(http.StatusUnauthorized, "signature: "+err.Error())
		return
	}
	d.Signer = pk.Owner
	if err := json.Unmarshal(body, &d.Activity); err != nil {
		reject(http.StatusBadRequest, "json: "+err.Error())
		return
	}
	// The signer must be the activity's actor: Verify leaves this to us.
	if actor := idOf(d.Activity["actor"]); actor != pk.Owner {
		reject(http.StatusUnauthorized, fmt.Sprintf("actor %q is not the signer %q", actor, pk.Owner))
		return
	}
	i.record(d, true)
	i.react(d) // follows and moves (move.go)
	if i.flavor == Lemmy {
		w.WriteHeader(http.StatusOK)
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

func (i *Instance) serveWebFinger(w http.ResponseWriter, r *http.Request) {
	res := r.URL.Query().Get("resource")
	if strings.Contains(res, "%") {
		// Some clients encode the resource twice (acct:bob%40host%3A8081).
		if u, err := url.QueryUnescape(res); err == nil {
			res = u
		}
	}
	var a *Actor
	i.mu.Lock()
	if acct, ok := strings.CutPrefix(res, "acct:"); ok {
		user, host, _ := strings.Cut(strings.TrimPrefix(acct, "@"), "@")
		if normaliseHost(host) == i.host {
			a = i.actors[strings.ToLower(user)]
			if a == nil && i.instanceActor != nil && strings.EqualFold(user, i.instanceActor.username) {
				a = i.instanceActor
			}
		}
	} else {
		for _, c := range i.actors {
			if c.ID() == res || c.URL() == res {
				a = c
			}
		}
	}
	i.mu.Unlock()
	if a == nil || a.isDeleted() {
		http.NotFound(w, r)
		return
	}
	links := []any{
		map[string]any{"rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": a.URL()},
		map[string]any{"rel": "self", "type": "application/activity+json", "href": a.ID()},
	}
	if i.flavor != Lemmy {
		// Mastodon-family servers offer a remote-follow page; Lemmy does not.
		links = append(links, map[string]any{"rel": "http://ostatus.org/schema/1.0/subscribe", "template": i.URL("/authorize_interaction?uri={uri}")})
	}
	writeJSON(w, "application/jrd+json", map[string]any{
		"subject": "acct:" + a.Handle(),
		"aliases": []string{a.ID(), a.URL()},
		"links":   links,
	})
}

// ResolveKey implements httpsig.KeyResolver: it fetches the key document
// over the Network, signed by the instance actor (so authorized-fetch
// servers answer), and caches it until refresh is requested.
func (i *Instance) ResolveKey(ctx context.Context, keyID string, refresh bool) (httpsig.PublicKey, error) {
	i.mu.Lock()
	pk, ok := i.keyCache[keyID]
	i.mu.Unlock()
	if ok && !refresh {
		return pk, nil
	}
	iri, _, _ := strings.Cut(keyID, "#")
	if iri == "" {
		return httpsig.PublicKey{}, fmt.Errorf("fedtest: empty keyId")
	}
	doc, err := i.InstanceActor().FetchJSON(ctx, iri)
	if err != nil {
		return httpsig.PublicKey{}, fmt.Errorf("fedtest: fetch key %s: %w", keyID, err)
	}
	pk, err = httpsig.KeyFromDocument(doc, keyID)
	if err != nil {
		return httpsig.PublicKey{}, err
	}
	i.mu.Lock()
	i.keyCache[keyID] = pk
	i.mu.Unlock()
	return pk, nil
}

func sigKeyID(r *http.Request) string {
	s := r.Header.Get("Signature")
	if s == "" {
		s = r.Header.Get("Authorization")
	}
	_, rest, ok := strings.Cut(s, `keyId="`)
	if !ok {
		return ""
	}
	id, _, _ := strings.Cut(rest, `"`)
	return id
}

func writeJSON(w http.ResponseWriter, contentType string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.Write(b)
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

// ObjectID returns the id of an activity's object (embedded or IRI).
func ObjectID(activity map[string]any) string { return idOf(activity["object"]) }

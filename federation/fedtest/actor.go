package fedtest

import (
	"bytes"
	"context"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/kith-social/kith/federation/httpsig"
)

const (
	asContext  = "https://www.w3.org/ns/activitystreams"
	secContext = "https://w3id.org/security/v1"
	ldJSON     = `application/ld+json; profile="https://www.w3.org/ns/activitystreams"`
)

// Profile is what an actor document shows about its owner.
type Profile struct {
	Name    string
	Summary string // HTML
	Icon    string // image URL
	Fields  []Field
}

// Field is a profile field, published as a PropertyValue attachment.
type Field struct{ Name, Value string }

// Actor is a remote user (or instance actor) on an Instance.
type Actor struct {
	inst      *Instance
	username  string
	actorType string
	path      string // actor document path; the id is inst.URL(path)
	urlPath   string // HTML profile path
	inbox     string
	outbox    string
	followers string // "" for Lemmy
	following string
	featured  string
	keyPath   string // GoToSocial: a separate key document; else ""
	published time.Time

	mu          sync.Mutex
	key         *rsa.PrivateKey
	profile     Profile
	deleted     bool
	alsoKnownAs []string
	movedTo     string
}

// NewActor creates a Person with a key from the Network's pool.
func (i *Instance) NewActor(username string) *Actor {
	i.net.t.Helper()
	a := i.newActor(username, "Person")
	i.mu.Lock()
	defer i.mu.Unlock()
	if _, dup := i.actors[strings.ToLower(username)]; dup {
		i.net.t.Fatalf("fedtest: %s: actor %q exists", i.host, username)
	}
	i.actors[strings.ToLower(username)] = a
	i.addRoutesLocked(a)
	return a
}

// InstanceActor is the instance's Application actor at /actor, created on
// first use. Instances sign their key fetches with it; its document and
// key are served without authorization.
func (i *Instance) InstanceActor() *Actor {
	i.mu.Lock()
	a := i.instanceActor
	i.mu.Unlock()
	if a != nil {
		return a
	}
	a = i.newActor(strings.Split(i.host, ":")[0], "Application")
	a.path, a.inbox, a.outbox = "/actor", "/actor/inbox", "/actor/outbox"
	a.followers, a.following, a.featured, a.urlPath = "", "", "", "/about"
	if a.keyPath != "" {
		a.keyPath = "/actor/main-key"
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.instanceActor != nil { // lost a race: keep the first
		return i.instanceActor
	}
	i.instanceActor = a
	i.addRoutesLocked(a)
	return a
}

func (i *Instance) newActor(username, typ string) *Actor {
	a := &Actor{inst: i, username: username, actorType: typ, key: i.net.rsaKey(), published: time.Now().UTC().Truncate(time.Second)}
	base := "/users/" + username
	switch i.flavor {
	case Lemmy:
		base = "/u/" + username
	case Misskey:
		base = fmt.Sprintf("/users/9%09x", i.seq.Add(1))
	}
	a.path, a.inbox, a.outbox = base, base+"/inbox", base+"/outbox"
	a.urlPath = "/@" + username
	if i.flavor != Lemmy {
		a.followers, a.following = base+"/followers", base+"/following"
	}
	switch i.flavor {
	case Mastodon, GoToSocial:
		a.featured = base + "/collections/featured"
	case Lemmy:
		a.urlPath = base
	}
	if i.flavor == GoToSocial {
		a.keyPath = base + "/main-key"
	}
	a.profile = Profile{
		Name:    strings.ToUpper(username[:1]) + username[1:],
		Summary: "<p>Hello, I am " + username + " on " + i.flavor.String() + ".</p>",
		Icon:    i.URL("/avatars/" + username + ".png"),
		Fields:  []Field{{Name: "Website", Value: `<a href="https://example.com/` + username + `" rel="me">example.com</a>`}},
	}
	return a
}

func (i *Instance) addRoutesLocked(a *Actor) {
	i.routes[a.path] = route{kind: routeActor, actor: a}
	i.routes[a.inbox] = route{kind: routeInbox, actor: a}
	for _, p := range []string{a.outbox, a.followers, a.following, a.featured} {
		if p != "" {
			i.routes[p] = route{kind: routeCollection, actor: a}
		}
	}
	if a.keyPath != "" {
		i.routes[a.keyPath] = route{kind: routeKeyStub, actor: a}
	}
}

// ID is the actor's IRI.
func (a *Actor) ID() string { return a.inst.URL(a.path) }

// Username is the preferredUsername.
func (a *Actor) Username() string { return a.username }

// Handle is "username@host" (host with its port, if any), without "@".
func (a *Actor) Handle() string { return a.username + "@" + a.inst.host }

// URL is the actor's HTML profile URL.
func (a *Actor) URL() string { return a.inst.URL(a.urlPath) }

// Inbox is the actor's personal inbox.
func (a *Actor) Inbox() string { return a.inst.URL(a.inbox) }

// Followers is the followers collection IRI ("" for Lemmy users).
func (a *Actor) Followers() string {
	if a.followers == "" {
		return ""
	}
	return a.inst.URL(a.followers)
}

// Instance is the instance the actor lives on.
func (a *Actor) Instance() *Instance { return a.inst }

// KeyID is the IRI of the actor's public key.
func (a *Actor) KeyID() string {
	if a.keyPath != "" {
		return a.inst.URL(a.keyPath)
	}
	return a.ID() + "#main-key"
}

// Key is the actor's current signing key.
func (a *Actor) Key() httpsig.Key {
	a.mu.Lock()
	defer a.mu.Unlock()
	return httpsig.Key{ID: a.KeyID(), Private: a.key}
}

// RotateKey replaces the actor's key with a freshly generated one (same
// keyId), as when an account's keys are regenerated.
func (a *Actor) RotateKey() {
	k := mustKey(a.inst.net.t)
	a.mu.Lock()
	defer a.mu.Unlock()
	a.key = k
}

// SetProfile replaces the profile shown in the actor document.
func (a *Actor) SetProfile(p Profile) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.profile = p
}

// DeleteAccount makes the actor's document answer 410 Gone and returns the
// Delete activity its server would send.
func (a *Actor) DeleteAccount() map[string]any {
	a.mu.Lock()
	a.deleted = true
	a.mu.Unlock()
	return map[string]any{
		"@context": asContext, "id": a.ID() + "#delete", "type": "Delete",
		"actor": a.ID(), "object": a.ID(), "to": []string{Public},
	}
}

func (a *Actor) isDeleted() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.deleted
}

func (a *Actor) publicKeyJSON() map[string]any {
	a.mu.Lock()
	pub := &a.key.PublicKey
	a.mu.Unlock()
	pem, err := httpsig.PublicKeyPEM(pub)
	if err != nil {
		panic(err) // an RSA key always marshals
	}
	return map[string]any{"id": a.KeyID(), "owner": a.ID(), "publicKeyPem": pem}
}

// document is the actor JSON as the flavor serves it.
func (a *Actor) document() map[string]any {
	a.mu.Lock()
	p, aka, movedTo := a.profile, a.alsoKnownAs, a.movedTo
	a.mu.Unlock()
	attachment := make([]any, 0, len(p.Fields))
	for _, f := range p.Fields {
		attachment = append(attachment, map[string]any{"type": "PropertyValue", "name": f.Name, "value": f.Value})
	}
	d := map[string]any{
		"@context": []any{asContext, secContext, map[string]any{
			"manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
			"toot":                      "http://joinmastodon.org/ns#",
			"schema":                    "http://schema.org#",
			"PropertyValue":             "schema:PropertyValue",
			"value":                     "schema:value",
			"discoverable":              "toot:discoverable",
			"alsoKnownAs":               map[string]any{"@id": "as:alsoKnownAs", "@type": "@id"},
			"movedTo":                   map[string]any{"@id": "as:movedTo", "@type": "@id"},
		}},
		"id":                        a.ID(),
		"type":                      a.actorType,
		"preferredUsername":         a.username,
		"name":                      p.Name,
		"summary":                   p.Summary,
		"url":                       a.URL(),
		"inbox":                     a.Inbox(),
		"outbox":                    a.inst.URL(a.outbox),
		"manuallyApprovesFollowers": false,
		"discoverable":              true,
		"published":                 a.inst.timestamp(a.published),
		"publicKey":                 a.publicKeyJSON(),
		"attachment":                attachment,
		"tag":                       []any{},
	}
	if p.Icon != "" {
		d["icon"] = map[string]any{"type": "Image", "mediaType": "image/png", "url": p.Icon}
	}
	if a.followers != "" {
		d["followers"] = a.Followers()
		d["following"] = a.inst.URL(a.following)
	}
	if a.featured != "" {
		d["featured"] = a.inst.URL(a.featured)
	}
	if len(aka) > 0 {
		d["alsoKnownAs"] = aka
	}
	if movedTo != "" {
		d["movedTo"] = movedTo
	}
	if s := a.inst.SharedInbox(); s != "" {
		d["endpoints"] = map[string]any{"sharedInbox": s}
	}
	return d
}

// PostOption changes how Post sends an activity, e.g. to break it on
// purpose.
type PostOption func(*postOptions)

type postOptions struct {
	at          time.Time
	unsigned    bool
	badSig      bool
	badDigest   bool
	key         *httpsig.Key
	contentType string
	fromIP      string
}

// SignedAt signs with this Date instead of now.
func SignedAt(t time.Time) PostOption { return func(o *postOptions) { o.at = t } }

// Unsigned sends no Signature header.
func Unsigned() PostOption { return func(o *postOptions) { o.unsigned = true } }

// BadSignature corrupts the signature value.
func BadSignature() PostOption { return func(o *postOptions) { o.badSig = true } }

// BadDigest sends a Digest header that does not match the body.
func BadDigest() PostOption { return func(o *postOptions) { o.badDigest = true } }

// SignedBy signs with another key (e.g. another actor's, to impersonate).
func SignedBy(k httpsig.Key) PostOption { return func(o *postOptions) { o.key = &k } }

// FromIP makes the POST come from ip, as a reverse proxy in front of the
// node would say (X-Real-IP; the fake network's peer is loopback, which the
// node trusts as a proxy by default).
func FromIP(ip string) PostOption { return func(o *postOptions) { o.fromIP = ip } }

// ContentType overrides the flavor's Content-Type.
func ContentType(ct string) PostOption { return func(o *postOptions) { o.contentType = ct } }

// Post signs activity with the actor's key, the way the flavor does, and
// POSTs it to inbox. The response body is already read and closed.
func (a *Actor) Post(ctx context.Context, inbox string, activity map[string]any, opts ...PostOption) (*http.Response, error) {
	o := postOptions{at: time.Now()}
	for _, f := range opts {
		f(&o)
	}
	body, err := json.Marshal(activity)
	if err != nil {
		return nil, fmt.Errorf("fedtest: marshal activity: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, inbox, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("fedtest: %w", err)
	}
	ct := o.contentType
	if ct == "" {
		ct = "application/activity+json"
		if a.inst.flavor == GoToSocial {
			ct = ldJSON
		}
	}
	req.Header.Set("Content-Type", ct)
	req.Header.Set("User-Agent", "fedtest-"+a.inst.flavor.String())
	if o.fromIP != "" {
		req.Header.Set("X-Real-IP", o.fromIP)
	}
	if !o.unsigned {
		key := a.Key()
		if o.key != nil {
			key = *o.key
		}
		if err := httpsig.SignWith(req, body, key, o.at, a.inst.signOptions(http.MethodPost)); err != nil {
			return nil, fmt.Errorf("fedtest: sign: %w", err)
		}
	}
	if s := req.Header.Get("Signature"); o.badSig && s != "" {
		// Change the first character of the signature value.
		at := strings.Index(s, `signature="`) + len(`signature="`)
		flip := byte('A')
		if s[at] == 'A' {
			flip = 'B'
		}
		req.Header.Set("Signature", s[:at]+string(flip)+s[at+1:])
	}
	if o.badDigest {
		req.Header.Set("Digest", "SHA-256=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=") // digest of ""
	}
	return do(a.inst.net.HTTPClient(), req)
}

// Fetch GETs iri signed by the actor, the way the flavor signs GETs. The
// response body is already read.
func (a *Actor) Fetch(ctx context.Context, iri string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, iri, nil)
	if err != nil {
		return nil, fmt.Errorf("fedtest: %w", err)
	}
	req.Header.Set("Accept", "application/activity+json, "+ldJSON)
	req.Header.Set("User-Agent", "fedtest-"+a.inst.flavor.String())
	if err := httpsig.SignWith(req, nil, a.Key(), time.Now(), a.inst.signOptions(http.MethodGet)); err != nil {
		return nil, fmt.Errorf("fedtest: sign: %w", err)
	}
	return do(a.inst.net.HTTPClient(), req)
}

// FetchJSON is Fetch of a JSON object; non-2xx answers are errors.
func (a *Actor) FetchJSON(ctx context.Context, iri string) (map[string]any, error) {
	resp, err := a.Fetch(ctx, iri)
	if err != nil {
		return nil, err
	}
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("fedtest: GET %s: HTTP %d: %.200s", iri, resp.StatusCode, b)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("fedtest: GET %s: %w", iri, err)
	}
	return m, nil
}

// Send fetches the target actor and posts activity to its shared inbox
// (Mastodon, Lemmy) or personal inbox (GoToSocial, Misskey).
func (a *Actor) Send(ctx context.Context, target string, activity map[string]any, opts ...PostOption) (*http.Response, error) {
	doc, err := a.FetchJSON(ctx, target)
	if err != nil {
		return nil, err
	}
	inbox := str(doc["inbox"])
	if ep, ok := doc["endpoints"].(map[string]any); ok && a.inst.SharedInbox() != "" {
		if s := str(ep["sharedInbox"]); s != "" {
			inbox = s
		}
	}
	if inbox == "" {
		return nil, fmt.Errorf("fedtest: %s has no inbox", target)
	}
	return a.Post(ctx, inbox, activity, opts...)
}

// signOptions imitates each software's choice of signed headers.
func (i *Instance) signOptions(method string) httpsig.Options {
	post := method == http.MethodPost
	switch i.flavor {
	case Lemmy:
		if post {
			return httpsig.Options{Algorithm: "hs2019", Headers: []string{"(request-target)", "content-type", "date", "digest", "host"}}
		}
		return httpsig.Options{Algorithm: "hs2019", Headers: []string{"(request-target)", "accept", "date", "host"}}
	case GoToSocial:
		if post {
			return httpsig.Options{Algorithm: "hs2019", Headers: []string{"(request-target)", "host", "date", "digest"}}
		}
		return httpsig.Options{Algorithm: "hs2019", Headers: []string{"(request-target)", "host", "date"}}
	case Misskey:
		if post {
			return httpsig.Options{Headers: []string{"(request-target)", "date", "host", "digest"}}
		}
		return httpsig.Options{Headers: []string{"(request-target)", "date", "host", "accept"}}
	default:
		if post {
			return httpsig.Options{Headers: []string{"(request-target)", "host", "date", "digest", "content-type"}}
		}
		return httpsig.Options{Headers: []string{"(request-target)", "host", "date", "accept"}}
	}
}

// do sends req and buffers the response body so callers need not close it.
func do(c *http.Client, req *http.Request) (*http.Response, error) {
	resp, err := c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fedtest: %s %s: %w", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return nil, fmt.Errorf("fedtest: %s %s: read body: %w", req.Method, req.URL, err)
	}
	resp.Body = io.NopCloser(bytes.NewReader(b))
	return resp, nil
}

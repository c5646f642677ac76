package actors

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/kith-social/kith/federation/content"
	"github.com/kith-social/kith/federation/httpsig"
	"github.com/kith-social/kith/federation/keys"
	"github.com/kith-social/kith/federation/node"
	"github.com/kith-social/kith/federation/transport"
	"github.com/kith-social/kith/federation/vocab"
	"github.com/kith-social/kith/storage"
)

// actorTTL is how long a cached remote actor is used before it is fetched
// again (profile changes reach members' pages within a day; keys are
// refetched at once when a signature does not verify).
const actorTTL = 24 * time.Hour

// keyRefetchInterval bounds how often a failing signature makes the node
// fetch the signer's key again.
const keyRefetchInterval = time.Minute

// ErrActorGone means the actor's server answered 410 or sent Delete.
var ErrActorGone = errors.New("actor is gone")

// Actor returns the remote actor with this IRI, from the cache while it
// is fresh, else fetched (signed by the instance actor).
func (e *Actors) Actor(ctx context.Context, id string, refresh bool) (*storage.RemoteActor, error) {
	if e.IRI.Owns(id) {
		return nil, fmt.Errorf("actor %s is local, not remote", id)
	}
	cached, err := e.Stored(ctx, id)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return nil, err
	}
	if cached != nil && !cached.GoneAt.IsZero() && !refresh {
		return nil, fmt.Errorf("actor %s: %w", id, ErrActorGone)
	}
	if cached != nil && !refresh && e.Now().Sub(cached.FetchedAt) < actorTTL {
		return cached, nil
	}
	a, err := e.fetchActor(ctx, id)
	if err != nil {
		if errors.Is(err, transport.ErrGone) && cached != nil {
			// The account was deleted: it leaves every group, with its posts.
			if rerr := e.gone(ctx, cached); rerr != nil {
				return nil, rerr
			}
			return nil, fmt.Errorf("actor %s: %w", id, ErrActorGone)
		}
		if cached != nil && !refresh {
			// The server is down: a stale copy is better than nothing.
			e.Log.WarnContext(ctx, "refresh of remote actor failed; using cached copy", "actor", id, "err", err)
			return cached, nil
		}
		return nil, err
	}
	return a, nil
}

// fetchActor GETs an actor document, checks that it is what it claims to
// be (its id is on the host we fetched from) and stores it.
func (e *Actors) fetchActor(ctx context.Context, id string) (*storage.RemoteActor, error) {
	body, err := e.Client.Get(ctx, stripFragment(id), &e.InstanceKey)
	if err != nil {
		return nil, fmt.Errorf("fetch actor %s: %w", id, err)
	}
	va, err := vocab.ParseActor(ctx, body)
	if err != nil {
		return nil, fmt.Errorf("actor %s: %w", id, err)
	}
	if node.HostOf(va.ID) != node.HostOf(id) {
		return nil, fmt.Errorf("actor %s: document claims id %s on another host", id, va.ID)
	}
	if va.Inbox == "" {
		return nil, fmt.Errorf("actor %s has no inbox", id)
	}
	if err := e.checkActorKey(ctx, va); err != nil { // keyowner.go
		return nil, err
	}
	return e.storeActor(ctx, va)
}

// storeActor converts a parsed actor into the cached model and saves it.
func (e *Actors) storeActor(ctx context.Context, va *vocab.Actor) (*storage.RemoteActor, error) {
	defer e.inboxesChanged()
	type field struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	}
	fields := make([]field, 0, len(va.Fields))
	for _, f := range va.Fields {
		fields = append(fields, field{Name: content.PlainText(f.Name), Value: e.HTML.Sanitize(f.Value)})
	}
	fj, _ := json.Marshal(fields)
	a := &storage.RemoteActor{
		IRI: va.ID, Type: va.Type, Username: va.PreferredUsername, Host: node.HostOf(va.ID),
		Name: va.Name, SummaryHTML: e.HTML.Sanitize(va.Summary), URL: va.URL, IconURL: va.IconURL,
		Inbox: va.Inbox, SharedInbox: va.SharedInbox, Followers: va.Followers,
		PublicKeyID: va.PublicKeyID, PublicKeyPEM: va.PublicKeyPEM,
		FieldsJSON: string(fj), Raw: string(va.Raw), FetchedAt: e.Now().UTC(), PublishedAt: va.Published,
	}
	// In a transaction: a key id another row named moves to this actor
	// (its claim was checked, keyowner.go).
	// Other processes forget their copies (and the member inboxes) when it commits.
	if err := e.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := storage.UpsertRemoteActor(ctx, tx, e.Now(), a); err != nil {
			return err
		}
		return storage.Notify(ctx, tx, storage.Invalidation{What: storage.InvalidateActor, IRI: a.IRI, KeyID: a.PublicKeyID})
	}); err != nil {
		return nil, &StorageError{err}
	}
	e.keys.Remove(a.PublicKeyID) // it may have changed: read it again
	e.actors.Remove(a.IRI)
	e.serverSeen(ctx, a.Host)
	return a, nil
}

// ResolveKey finds the public key for a keyId, for httpsig.Verify: the
// cached actor's key, or (refresh, or unknown key) the key fetched again.
func (e *Actors) ResolveKey(ctx context.Context, keyID string, refresh bool) (httpsig.PublicKey, error) {
	if e.IRI.Owns(keyID) {
		return e.localKey(ctx, keyID)
	}
	if !refresh {
		if k, ok := e.keys.Get(keyID); ok {
			return k, nil
		}
	}
	if a, err := storage.RemoteActorByKeyID(ctx, e.Reads, keyID); err == nil && a.PublicKeyPEM != "" {
		// A key fetched in the last minute is not fetched again even when a
		// signature fails: a flood of badly signed requests must not make
		// the node hammer the actor's server (one refetch per minute per
		// actor at most; real key rotations are rare).
		if !refresh || e.Now().Sub(a.FetchedAt) < keyRefetchInterval {
			return e.cacheKey(a)
		}
	}
	// The keyId is usually the actor's IRI with #main-key; some servers
	// (Misskey, GoToSocial) use a separate key document naming its owner.
	// A #fragment key belongs to the IRI before '#', whoever claims it
	// (keyowner.go).
	var owner string
	if strings.Contains(keyID, "#") {
		owner = stripFragment(keyID)
	} else if a, err := storage.RemoteActorByKeyID(ctx, e.Reads, keyID); err == nil {
		owner = a.IRI
	} else if owner, err = e.keyOwner(ctx, keyID); err != nil {
		return httpsig.PublicKey{}, fmt.Errorf("key %s: %w", keyID, err)
	}
	a, err := e.Actor(ctx, owner, true)
	if err != nil {
		return httpsig.PublicKey{}, fmt.Errorf("key %s: %w", keyID, err)
	}
	if a.PublicKeyID != keyID {
		return httpsig.PublicKey{}, fmt.Errorf("key %s: actor %s publishes key %s instead", keyID, a.IRI, a.PublicKeyID)
	}
	return e.cacheKey(a)
}

// cacheKey parses an actor's key and keeps it for the next requests.
func (e *Actors) cacheKey(a *storage.RemoteActor) (httpsig.PublicKey, error) {
	k, err := publicKeyOf(a)
	if err != nil {
		return k, err
	}
	e.keys.Add(k.ID, k)
	return k, nil
}

// keyOwner fetches a key document that is not an actor and returns its owner.
func (e *Actors) keyOwner(ctx context.Context, keyID string) (string, error) {
	return e.keyDocumentOwner(ctx, keyID) // keyowner.go
}

func publicKeyOf(a *storage.RemoteActor) (httpsig.PublicKey, error) {
	k, err := keys.ParsePublic(a.PublicKeyPEM)
	if err != nil {
		return httpsig.PublicKey{}, fmt.Errorf("key of %s: %w", a.IRI, err)
	}
	return httpsig.PublicKey{ID: a.PublicKeyID, Owner: a.IRI, Key: k}, nil
}

// localKey answers for the node's own keys (a group or the instance actor
// signing a request that reaches this node, e.g. in tests or via relays).
func (e *Actors) localKey(ctx context.Context, keyID string) (httpsig.PublicKey, error) {
	if keyID == e.IRI.InstanceKey() {
		return httpsig.PublicKey{ID: keyID, Owner: e.IRI.InstanceActor(), Key: &e.InstanceKey.Private.PublicKey}, nil
	}
	if name := e.IRI.GroupName(keyID); name != "" && keyID == e.IRI.GroupKey(name) {
		g, err := storage.GroupByName(ctx, e.Reads, name)
		if err != nil {
			return httpsig.PublicKey{}, err
		}
		k, err := keys.ParsePublic(g.PublicKeyPEM)
		if err != nil {
			return httpsig.PublicKey{}, err
		}
		return httpsig.PublicKey{ID: keyID, Owner: e.IRI.Group(name), Key: k}, nil
	}
	return httpsig.PublicKey{}, fmt.Errorf("unknown local key %s", keyID)
}

func stripFragment(iri string) string {
	u, err := url.Parse(iri)
	if err != nil {
		return iri
	}
	u.Fragment = ""
	u.RawFragment = ""
	return u.String()
}

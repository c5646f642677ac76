package actors

// Who owns a key: a defence against key-id takeover.
//
// An actor document names its key's id, and anyone can write any id
// there: an actor on evil.test could name masto.test/users/dave#main-key
// as its own key. Stored as it came, the claim made the node pick the
// wrong owner for that key id, and dave's genuine signatures failed (401)
// from then on. So a key id is accepted for an actor only when
//
//   - the key id is on the actor's host, and
//   - the key's owner is that actor: for a key id with a #fragment the
//     owner is the IRI before '#' (Mastodon, Misskey, Pleroma…), read from
//     the id itself; for one without (GoToSocial's /users/x/main-key, or a
//     separate key document) the key document is fetched and must name
//     the actor as its owner.
//
// A key id then belongs to one actor (a unique index on
// remote_actors.public_key_id): the actor whose claim was checked takes
// it, and any other row that named it loses it (storage.UpsertRemoteActor).

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/kith-social/kith/federation/node"
	"github.com/kith-social/kith/federation/vocab"
	"github.com/kith-social/kith/storage"
)

// ErrKeyNotOwned is an actor document naming a key that is not its own.
var ErrKeyNotOwned = errors.New("key not owned by the actor")

// checkActorKey accepts va's key only if it belongs to va (see above).
// An actor without a key passes: it cannot sign anything.
func (e *Actors) checkActorKey(ctx context.Context, va *vocab.Actor) error {
	keyID := va.PublicKeyID
	if keyID == "" {
		return nil
	}
	if !sameHost(keyID, va.ID) {
		return fmt.Errorf("actor %s names key %s on another host: %w", va.ID, keyID, ErrKeyNotOwned)
	}
	if strings.Contains(keyID, "#") {
		if owner := stripFragment(keyID); owner != va.ID {
			return fmt.Errorf("actor %s names key %s, which belongs to %s: %w", va.ID, keyID, owner, ErrKeyNotOwned)
		}
		return nil
	}
	// No fragment: the key document says who owns it. A key this actor's
	// row already holds was checked when it was stored.
	if a, err := storage.RemoteActorByKeyID(ctx, e.DB, keyID); err == nil && a.IRI == va.ID {
		return nil
	}
	owner, err := e.keyDocumentOwner(ctx, keyID)
	if err != nil {
		return fmt.Errorf("actor %s names key %s: %w", va.ID, keyID, err)
	}
	if owner != va.ID {
		return fmt.Errorf("actor %s names key %s, whose document says it belongs to %s: %w", va.ID, keyID, owner, ErrKeyNotOwned)
	}
	return nil
}

// keyDocumentOwner fetches a key id without a fragment and returns the
// key's owner, on the key's host. Two shapes are known: a key document
// ({"id": keyID, "owner": actor, "publicKeyPem": …}) and GoToSocial's
// stub actor ({"id": actor, "publicKey": {"id": keyID, "owner": actor}}).
func (e *Actors) keyDocumentOwner(ctx context.Context, keyID string) (string, error) {
	body, err := e.Client.Get(ctx, keyID, &e.InstanceKey)
	if err != nil {
		return "", fmt.Errorf("fetch key document %s: %w", keyID, err)
	}
	owner, err := keyOwnerOf(body, keyID)
	if err != nil {
		return "", fmt.Errorf("key document %s: %w", keyID, err)
	}
	if !sameHost(owner, keyID) {
		return "", fmt.Errorf("key document %s names an owner on another host (%s): %w", keyID, owner, ErrKeyNotOwned)
	}
	return owner, nil
}

// keyOwnerOf reads the owner of key keyID from a fetched document.
func keyOwnerOf(body []byte, keyID string) (string, error) {
	var doc struct {
		ID        string          `json:"id"`
		Owner     string          `json:"owner"`
		PublicKey json.RawMessage `json:"publicKey"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return "", fmt.Errorf("not JSON: %w", err)
	}
	if doc.ID == keyID && doc.Owner != "" {
		return doc.Owner, nil // a key document
	}
	type key struct {
		ID    string `json:"id"`
		Owner string `json:"owner"`
	}
	var ks []key
	var one key
	if err := json.Unmarshal(doc.PublicKey, &one); err == nil && one.ID != "" {
		ks = append(ks, one)
	} else {
		_ = json.Unmarshal(doc.PublicKey, &ks) // a list of keys, or nothing usable
	}
	for _, k := range ks {
		if k.ID != keyID {
			continue
		}
		if doc.ID == "" || (k.Owner != "" && k.Owner != doc.ID) {
			return "", fmt.Errorf("the document %q holds the key for %q: %w", doc.ID, k.Owner, ErrKeyNotOwned)
		}
		return doc.ID, nil // an actor (or stub) holding its own key
	}
	return "", errors.New("it names no owner of the key")
}

// sameHost tells whether two IRIs are on one host (host names compare
// without case; ports must match).
func sameHost(a, b string) bool {
	ha, hb := node.HostOf(a), node.HostOf(b)
	return ha != "" && strings.EqualFold(ha, hb)
}

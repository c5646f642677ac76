package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/kith-social/kith/federation/fedtest"
	"github.com/kith-social/kith/federation/httpsig"
	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/web/webtest"
)

// An actor document that names someone else's key id as its own must not
// take the key over: the real owner's signed activities are still
// accepted. Each case makes the node fetch an attacker's
// document that claims dave's key id, before or after the node knows dave.
func TestKeyIDTakeover(t *testing.T) {
	cases := []struct {
		name         string
		daveFlavor   fedtest.Flavor
		attackerHost string // "" = dave's own server
		daveFirst    bool   // the node knows dave before the claim
	}{
		{name: "another server claims a fragment key id", daveFlavor: fedtest.Mastodon, attackerHost: "evil.test"},
		{name: "same server claims a fragment key id", daveFlavor: fedtest.Mastodon, daveFirst: true},
		{name: "another server claims a known fragment key id", daveFlavor: fedtest.Mastodon, attackerHost: "evil.test", daveFirst: true},
		{name: "same server claims a key document", daveFlavor: fedtest.GoToSocial},
		{name: "same server claims a known key document", daveFlavor: fedtest.GoToSocial, daveFirst: true},
	}
	t.Parallel()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			webtest.Each(t, func(t *testing.T, s *webtest.Scenario) {
				ctx := context.Background()
				n, group := s.Node, s.GroupIRI
				home := n.Net.NewInstance("dave.test", tc.daveFlavor)
				dave := home.NewActor("dave")
				attackerHome := home
				if tc.attackerHost != "" {
					attackerHome = n.Net.NewInstance(tc.attackerHost, fedtest.Mastodon)
				}
				mallory := attackerHome.NewActor("mallory") // sends the attacker's requests

				if tc.daveFirst {
					f := dave.Follow(group)
					send(t, dave, group, f)
					if p := n.WaitProcessed(t, id(f)); p.Err != nil || p.Dropped != "" {
						t.Fatalf("dave's first follow: %+v", p)
					}
				}

				// eve's document claims dave's key id, with mallory's key.
				eve := attackerHome.URL("/users/eve")
				pem, err := httpsig.PublicKeyPEM(&mallory.Key().Private.PublicKey)
				if err != nil {
					t.Fatal(err)
				}
				doc, _ := json.Marshal(map[string]any{
					"@context": []any{"https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"},
					"id":       eve, "type": "Person", "preferredUsername": "eve", "inbox": eve + "/inbox",
					"publicKey": map[string]any{"id": dave.KeyID(), "owner": eve, "publicKeyPem": pem},
				})
				attackerHome.Serve("/users/eve", doc)
				// The node fetches eve's document when eve signs a request
				// (with a key id of eve's own, so that it looks eve up).
				follow := mallory.Follow(group)
				follow["actor"] = eve
				resp, err := mallory.Post(ctx, n.URL("/inbox"), follow, fedtest.SignedBy(httpsig.Key{ID: eve + "#main-key", Private: mallory.Key().Private}))
				if err != nil {
					t.Fatal(err)
				}
				if resp.StatusCode != http.StatusUnauthorized {
					t.Errorf("eve's follow: status %d, want 401", resp.StatusCode)
				}
				if a, err := storage.RemoteActorByIRI(ctx, n.DB, eve); err == nil && a.PublicKeyID != "" {
					t.Errorf("eve stored with key %q", a.PublicKeyID)
				}

				// dave's genuine activities are accepted.
				f := dave.Follow(group)
				send(t, dave, group, f)
				if p := n.WaitProcessed(t, id(f)); p.Err != nil || p.Dropped != "" {
					t.Fatalf("dave's follow: %+v", p)
				}
				owner, err := storage.RemoteActorByKeyID(ctx, n.DB, dave.KeyID())
				if err != nil || owner.IRI != dave.ID() {
					t.Errorf("key %s belongs to %+v, %v; want dave", dave.KeyID(), owner, err)
				}
			})
		})
	}
}

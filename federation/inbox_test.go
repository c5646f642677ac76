package federation_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/kith-social/kith/federation/fedtest"
	"github.com/kith-social/kith/storage/storagetest"
	"github.com/kith-social/kith/web/webtest"
)

// A flood of badly signed requests in an actor's name makes the node
// refetch that actor's key at most once a minute, not once per request.
func TestBadSignatureFloodRefetchesKeyOnce(t *testing.T) {
	n := webtest.Start(t, storagetest.Backends()[0], webtest.Options{})
	g := n.CreateGroup(t, "g", nil)
	group := n.GroupIRI(g.Name)
	masto := n.Net.NewInstance("mastodon.test", fedtest.Mastodon)
	alice := masto.NewActor("alice")
	follow(t, n, alice, group)
	fetches := func() int {
		c := 0
		for _, f := range masto.Fetches() {
			if f.Path == "/users/alice" {
				c++
			}
		}
		return c
	}
	before := fetches()
	for i := 0; i < 10; i++ {
		resp, err := alice.Post(context.Background(), n.URL("/inbox"), alice.Like(group), fedtest.BadSignature())
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("bad signature: %d", resp.StatusCode)
		}
	}
	if got := fetches() - before; got > 0 {
		t.Errorf("10 bad signatures right after a fetch caused %d refetches, want 0", got)
	}
}

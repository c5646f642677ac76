package node

import (
	"testing"

	"github.com/kith-social/kith/federation/iri"
	"github.com/kith-social/kith/federation/keys"
	"github.com/kith-social/kith/storage"
)

// TestGroupKeyParsesOnce: a group's key is parsed once and reused, and
// parsed again when the group's PEM changes (a rotated key).
func TestGroupKeyParsesOnce(t *testing.T) {
	n := &Node{IRI: iri.Builder{}}
	pemA, _, err := keys.Generate()
	if err != nil {
		t.Fatal(err)
	}
	pemB, _, err := keys.Generate()
	if err != nil {
		t.Fatal(err)
	}
	g := &storage.Group{ID: "g1", Name: "g", PrivateKeyPEM: pemA}
	k1, err := n.GroupKey(g)
	if err != nil {
		t.Fatal(err)
	}
	k2, err := n.GroupKey(g)
	if err != nil {
		t.Fatal(err)
	}
	if k1.Private != k2.Private {
		t.Error("the key was parsed again: want the cached one")
	}
	g.PrivateKeyPEM = pemB
	k3, err := n.GroupKey(g)
	if err != nil {
		t.Fatal(err)
	}
	if k3.Private == k1.Private || k3.Private.N.Cmp(k1.Private.N) == 0 {
		t.Error("a changed PEM returned the old key")
	}
	want, err := keys.ParsePrivate(pemB)
	if err != nil {
		t.Fatal(err)
	}
	if !k3.Private.Equal(want) {
		t.Error("the new key is not the new PEM's")
	}
}

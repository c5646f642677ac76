package federation

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/kith-social/kith/federation/iri"
	"github.com/kith-social/kith/federation/node"
)

// FuzzWebFingerResource checks that any resource string is read without a
// panic, and that what is accepted names this node.
func FuzzWebFingerResource(f *testing.F) {
	for _, s := range []string{
		"acct:gardeners@kith.example", "acct:@gardeners@kith.example", "acct%3Agardeners%40kith.example",
		"acct:gardeners@other.example", "https://kith.example/groups/gardeners", "https://kith.example/",
		"https://kith.example/actor", "acct:", "acct:@", "%", "%%41", "acct:a@kith.example:443", "",
	} {
		f.Add(s)
	}
	e := &Engine{Node: &node.Node{IRI: iri.New("https", "kith.example")}}
	f.Fuzz(func(t *testing.T, resource string) {
		name, ok := e.webFingerName(resource)
		if !ok {
			return
		}
		if name == "" {
			t.Fatalf("accepted %q with an empty name", resource)
		}
		if name != "kith.example" && strings.ContainsAny(name, "@/") && utf8.ValidString(name) {
			// A name with @ or / can never be a group; storage will not find it,
			// but it must not come from a resource for another domain.
			if !strings.Contains(strings.ToLower(resource), "kith.example") {
				t.Fatalf("%q accepted as %q for another domain", resource, name)
			}
		}
	})
}

package keys

import "testing"

// BenchmarkParsePrivate is what parsing a group's PEM key costs; a
// delivery job paid it once per POST before keys were cached.
func BenchmarkParsePrivate(b *testing.B) {
	priv, _, err := Generate()
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := ParsePrivate(priv); err != nil {
			b.Fatal(err)
		}
	}
}

package public

import (
	"strings"
	"testing"
)

// FuzzParseHandle checks the remote-follow form's handle parser: any
// input is refused or split into a user and a host that can be asked.
func FuzzParseHandle(f *testing.F) {
	for _, s := range []string{"alice@mastodon.social", "@bob@gts.test:8080", "acct:c@d.e", "https://m.example/@a", "x", "@", "a@b", "a b@c.d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, handle string) {
		user, host, err := parseHandle(handle)
		if err != nil {
			return
		}
		if user == "" || host == "" || strings.ContainsAny(host, "/?#@ ") {
			t.Fatalf("parseHandle(%q) = %q, %q", handle, user, host)
		}
	})
}

package iri_test

import (
	"net/url"
	"testing"

	"github.com/kith-social/kith/federation/iri"
)

func TestBuilder(t *testing.T) {
	b := iri.New("https", "kith.example")
	if got := b.Group("gardeners"); got != "https://kith.example/groups/gardeners" {
		t.Errorf("Group = %s", got)
	}
	if got := b.Acct("gardeners"); got != "acct:gardeners@kith.example" {
		t.Errorf("Acct = %s", got)
	}
	for _, tc := range []struct {
		iri      string
		owns     bool
		group    string
		isGroup  bool
		postID   string
		follower bool
	}{
		{"https://kith.example/groups/g", true, "g", true, "", false},
		{"https://kith.example/groups/g#main-key", true, "g", false, "", false},
		{"https://kith.example/groups/g/followers", true, "g", false, "", true},
		{"https://kith.example/groups/g/posts/123", true, "g", false, "123", false},
		{"https://kith.example/groups/g/posts/123/x", true, "g", false, "", false},
		{"https://kith.example/actor", true, "", false, "", false},
		{"http://kith.example/groups/g", false, "", false, "", false},
		{"https://kith.example:8443/groups/g", false, "", false, "", false},
		{"https://evil.example/groups/g", false, "", false, "", false},
		{"::not a url", false, "", false, "", false},
	} {
		if got := b.Owns(tc.iri); got != tc.owns {
			t.Errorf("Owns(%s) = %v", tc.iri, got)
		}
		if got := b.GroupName(tc.iri); got != tc.group {
			t.Errorf("GroupName(%s) = %q", tc.iri, got)
		}
		if _, ok := b.IsGroup(tc.iri); ok != tc.isGroup {
			t.Errorf("IsGroup(%s) = %v", tc.iri, ok)
		}
		if _, id := b.PostID(tc.iri); id != tc.postID {
			t.Errorf("PostID(%s) = %q", tc.iri, id)
		}
		if _, ok := b.IsGroupFollowers(tc.iri); ok != tc.follower {
			t.Errorf("IsGroupFollowers(%s) = %v", tc.iri, ok)
		}
	}
	withPort := iri.New("http", "localhost:8080")
	if !withPort.Owns("http://localhost:8080/groups/g") || withPort.Acct("g") != "acct:g@localhost:8080" {
		t.Error("host with port")
	}
}

// Owns answers as parsing the IRI does, for the IRIs its shortcut skips
// and for tricky ones it does not.
func TestOwnsAsParsed(t *testing.T) {
	b := iri.New("https", "kith.example")
	parsed := func(s string) bool {
		u, err := url.Parse(s)
		return err == nil && u.Host == "kith.example" && u.Scheme == "https"
	}
	for _, s := range []string{
		"https://kith.example", "https://kith.example/", "https://kith.example?x", "HTTPS://kith.example/x",
		"https://alice@kith.example/x", "https://kith.example.evil/x", "https://evil.example/kith.example",
		"https://kith%2Eexample/x", "https://kith.ex%61mple/x", "https://KITH.example/x", "https://mastodon.example/inbox",
		"https://[::1]/inbox", "", "kith.example", "//kith.example/x",
	} {
		if got, want := b.Owns(s), parsed(s); got != want {
			t.Errorf("Owns(%q) = %v, parsing says %v", s, got, want)
		}
	}
}

func BenchmarkOwnsRemote(b *testing.B) {
	bu := iri.New("https", "kith.example")
	for b.Loop() {
		bu.Owns("https://mastodon.example/users/alice/inbox")
	}
}

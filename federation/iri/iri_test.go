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

// Every kind of IRI the node mints, spelled out.
func TestBuilderMints(t *testing.T) {
	b := iri.New("https", "kith.example")
	const g = "https://kith.example/groups/gardeners"
	for _, tc := range []struct{ name, got, want string }{
		{"Home", b.Home(), "https://kith.example/"},
		{"InstanceActor", b.InstanceActor(), "https://kith.example/actor"},
		{"InstanceKey", b.InstanceKey(), "https://kith.example/actor#main-key"},
		{"InstanceOutbox", b.InstanceOutbox(), "https://kith.example/actor/outbox"},
		{"SharedInbox", b.SharedInbox(), "https://kith.example/inbox"},
		{"NodeInfo", b.NodeInfo("2.1"), "https://kith.example/nodeinfo/2.1"},
		{"WebFingerTemplate", b.WebFingerTemplate(), "https://kith.example/.well-known/webfinger?resource={uri}"},
		{"Media", b.Media("groups/1/a.png"), "https://kith.example/media/groups/1/a.png"},
		{"Media root", b.Media(""), "https://kith.example/media/"},
		{"Media cannot climb out", b.Media("../../etc/passwd"), "https://kith.example/media/etc/passwd"},
		{"Group", b.Group("gardeners"), g},
		{"GroupKey", b.GroupKey("gardeners"), g + "#main-key"},
		{"GroupInbox", b.GroupInbox("gardeners"), g + "/inbox"},
		{"GroupOutbox", b.GroupOutbox("gardeners"), g + "/outbox"},
		{"GroupFollowers", b.GroupFollowers("gardeners"), g + "/followers"},
		{"GroupFollowing", b.GroupFollowing("gardeners"), g + "/following"},
		{"GroupFeatured", b.GroupFeatured("gardeners"), g + "/featured"},
		{"GroupModerators", b.GroupModerators("gardeners"), g + "/moderators"},
		{"GroupCollection", b.GroupCollection("gardeners", "outbox"), g + "/outbox"},
		{"CollectionPage first", b.CollectionPage(g+"/outbox", ""), g + "/outbox?page=true"},
		{"CollectionPage before", b.CollectionPage(g+"/outbox", "a b&c"), g + "/outbox?page=true&before=a+b%26c"},
		{"Post", b.Post("gardeners", "p1"), g + "/posts/p1"},
		{"PostActivity", b.PostActivity("gardeners", "p1"), g + "/posts/p1/activity"},
		{"Activity", b.Activity("gardeners", "a1"), g + "/activities/a1"},
		{"ActivityNote", b.ActivityNote("gardeners", "a1"), g + "/activities/a1/note"},
		{"Announce", b.Announce("gardeners", "p1"), g + "/activities/announce-p1"},
		{"AnnounceActivity", b.AnnounceActivity("gardeners", "p1", "Update"), g + "/activities/announce-update-p1"},
		{"Undo of a boost", b.Undo(b.Announce("gardeners", "p1")), g + "/activities/announce-p1/undo"},
		{"Undo of a block", b.Undo(b.Activity("gardeners", "b1")), g + "/activities/b1/undo"},
	} {
		if tc.got != tc.want {
			t.Errorf("%s = %s, want %s", tc.name, tc.got, tc.want)
		}
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

package federation_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/kith-social/kith/federation"
	"github.com/kith-social/kith/federation/fedtest"
	"github.com/kith-social/kith/storage/storagetest"
	"github.com/kith-social/kith/web/webtest"
)

func TestParseHandle(t *testing.T) {
	for _, tc := range []struct {
		in, user, host string
		ok             bool
	}{
		{"alice@mastodon.social", "alice", "mastodon.social", true},
		{"@Alice@Mastodon.Social", "Alice", "mastodon.social", true},
		{"bob@gts.test:8080", "bob", "gts.test:8080", true},
		{"acct:carol@lemmy.ml", "carol", "lemmy.ml", true},
		{"alice", "", "", false},
		{"@alice@", "", "", false},
		{"alice@localhost/x", "", "", false},
		{"a b@c.d", "", "", false},
		{"alice@nodot", "", "", false},
	} {
		user, host, err := federation.ParseHandle(tc.in)
		if (err == nil) != tc.ok || user != tc.user || host != tc.host {
			t.Errorf("ParseHandle(%q) = %q, %q, %v", tc.in, user, host, err)
		}
		if err != nil && !errors.Is(err, federation.ErrBadHandle) {
			t.Errorf("ParseHandle(%q): error %v is not ErrBadHandle", tc.in, err)
		}
	}
}

func TestRemoteFollowURL(t *testing.T) {
	b := storagetest.Backends()[0]
	n := webtest.Start(t, b, webtest.Options{})
	n.CreateGroup(t, "g", nil)
	masto := n.Net.NewInstance("mastodon.test", fedtest.Mastodon)
	masto.NewActor("alice")
	got, err := n.Fed.RemoteFollowURL(context.Background(), "@alice@mastodon.test", "g")
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(got)
	if err != nil || u.Host != "mastodon.test" || !strings.Contains(got, url.QueryEscape("g@kith.test")) {
		t.Errorf("remote follow URL = %s", got)
	}
	lemmy := n.Net.NewInstance("lemmy.test", fedtest.Lemmy)
	lemmy.NewActor("carol")
	if _, err := n.Fed.RemoteFollowURL(context.Background(), "carol@lemmy.test", "g"); !errors.Is(err, federation.ErrNoSubscribe) {
		t.Errorf("Lemmy (no subscribe template): %v, want ErrNoSubscribe", err)
	}
	if _, err := n.Fed.RemoteFollowURL(context.Background(), "nobody@unknown.test", "g"); err == nil {
		t.Error("unknown server accepted")
	}
	if _, err := n.Fed.RemoteFollowURL(context.Background(), "alice@mastodon.test", "missing"); err == nil {
		t.Error("unknown group accepted")
	}
}

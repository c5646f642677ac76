package web_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/kith-social/kith/federation/community"
	"github.com/kith-social/kith/federation/fedtest"
	"github.com/kith-social/kith/storage/storagetest"
	"github.com/kith-social/kith/web/webtest"
)

// Who may fetch a members-only post (issue 16, item 8): a member, and the
// instance actor of a server where the group has a member; not another
// user of that server, not another server's instance actor, and not an
// unsigned request.
func TestMembersOnlyReaders(t *testing.T) {
	for _, b := range storagetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			n := webtest.Start(t, b, webtest.Options{})
			g := n.CreateGroup(t, "gardeners", nil)
			group := n.GroupIRI(g.Name)
			masto := n.Net.NewInstance("masto.test", fedtest.Mastodon)
			other := n.Net.NewInstance("other.test", fedtest.Mastodon)
			alice := masto.NewActor("alice")
			f := alice.Follow(group)
			send(t, alice, group, f)
			n.WaitProcessed(t, id(f))
			secret, err := n.Fed.Community.Posting.PublishPost(ctx, g.Name, community.PostInput{Markdown: "members only", MembersOnly: true}, community.Staff{Name: "ada"})
			if err != nil {
				t.Fatal(err)
			}
			cases := []struct {
				name   string
				reader *fedtest.Actor // nil: unsigned
				want   int
			}{
				{"member", alice, http.StatusOK},
				{"non-member user on a member's server", masto.NewActor("bob"), http.StatusNotFound},
				{"instance actor of a member's server", masto.InstanceActor(), http.StatusOK},
				{"instance actor of a server without members", other.InstanceActor(), http.StatusNotFound},
				{"user of a server without members", other.NewActor("carol"), http.StatusNotFound},
				{"unsigned", nil, http.StatusNotFound},
			}
			for _, c := range cases {
				var status int
				if c.reader == nil {
					req, _ := http.NewRequestWithContext(ctx, http.MethodGet, secret.IRI, nil)
					req.Header.Set("Accept", "application/activity+json")
					resp, err := n.Net.HTTPClient().Do(req)
					if err != nil {
						t.Fatal(err)
					}
					resp.Body.Close()
					status = resp.StatusCode
				} else {
					resp, err := c.reader.Fetch(ctx, secret.IRI)
					if err != nil {
						t.Fatal(err)
					}
					status = resp.StatusCode
				}
				if status != c.want {
					t.Errorf("%s: GET members-only post: %d, want %d", c.name, status, c.want)
				}
			}
		})
	}
}

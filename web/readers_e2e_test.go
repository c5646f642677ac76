package web_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/kith-social/kith/federation/community"
	"github.com/kith-social/kith/federation/fedtest"
	"github.com/kith-social/kith/web/webtest"
)

// Who may fetch a members-only post, and the Create that published it: a
// member, and the instance actor of a server where the group has a member;
// not another user of that server, not another server's instance actor,
// and not an unsigned request.
func TestMembersOnlyReaders(t *testing.T) {
	t.Parallel()
	webtest.Each(t, func(t *testing.T, s *webtest.Scenario) {
		ctx := context.Background()
		n, g := s.Node, s.Group
		masto := s.Masto
		other := n.Net.NewInstance("other.test", fedtest.Mastodon)
		alice := s.Alice()
		s.Join(t, alice)
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
			for what, iri := range map[string]string{"post": secret.IRI, "its Create": n.Fed.IRI.PostActivity(g.Name, secret.ID)} {
				if status, _, _ := fetchIRI(ctx, t, n, c.reader, iri); status != c.want {
					t.Errorf("%s: GET the members-only %s: %d, want %d", c.name, what, status, c.want)
				}
			}
		}
	})
}

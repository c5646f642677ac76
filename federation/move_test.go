package federation_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kith-social/kith/federation/community"
	"github.com/kith-social/kith/federation/fedtest"
	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/storage/storagetest"
	"github.com/kith-social/kith/web/webtest"
)

// secondNode starts another node, new.test, in the scenario's fake
// fediverse, on a fresh database of the scenario's kind.
func secondNode(t *testing.T, s *webtest.Scenario) *webtest.Node {
	t.Helper()
	for _, b := range storagetest.Backends() {
		if b.Name == s.Backend {
			db, _ := b.Open(t)
			return webtest.StartOn(t, s.Node.Net, db, webtest.Options{Host: "new.test"})
		}
	}
	t.Fatalf("no backend %s", s.Backend)
	return nil
}

// A group moves to another Kith node: a Move to a group that does not
// name it is refused; once the new group lists it in alsoKnownAs, the
// Move reaches every member's server, which unfollows the old group and
// follows the new one. The old group keeps its actor document (with
// movedTo), redirects its pages and answers later posts with the new
// address.
func TestGroupMoveRefollowsMembers(t *testing.T) {
	t.Parallel()
	webtest.Each(t, func(t *testing.T, s *webtest.Scenario) {
		ctx := context.Background()
		a, old := s.Node, s.GroupIRI
		members := []*fedtest.Actor{
			s.Alice(),
			a.Net.NewInstance("gts.test", fedtest.GoToSocial).NewActor("bob"),
			a.Net.NewInstance("misskey.test", fedtest.Misskey).NewActor("carol"),
		}
		for _, m := range members {
			follow(t, a, m, old)
		}
		b := secondNode(t, s)
		ng := b.CreateGroup(t, "garden", nil)
		target := b.GroupIRI(ng.Name)

		_, err := a.Fed.Community.Membership.MoveGroup(ctx, s.Group.Name, "@garden@new.test", ada)
		if !errors.Is(err, community.ErrMoveRefused) || !strings.Contains(err.Error(), "alsoKnownAs") {
			t.Fatalf("move to a group that does not name this one: %v, want refused", err)
		}
		if _, doc := fetchJSON(t, a, old); doc["movedTo"] != nil {
			t.Fatalf("refused move set movedTo: %v", doc["movedTo"])
		}

		if _, err := b.Fed.Community.Membership.SetAliases(ctx, ng.Name, []string{"@" + s.Group.Name + "@" + webtest.Host}, ada); err != nil {
			t.Fatal(err)
		}
		if _, doc := fetchJSON(t, b, target); !strings.Contains(mustJSON(doc["alsoKnownAs"]), old) {
			t.Fatalf("new group's alsoKnownAs: %v", doc["alsoKnownAs"])
		}
		if _, err := a.Fed.Community.Membership.MoveGroup(ctx, s.Group.Name, "@garden@new.test", ada); err != nil {
			t.Fatal(err)
		}
		for _, m := range members {
			out := m.Instance().WaitMove(t, old, wait)
			if out.Refused != "" || out.Err != "" || !strings.Contains(strings.Join(out.Moved, " "), m.ID()) {
				t.Fatalf("%s: %+v", m.Instance().Host(), out)
			}
			m.Instance().WaitFor(t, func(d fedtest.Delivery) bool {
				return d.Type() == "Accept" && d.Signer == target && d.Activity["object"].(map[string]any)["actor"] == m.ID()
			}, wait)
		}
		webtest.Eventually(t, "members follow the new group and left the old", func() bool {
			nb, _ := storage.CountFollows(ctx, b.DB, ng.ID, storage.FollowAccepted)
			na, _ := storage.CountFollows(ctx, a.DB, s.Group.ID, storage.FollowAccepted)
			return nb == len(members) && na == 0
		})

		if status, doc := fetchJSON(t, a, old); status != 200 || doc["movedTo"] != target {
			t.Errorf("old actor document: %d movedTo %v", status, doc["movedTo"])
		}
		req, _ := http.NewRequest(http.MethodGet, old, nil)
		req.Header.Set("Accept", "text/html")
		resp, err := a.Net.HTTPClient().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMovedPermanently || resp.Header.Get("Location") != target {
			t.Errorf("old group page: %d → %q, want 301 → %s", resp.StatusCode, resp.Header.Get("Location"), target)
		}

		alice := members[0]
		note := alice.CreateNote(fedtest.Note{Content: "still here?", Mentions: []fedtest.Mention{{Href: old, Name: "@gardeners@" + webtest.Host}}})
		webtest.Send(t, alice, old, note)
		dm := s.Masto.WaitFor(t, func(d fedtest.Delivery) bool {
			return d.Type() == "Create" && d.Signer == old && strings.Contains(string(d.Body), "@garden@new.test")
		}, wait)
		if strings.Contains(string(dm.Body), "#Public") {
			t.Errorf("the answer is not a DM: %s", dm.Body)
		}
		if p := a.WaitProcessed(t, note["id"].(string)); !strings.Contains(p.Dropped, "moved") {
			t.Errorf("post to the moved group: dropped %q", p.Dropped)
		}
	})
}

// A member's account moves (Move from their old account to a new one that
// lists it in alsoKnownAs): the membership and its role pass to the new
// account. A Move to an account that does not list the old one is refused.
func TestMemberAccountMoveMovesMembership(t *testing.T) {
	t.Parallel()
	webtest.Each(t, func(t *testing.T, s *webtest.Scenario) {
		ctx := context.Background()
		n, g := s.Node, s.Group
		alice, bob := s.Alice(), s.Masto.NewActor("bob")
		s.Join(t, alice)
		s.Join(t, bob)
		role := &storage.Role{GroupID: g.ID, Name: "Gardener"}
		if err := storage.CreateRole(ctx, n.DB, time.Now(), role); err != nil {
			t.Fatal(err)
		}
		oldAlice, err := storage.RemoteActorByIRI(ctx, n.DB, alice.ID())
		if err != nil {
			t.Fatal(err)
		}
		if err := storage.SetRole(ctx, n.DB, time.Now(), role.ID, oldAlice.ID, true); err != nil {
			t.Fatal(err)
		}

		other := n.Net.NewInstance("elsewhere.test", fedtest.Mastodon)
		newAlice, newBob := other.NewActor("alice"), other.NewActor("bob")
		newAlice.SetAlsoKnownAs(alice.ID())

		refused := bob.MoveTo(newBob.ID()) // newBob does not name bob
		s.Send(t, bob, refused)
		if p := n.WaitProcessed(t, refused["id"].(string)); !strings.Contains(p.Dropped, "alsoKnownAs") {
			t.Errorf("Move to an account without the alias: dropped %q, want refused", p.Dropped)
		}
		if f, err := followOf(ctx, n, g.ID, bob.ID()); err != nil || f.State != storage.FollowAccepted {
			t.Errorf("bob's membership after a refused move: %v %v", f, err)
		}

		// A banned account that moves stays banned.
		carol, newCarol := s.Masto.NewActor("carol"), other.NewActor("carol")
		newCarol.SetAlsoKnownAs(carol.ID())
		s.Join(t, carol)
		if err := n.Fed.Community.Moderation.Ban(ctx, g.Name, carol.ID(), "spam", ada); err != nil {
			t.Fatal(err)
		}
		evade := carol.MoveTo(newCarol.ID())
		s.Send(t, carol, evade)
		n.WaitProcessed(t, evade["id"].(string))
		if nc, err := storage.RemoteActorByIRI(ctx, n.DB, newCarol.ID()); err != nil {
			t.Errorf("the new account of a banned member: %v", err)
		} else if _, err := storage.BanOf(ctx, n.DB, g.ID, nc.ID); err != nil {
			t.Errorf("the ban did not follow the account: %v", err)
		}

		move := alice.MoveTo(newAlice.ID())
		s.Send(t, alice, move)
		if p := n.WaitProcessed(t, move["id"].(string)); p.Dropped != "" || p.Err != nil {
			t.Fatalf("Move: %+v", p)
		}
		f, err := followOf(ctx, n, g.ID, newAlice.ID())
		if err != nil || f.State != storage.FollowAccepted {
			t.Fatalf("new account's membership: %v %v", f, err)
		}
		if _, err := followOf(ctx, n, g.ID, alice.ID()); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("old account still a member: %v", err)
		}
		roles, err := storage.RolesOf(ctx, n.DB, g.ID, f.ActorID)
		if err != nil || len(roles) != 1 || roles[0].Name != "Gardener" {
			t.Errorf("new account's roles: %v %v", roles, err)
		}
	})
}

func followOf(ctx context.Context, n *webtest.Node, groupID, iri string) (*storage.Follow, error) {
	a, err := storage.RemoteActorByIRI(ctx, n.DB, iri)
	if err != nil {
		return nil, err
	}
	return storage.FollowOf(ctx, n.DB, groupID, a.ID)
}

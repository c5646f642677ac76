package members_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kith-social/kith/federation/community"
	"github.com/kith-social/kith/federation/fedtest"
	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/web/members"
	"github.com/kith-social/kith/web/webtest"
)

var _ members.Invitations = (*community.MembersPages)(nil)

var invitationLinkRE = regexp.MustCompile(`id="invitation-link" readonly value="([^"]+)"`)

// TestVouching: in a closed group with join questions, a regular makes an
// invitation on the members' pages; a Mastodon user opens it, names their
// handle, follows, and is accepted at once without the questions; the
// invitation is used up and the tree records who invited whom. The DM
// command "invite" makes one too; a member below the level, one past the
// weekly limit and one whose right was revoked are refused, with why.
func TestVouching(t *testing.T) {
	t.Parallel()
	webtest.EachWith(t, webtest.ScenarioOptions{Group: func(g *storage.Group) {
		g.Closed, g.JoinQuestions = true, "Which allotment is yours?"
	}}, func(t *testing.T, s *webtest.Scenario) {
		ctx := context.Background()
		n, alice, masto := s.Node, s.Alice(), s.Masto
		f := alice.Follow(s.GroupIRI)
		s.Send(t, alice, f)
		masto.WaitFor(t, func(d fedtest.Delivery) bool {
			return d.Type() == "Create" && strings.Contains(string(d.Body), "Which allotment")
		}, webtest.Wait)
		if err := n.Fed.Community.Membership.DecideFollow(ctx, s.Group.Name, alice.ID(), true); err != nil {
			t.Fatal(err)
		}
		aliceRow, err := storage.RemoteActorByIRI(ctx, n.DB, alice.ID())
		if err != nil {
			t.Fatal(err)
		}
		c := newClient(t, n)
		signIn(t, c, alice, "@alice@"+webtest.MastodonHost)
		me := "/groups/" + webtest.ScenarioGroup + "/me"
		_, _, page := c.get(t, me+"/invitations")
		csrf := csrfOf(t, page)

		// A newcomer cannot invite (the default level is regular).
		if status, _, body := c.post(t, me+"/invitations", url.Values{"csrf": {csrf}}); status != http.StatusUnprocessableEntity ||
			!strings.Contains(body, "a regular or above can invite; you are a newcomer") {
			t.Fatalf("a newcomer invites: %d\n%s", status, body)
		}
		if err := storage.SetLevel(ctx, n.DB, time.Now(), s.Group.ID, aliceRow.ID, storage.LevelRegular, false); err != nil {
			t.Fatal(err)
		}
		status, _, body := c.post(t, me+"/invitations", url.Values{"csrf": {csrf}})
		m := invitationLinkRE.FindStringSubmatch(body)
		if status != http.StatusOK || m == nil {
			t.Fatalf("make an invitation: %d\n%s", status, body)
		}
		link := m[1]
		token := tokenOf(t, link)

		// Bob opens it (a stranger: no session), names himself and follows.
		bob := masto.NewActor("bob")
		guest := newClient(t, n)
		if status, _, body := guest.get(t, link); status != http.StatusOK || !strings.Contains(body, "@alice@"+webtest.MastodonHost) || !strings.Contains(body, "invites you") {
			t.Fatalf("open the invitation: %d\n%s", status, body)
		}
		if status, _, body := guest.post(t, me+"/invitation", url.Values{"token": {token}, "handle": {"not a handle"}}); status != http.StatusUnprocessableEntity || !strings.Contains(body, "@you@your.server") {
			t.Fatalf("a bad handle: %d\n%s", status, body)
		}
		if status, _, body := guest.post(t, me+"/invitation", url.Values{"token": {token}, "handle": {"@Bob@" + webtest.MastodonHost}}); status != http.StatusOK || !strings.Contains(body, "Now follow") {
			t.Fatalf("claim the invitation: %d\n%s", status, body)
		}
		bf := bob.Follow(s.GroupIRI)
		s.Send(t, bob, bf)
		masto.WaitFor(t, func(d fedtest.Delivery) bool { return d.Type() == "Accept" && d.ObjectID() == bf["id"] }, webtest.Wait)
		bobRow, err := storage.RemoteActorByIRI(ctx, n.DB, bob.ID())
		if err != nil {
			t.Fatal(err)
		}
		if fl, err := storage.FollowOf(ctx, n.DB, s.Group.ID, bobRow.ID); err != nil || fl.State != storage.FollowAccepted {
			t.Fatalf("bob's follow: %+v %v", fl, err)
		}
		for _, d := range masto.Received() {
			if d.Type() == "Create" && strings.Contains(string(d.Body), "Which allotment") && strings.Contains(string(d.Body), bob.ID()) {
				t.Errorf("bob got the join questions: %s", d.Body)
			}
		}
		tree, err := storage.UsedInvitations(ctx, n.DB, s.Group.ID)
		if err != nil || len(tree) != 1 || tree[0].InviterID != aliceRow.ID || tree[0].InviteeID != bobRow.ID {
			t.Fatalf("invitation tree: %+v %v", tree, err)
		}
		// Used: the link admits nobody else.
		if status, _, body := guest.get(t, link); status != http.StatusNotFound || !strings.Contains(body, "used, expired or unknown") {
			t.Errorf("a used link: %d\n%s", status, body)
		}
		if _, _, body := c.get(t, me+"/invitations"); !strings.Contains(body, "Used by @bob@"+webtest.MastodonHost) {
			t.Errorf("alice's invitations:\n%s", body)
		}

		// By DM: "invite" answers with a link.
		sendNote(t, s, alice, fedtest.Note{Content: "@" + webtest.ScenarioGroup + " invite", Visibility: fedtest.VisibilityDirect})
		masto.WaitFor(t, func(d fedtest.Delivery) bool {
			return d.Type() == "Create" && strings.Contains(string(d.Body), "/me/invitation?token=") && strings.Contains(string(d.Body), alice.ID())
		}, webtest.Wait)

		// The weekly limit (2 here), then a revoked right.
		ts, _ := storage.TrustSettingsOf(ctx, n.DB, s.Group.ID)
		ts.InvitesPerWeek = 2
		if err := storage.SaveTrustSettings(ctx, n.DB, time.Now(), ts); err != nil {
			t.Fatal(err)
		}
		if status, _, body := c.post(t, me+"/invitations", url.Values{"csrf": {csrf}}); status != http.StatusUnprocessableEntity || !strings.Contains(body, "You made 2 invitations in the last 7 days") {
			t.Errorf("past the limit: %d\n%s", status, body)
		}
		if err := storage.SetInviteRevoked(ctx, n.DB, s.Group.ID, aliceRow.ID, true); err != nil {
			t.Fatal(err)
		}
		if status, _, body := c.post(t, me+"/invitations", url.Values{"csrf": {csrf}}); status != http.StatusUnprocessableEntity || !strings.Contains(body, "took away your right to invite") {
			t.Errorf("revoked: %d\n%s", status, body)
		}
	})
}

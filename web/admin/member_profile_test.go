package admin_test

import (
	"context"
	"strings"
	"testing"

	"github.com/kith-social/kith/federation/community"
	"github.com/kith-social/kith/federation/fedtest"
	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/web/webtest"
)

// TestMemberProfileShowsMembersPages: what a member sets about themselves
// on the members' pages — pronouns, fields, the digest by DM, the intro
// chosen there — shows on their profile in the admin, as plain text.
func TestMemberProfileShowsMembersPages(t *testing.T) {
	webtest.EachWith(t, noGroup, func(t *testing.T, sc *webtest.Scenario) {
		ctx := context.Background()
		n, db := newNode(t, sc), sc.Node.DB
		owner := n.setup("gardeners")
		g := mustGroup(t, db, "gardeners")
		alice := sc.Alice()
		alice.SetProfile(fedtest.Profile{Name: "Alice Allotment"})
		n.send(alice, n.fed.GroupIRI("gardeners"), alice.Follow(n.fed.GroupIRI("gardeners")))
		aliceRow, err := storage.RemoteActorByIRI(ctx, db, alice.ID())
		if err != nil {
			t.Fatal(err)
		}
		profile := "/admin/groups/gardeners/members/" + aliceRow.ID + "/profile"
		before := owner.get(profile)
		wantBody(t, "profile before", before, "Nothing yet")

		if err := sc.Node.Fed.Community.Members.SaveMemberSettings(ctx, g.ID, aliceRow.ID, community.MemberSettingsInput{
			InDirectory: true, DigestDM: true, Pronouns: "she/her",
			Fields: []community.ProfileField{{Name: "Plot", Value: "12 <b>by the shed</b>"}, {Name: "Grows", Value: "Rhubarb"}},
		}); err != nil {
			t.Fatal(err)
		}
		intro := n.memberPost(alice, "gardeners", "Hello, I grow rhubarb")
		if err := sc.Node.Fed.Community.Members.SetMemberIntro(ctx, g.ID, aliceRow.ID, intro.ID); err != nil {
			t.Fatal(err)
		}
		page := owner.get(profile)
		wantBody(t, "profile", page, "(she/her)", "Added on the members' pages", "<dt>Plot</dt><dd>12 &lt;b&gt;by the shed&lt;/b&gt;</dd>",
			"<dt>Grows</dt><dd>Rhubarb</dd>", "Digest by direct message", "Hello, I grow rhubarb", "members' pages")
		if strings.Contains(page.body, "<b>by the shed</b>") {
			t.Errorf("a member's field shown as HTML")
		}
	})
}

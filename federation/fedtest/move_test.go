package fedtest

import (
	"context"
	"slices"
	"testing"
)

// A Move is carried out by each follower's server when the target lists
// the old account in alsoKnownAs, and refused otherwise, as Mastodon,
// GoToSocial and Misskey do.
func TestMoveRefollowsOnlyAnAliasedTarget(t *testing.T) {
	for _, tc := range []struct {
		name  string
		alias bool
		want  bool
	}{
		{"aliased target", true, true},
		{"target without the alias", false, false},
	} {
		for _, f := range []Flavor{Mastodon, GoToSocial, Misskey} {
			t.Run(tc.name+"/"+f.String(), func(t *testing.T) {
				net := NewNetwork(t)
				old := net.NewInstance("old.test", Mastodon).NewActor("alice")
				target := net.NewInstance("new.test", Mastodon).NewActor("alice")
				followers := net.NewInstance("followers.test", f)
				bob, carol := followers.NewActor("bob"), followers.NewActor("carol")
				followers.MarkFollowing(bob, old.ID())
				if tc.alias {
					target.SetAlsoKnownAs(old.ID())
				}
				if _, err := old.Post(context.Background(), bob.Inbox(), old.MoveTo(target.ID())); err != nil {
					t.Fatal(err)
				}
				out := followers.WaitMove(t, old.ID(), wait)
				if got := out.Refused == ""; got != tc.want {
					t.Fatalf("move carried out = %v, want %v (%+v)", got, tc.want, out)
				}
				if !tc.want {
					if !bob.Follows(old.ID()) {
						t.Error("a refused move ended bob's follow of the old account")
					}
					return
				}
				if !slices.Equal(out.Moved, []string{bob.ID()}) || out.Err != "" || carol.Follows(target.ID()) {
					t.Fatalf("moved %v (err %q), want only bob (carol never followed)", out.Moved, out.Err)
				}
				if bob.Follows(old.ID()) {
					t.Error("bob still follows the old account")
				}
				undo := old.Instance().WaitFor(t, func(d Delivery) bool { return d.Type() == "Undo" && d.Signer == bob.ID() }, wait)
				if inner, _ := undo.Activity["object"].(map[string]any); idOf(inner["object"]) != old.ID() {
					t.Errorf("Undo of %v, want the Follow of the old account", undo.Activity["object"])
				}
				target.Instance().WaitFor(t, func(d Delivery) bool {
					return d.Type() == "Follow" && d.Signer == bob.ID() && d.ObjectID() == target.ID()
				}, wait)
			})
		}
	}
}

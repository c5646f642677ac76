package fedtest

import (
	"encoding/json"
	"testing"
)

// ShownTo reads a received Create as each flavour's source does: the
// cases that decide what a group's regulars-only post needs.
func TestShownTo(t *testing.T) {
	n := NewNetwork(t)
	insts := map[Flavor]*Instance{
		Mastodon: n.NewInstance("mastodon.test", Mastodon), GoToSocial: n.NewInstance("gts.test", GoToSocial),
		Misskey: n.NewInstance("misskey.test", Misskey), Lemmy: n.NewInstance("lemmy.test", Lemmy),
	}
	users := map[Flavor]*Actor{}
	others := map[Flavor]*Actor{}
	for f, i := range insts {
		users[f], others[f] = i.NewActor("reg"), i.NewActor("other")
	}
	const followers = "http://kith.test/groups/g/followers"
	create := func(to, cc []string, tagged ...string) Delivery {
		var tags []any
		for _, h := range tagged {
			tags = append(tags, map[string]any{"type": "Mention", "href": h})
		}
		body, _ := json.Marshal(map[string]any{"type": "Create", "object": map[string]any{"type": "Note", "to": to, "cc": cc, "tag": tags}})
		var act map[string]any // as received: JSON arrays are []any
		if err := json.Unmarshal(body, &act); err != nil {
			t.Fatal(err)
		}
		return Delivery{Inbox: "/inbox", Shared: true, Body: body, Activity: act}
	}
	for _, c := range []struct {
		name   string
		flavor Flavor
		d      func(u *Actor) Delivery
		user   string // "" when not shown
		other  string
	}{
		{"mastodon: addressed and tagged", Mastodon, func(u *Actor) Delivery { return create([]string{u.ID()}, nil, u.ID()) }, "direct", ""},
		{"mastodon: addressed, not tagged", Mastodon, func(u *Actor) Delivery { return create([]string{u.ID()}, nil) }, "limited", ""},
		{"mastodon: followers", Mastodon, func(*Actor) Delivery { return create([]string{followers}, nil) }, "private", "private"},
		{"gotosocial: addressed and tagged", GoToSocial, func(u *Actor) Delivery { return create([]string{u.ID()}, nil, u.ID()) }, "direct", ""},
		{"gotosocial: addressed, not tagged", GoToSocial, func(u *Actor) Delivery { return create([]string{u.ID()}, nil) }, "", ""},
		{"misskey: addressed, not tagged", Misskey, func(u *Actor) Delivery { return create([]string{u.ID()}, nil) }, "specified", ""},
		{"misskey: public", Misskey, func(*Actor) Delivery { return create([]string{Public}, nil) }, "public", "public"},
		{"lemmy: addressed and tagged", Lemmy, func(u *Actor) Delivery { return create([]string{u.ID()}, nil, u.ID()) }, "", ""},
	} {
		i, u, o := insts[c.flavor], users[c.flavor], others[c.flavor]
		d := c.d(u)
		if got := i.ShownTo(d, u, followers); got != c.user {
			t.Errorf("%s: shown to the addressee as %q, want %q", c.name, got, c.user)
		}
		if got := i.ShownTo(d, o, followers); got != c.other {
			t.Errorf("%s: shown to another user as %q, want %q", c.name, got, c.other)
		}
	}
}

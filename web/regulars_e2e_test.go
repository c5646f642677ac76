package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kith-social/kith/federation/community"
	"github.com/kith-social/kith/federation/fedtest"
	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/web/webtest"
)

// tier is a group with regulars and plain members on every flavour:
//
//	mastodon.test  rita (regular), mo (member)
//	gts.test       gina (leader)
//	misskey.test   mika (regular)
//	lemmy.test     lee (regular)
//	plain.test     paul (member)           — Mastodon, no regular
//	forum.test     fay (member)            — Lemmy, no regular
type tier struct {
	s                                    *webtest.Scenario
	gts, mk, lemmy, plain, forum         *fedtest.Instance
	rita, mo, gina, mika, lee, paul, fay *fedtest.Actor
}

func newTier(t *testing.T, s *webtest.Scenario) *tier {
	t.Helper()
	n := s.Node
	tr := &tier{s: s,
		gts: n.Net.NewInstance("gts.test", fedtest.GoToSocial), mk: n.Net.NewInstance("misskey.test", fedtest.Misskey),
		lemmy: n.Net.NewInstance("lemmy.test", fedtest.Lemmy), plain: n.Net.NewInstance("plain.test", fedtest.Mastodon),
		forum: n.Net.NewInstance("forum.test", fedtest.Lemmy),
	}
	tr.rita, tr.mo = s.Masto.NewActor("rita"), s.Masto.NewActor("mo")
	tr.gina, tr.mika, tr.lee = tr.gts.NewActor("gina"), tr.mk.NewActor("mika"), tr.lemmy.NewActor("lee")
	tr.paul, tr.fay = tr.plain.NewActor("paul"), tr.forum.NewActor("fay")
	for _, a := range []*fedtest.Actor{tr.rita, tr.mo, tr.gina, tr.mika, tr.lee, tr.paul, tr.fay} {
		s.Join(t, a)
	}
	for a, level := range map[*fedtest.Actor]string{tr.rita: storage.LevelRegular, tr.gina: storage.LevelLeader,
		tr.mika: storage.LevelRegular, tr.lee: storage.LevelRegular, tr.mo: storage.LevelMember} {
		tr.setLevel(t, a, level)
	}
	return tr
}

func (tr *tier) setLevel(t *testing.T, a *fedtest.Actor, level string) {
	t.Helper()
	ctx := context.Background()
	ra, err := storage.RemoteActorByIRI(ctx, tr.s.Node.DB, a.ID())
	if err != nil {
		t.Fatal(err)
	}
	if err := storage.SetLevel(ctx, tr.s.Node.DB, time.Now(), tr.s.Group.ID, ra.ID, level, true); err != nil {
		t.Fatal(err)
	}
}

func (tr *tier) regulars() []*fedtest.Actor {
	return []*fedtest.Actor{tr.rita, tr.gina, tr.mika, tr.lee}
}

// of is the activity of type typ about objectID that inst received.
func of(inst *fedtest.Instance, typ, objectID string) []fedtest.Delivery {
	var out []fedtest.Delivery
	for _, d := range inst.Received() {
		if d.Type() == typ && d.ObjectID() == objectID {
			out = append(out, d)
		}
	}
	return out
}

// checkTierAddressing fails unless d addresses exactly the regulars: each
// in to and tagged, nothing in cc, no Public, no followers collection.
func checkTierAddressing(t *testing.T, tr *tier, d fedtest.Delivery) {
	t.Helper()
	obj, _ := d.Activity["object"].(map[string]any)
	for what, v := range map[string]map[string]any{"activity": d.Activity, "object": obj} {
		if v == nil {
			continue
		}
		to, cc := iris(v["to"]), iris(v["cc"])
		var want []string
		for _, r := range tr.regulars() {
			want = append(want, r.ID())
		}
		slices.Sort(to)
		slices.Sort(want)
		if !slices.Equal(to, want) || len(cc) != 0 {
			t.Errorf("%s %s addressed to %v cc %v, want exactly the regulars %v", d.Type(), what, to, cc, want)
		}
	}
	if obj == nil {
		return
	}
	tags, _ := json.Marshal(obj["tag"])
	for _, r := range tr.regulars() {
		if !strings.Contains(string(tags), `"href":"`+r.ID()+`"`) {
			t.Errorf("no Mention tag for %s: %s", r.Handle(), tags)
		}
	}
	for _, word := range []string{"regular", "leader", "level", "followers", "Public"} {
		if strings.Contains(string(d.Body), word) {
			t.Errorf("%s says %q: %s", d.Type(), word, d.Body)
		}
	}
}

func iris(v any) []string {
	var out []string
	switch x := v.(type) {
	case string:
		out = append(out, x)
	case []any:
		for _, s := range x {
			if s, ok := s.(string); ok {
				out = append(out, s)
			}
		}
	}
	return out
}

// A regulars-only post reaches the regulars and only them, on each
// flavour, shown as each flavour's source decides; its edit and its
// delete go to the same audience (and the edit to a regular demoted since,
// whose server then takes the post from them).
func TestRegularsOnlyPostReachesRegulars(t *testing.T) {
	t.Parallel()
	webtest.Each(t, func(t *testing.T, s *webtest.Scenario) {
		ctx := context.Background()
		n, g := s.Node, s.Group
		tr := newTier(t, s)
		followers := n.Fed.IRI.GroupFollowers(g.Name)
		staff := community.Staff{Name: "ada"}
		post, err := n.Fed.Community.Posting.PublishPost(ctx, g.Name, community.PostInput{Markdown: "Tea at mine on Tuesday", RegularsOnly: true}, staff)
		if err != nil {
			t.Fatal(err)
		}
		if post.Visibility != storage.VisibilityRegulars {
			t.Fatalf("stored visibility %q", post.Visibility)
		}
		deliveriesDone(t, n)

		shown := []struct {
			inst  *fedtest.Instance
			posts int // Creates received
			user  *fedtest.Actor
			want  string // how the flavour shows it to user; "" not at all
		}{
			{s.Masto, 1, tr.rita, "direct"}, // a private mention of each regular, in their home timeline
			{s.Masto, 1, tr.mo, ""},         // same server, not a regular
			{tr.gts, 1, tr.gina, "direct"},
			{tr.mk, 1, tr.mika, "specified"},
			{tr.lemmy, 1, tr.lee, ""}, // Lemmy has no private posts: delivered, not shown
			{tr.plain, 0, tr.paul, ""},
			{tr.forum, 0, tr.fay, ""},
		}
		for _, c := range shown {
			creates := of(c.inst, "Create", post.IRI)
			if len(creates) != c.posts {
				t.Errorf("%s got %d Creates, want %d", c.inst.Host(), len(creates), c.posts)
				continue
			}
			for _, d := range creates {
				checkTierAddressing(t, tr, d)
				if got := c.inst.ShownTo(d, c.user, followers); got != c.want {
					t.Errorf("%s shows it to %s as %q, want %q", c.inst.Flavor(), c.user.Handle(), got, c.want)
				}
			}
		}
		// Never in the public outbox, never on the public pages.
		if page, _, body := fetchIRI(ctx, t, n, nil, n.Fed.IRI.GroupCollection(g.Name, "outbox")+"?page=true"); page != http.StatusOK || strings.Contains(string(body), post.IRI) {
			t.Errorf("public outbox: %d, lists the post: %v", page, strings.Contains(string(body), post.IRI))
		}

		// mika is demoted; the edit is addressed to the regulars of now
		// and reaches misskey.test too, so that Misskey can take it back.
		tr.setLevel(t, tr.mika, storage.LevelMember)
		if err := n.Fed.Community.Posting.EditPost(ctx, post.ID, community.PostInput{Markdown: "Tea at mine on Wednesday"}, staff); err != nil {
			t.Fatal(err)
		}
		deliveriesDone(t, n)
		// Each server with a regular then (mika's misskey.test too) gets
		// it once; the others never.
		reachesRegularsServers := func(typ string) {
			t.Helper()
			for _, c := range []struct {
				inst *fedtest.Instance
				want int
			}{{s.Masto, 1}, {tr.gts, 1}, {tr.mk, 1}, {tr.lemmy, 1}, {tr.plain, 0}, {tr.forum, 0}} {
				if got := len(of(c.inst, typ, post.IRI)); got != c.want {
					t.Errorf("%s got %d %ss, want %d", c.inst.Host(), got, typ, c.want)
				}
			}
		}
		reachesRegularsServers("Update")
		for _, d := range of(tr.mk, "Update", post.IRI) {
			obj, _ := d.Activity["object"].(map[string]any)
			if slices.Contains(iris(obj["to"]), tr.mika.ID()) {
				t.Errorf("the edit is still addressed to demoted mika: %v", obj["to"])
			}
		}

		if err := n.Fed.Community.Posting.DeleteOwnPost(ctx, post.ID, staff); err != nil {
			t.Fatal(err)
		}
		deliveriesDone(t, n)
		reachesRegularsServers("Delete")
	})
}

// A group without regulars cannot post to them.
func TestRegularsOnlyPostWithoutRegulars(t *testing.T) {
	t.Parallel()
	webtest.Each(t, func(t *testing.T, s *webtest.Scenario) {
		s.Join(t, s.Alice())
		_, err := s.Node.Fed.Community.Posting.PublishPost(context.Background(), s.Group.Name,
			community.PostInput{Markdown: "anyone?", RegularsOnly: true}, community.Staff{Name: "ada"})
		if err == nil || !strings.Contains(err.Error(), "no regulars") {
			t.Errorf("PublishPost = %v, want the group has no regulars", err)
		}
	})
}

// Who may fetch a regulars-only post and its Create: a regular, and the
// instance actor of a server with a regular; not a plain member, not the
// instance actor of a server with members but no regular, not another user
// of a regular's server, not an unsigned request. A demoted regular, and
// then their server, lose access.
func TestRegularsOnlyReaders(t *testing.T) {
	t.Parallel()
	webtest.Each(t, func(t *testing.T, s *webtest.Scenario) {
		ctx := context.Background()
		n, g := s.Node, s.Group
		tr := newTier(t, s)
		post, err := n.Fed.Community.Posting.PublishPost(ctx, g.Name, community.PostInput{Markdown: "for the regulars", RegularsOnly: true}, community.Staff{Name: "ada"})
		if err != nil {
			t.Fatal(err)
		}
		outsider := s.Masto.NewActor("olga") // on rita's server, not a member
		check := func(when string, cases []struct {
			name   string
			reader *fedtest.Actor
			want   int
		}) {
			t.Helper()
			for _, c := range cases {
				for what, iri := range map[string]string{"post": post.IRI, "its Create": n.Fed.IRI.PostActivity(g.Name, post.ID)} {
					if status, _, _ := fetchIRI(ctx, t, n, c.reader, iri); status != c.want {
						t.Errorf("%s: %s: GET the regulars-only %s: %d, want %d", when, c.name, what, status, c.want)
					}
				}
			}
		}
		type readerCase = struct {
			name   string
			reader *fedtest.Actor
			want   int
		}
		check("at first", []readerCase{
			{"regular on Mastodon", tr.rita, http.StatusOK},
			{"leader on GoToSocial", tr.gina, http.StatusOK},
			{"regular on Misskey", tr.mika, http.StatusOK},
			{"member on a regular's server", tr.mo, http.StatusNotFound},
			{"non-member on a regular's server", outsider, http.StatusNotFound},
			{"instance actor of a regular's server", s.Masto.InstanceActor(), http.StatusOK},
			{"instance actor of GoToSocial with a leader", tr.gts.InstanceActor(), http.StatusOK},
			{"member on a server without regulars", tr.paul, http.StatusNotFound},
			{"instance actor of a server with members only", tr.plain.InstanceActor(), http.StatusNotFound},
			{"unsigned", nil, http.StatusNotFound},
		})
		tr.setLevel(t, tr.rita, storage.LevelMember)
		check("after rita's demotion", []readerCase{
			{"demoted regular", tr.rita, http.StatusNotFound},
			{"instance actor of a server without regulars now", s.Masto.InstanceActor(), http.StatusNotFound},
			{"leader on GoToSocial", tr.gina, http.StatusOK},
		})
		// The members-only readers' rule is unchanged: a plain member reads
		// a members-only post.
		secret, err := n.Fed.Community.Posting.PublishPost(ctx, g.Name, community.PostInput{Markdown: "members", MembersOnly: true}, community.Staff{Name: "ada"})
		if err != nil {
			t.Fatal(err)
		}
		if status, _, _ := fetchIRI(ctx, t, n, tr.mo, secret.IRI); status != http.StatusOK {
			t.Errorf("member GET of a members-only post: %d", status)
		}
	})
}

// Replies stay in the tier: a regular's reply (a Mastodon direct reply to
// the group) is republished by the group to the regulars only, in the
// thread; a plain member's reply is refused and not relayed; staff's
// answer as the group goes to the regulars only.
func TestRegularsOnlyReplies(t *testing.T) {
	t.Parallel()
	webtest.Each(t, func(t *testing.T, s *webtest.Scenario) {
		ctx := context.Background()
		n, g, group := s.Node, s.Group, s.GroupIRI
		tr := newTier(t, s)
		post, err := n.Fed.Community.Posting.PublishPost(ctx, g.Name, community.PostInput{Markdown: "Plans for spring?", RegularsOnly: true}, community.Staff{Name: "ada"})
		if err != nil {
			t.Fatal(err)
		}
		reply := tr.rita.CreateNote(fedtest.Note{Content: "<p>Broad beans first.</p>", InReplyTo: post.IRI,
			Visibility: fedtest.VisibilityDirect, Mentions: []fedtest.Mention{mention(n, g.Name)}})
		if dropped := processed(t, n, tr.rita, group, reply); dropped != "" {
			t.Fatalf("a regular's reply dropped: %s", dropped)
		}
		intruder := tr.mo.CreateNote(fedtest.Note{Content: "<p>Can I come?</p>", InReplyTo: post.IRI,
			Visibility: fedtest.VisibilityPublic, Mentions: []fedtest.Mention{mention(n, g.Name)}})
		if dropped := processed(t, n, tr.mo, group, intruder); dropped == "" {
			t.Error("a plain member's reply in the regulars' thread was taken")
		}
		answer, err := n.Fed.Community.Posting.ReplyAsGroup(ctx, post.ID, community.PostInput{Markdown: "Agreed."}, community.Staff{Name: "ada"}, false)
		if err != nil {
			t.Fatal(err)
		}
		if answer.Visibility != storage.VisibilityRegulars {
			t.Errorf("staff's answer in the thread is %q", answer.Visibility)
		}
		deliveriesDone(t, n)

		relayed := func(d fedtest.Delivery) bool {
			obj, _ := d.Activity["object"].(map[string]any)
			return d.Type() == "Create" && obj != nil && obj["attributedTo"] == group && obj["inReplyTo"] == post.IRI &&
				strings.Contains(str(obj["content"]), "Broad beans first.")
		}
		for _, c := range []struct {
			inst *fedtest.Instance
			want int
		}{{s.Masto, 1}, {tr.gts, 1}, {tr.mk, 1}, {tr.lemmy, 1}, {tr.plain, 0}, {tr.forum, 0}} {
			if got := count(c.inst, relayed); got != c.want {
				t.Errorf("%s got the relayed reply %d times, want %d", c.inst.Host(), got, c.want)
			}
			if got := len(of(c.inst, "Create", answer.IRI)); got != c.want {
				t.Errorf("%s got staff's answer %d times, want %d", c.inst.Host(), got, c.want)
			}
			for _, d := range c.inst.Received() {
				if relayed(d) || d.Type() == "Create" && d.ObjectID() == answer.IRI {
					checkTierAddressing(t, tr, d)
				}
				if strings.Contains(string(d.Body), "Can I come?") {
					t.Errorf("%s got the plain member's reply: %s", c.inst.Host(), d.Body)
				}
				if d.Type() == "Announce" && strings.Contains(string(d.Body), "Broad beans") {
					t.Errorf("%s got the regular's reply announced: %s", c.inst.Host(), d.Body)
				}
			}
		}
		if got := s.Masto.ShownTo(firstOf(s.Masto, relayed), tr.mo, n.Fed.IRI.GroupFollowers(g.Name)); got != "" {
			t.Errorf("Mastodon shows the relayed reply to plain mo as %q", got)
		}
		// The thread holds the reply once as the regulars see it.
		thread, err := storage.Thread(ctx, n.DB, post.ID, storage.PostPublished)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range thread {
			if p.Visibility != storage.VisibilityRegulars {
				t.Errorf("post %s in the regulars' thread is %q", p.IRI, p.Visibility)
			}
		}
		if len(thread) != 4 { // the post, rita's original, the group's copy, staff's answer
			t.Errorf("thread has %d posts, want 4", len(thread))
		}

		// rita edits her reply, then deletes it: the group's copy follows,
		// for the regulars only.
		copyIRI := ""
		for _, p := range thread {
			if p.SourceIRI == fedtest.ObjectID(reply) {
				copyIRI = p.IRI
			}
		}
		if dropped := processed(t, n, tr.rita, group, tr.rita.Update(reply, "<p>Broad beans and peas first.</p>")); dropped != "" {
			t.Fatalf("Update dropped: %s", dropped)
		}
		deliveriesDone(t, n)
		for _, c := range []struct {
			inst *fedtest.Instance
			want int
		}{{tr.gts, 1}, {tr.mk, 1}, {tr.plain, 0}, {tr.forum, 0}} {
			ups := of(c.inst, "Update", copyIRI)
			if len(ups) != c.want {
				t.Errorf("%s got %d Updates of the group's copy, want %d", c.inst.Host(), len(ups), c.want)
			}
			for _, d := range ups {
				checkTierAddressing(t, tr, d)
				if !strings.Contains(string(d.Body), "Broad beans and peas first.") {
					t.Errorf("the Update lacks the edit: %s", d.Body)
				}
			}
			for _, d := range c.inst.Received() {
				if d.Type() == "Announce" && strings.Contains(string(d.Body), "peas") {
					t.Errorf("%s got rita's edit announced: %s", c.inst.Host(), d.Body)
				}
			}
		}
		if dropped := processed(t, n, tr.rita, group, tr.rita.Delete(fedtest.ObjectID(reply))); dropped != "" {
			t.Fatalf("Delete dropped: %s", dropped)
		}
		deliveriesDone(t, n)
		if got := len(of(tr.gts, "Delete", copyIRI)); copyIRI == "" || got != 1 {
			t.Errorf("gts got %d Deletes of the group's copy %q, want 1", got, copyIRI)
		}
		if got := len(of(tr.plain, "Delete", copyIRI)); got != 0 {
			t.Errorf("plain.test got %d Deletes of the copy", got)
		}
	})
}

func firstOf(inst *fedtest.Instance, match func(fedtest.Delivery) bool) fedtest.Delivery {
	for _, d := range inst.Received() {
		if match(d) {
			return d
		}
	}
	return fedtest.Delivery{}
}

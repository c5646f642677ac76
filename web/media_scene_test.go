package web_test

import (
	"context"
	"regexp"
	"testing"

	"github.com/kith-social/kith/federation/fedtest"
	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/web/webtest"
)

// mediaScene is a group whose members post images from their own servers:
// Alice on Mastodon (an avatar and a photo, served with the wrong type),
// Bob on GoToSocial (which signs and demands signatures on everything but
// media) with a file that claims to be an image and is HTML.
type mediaScene struct {
	n          *webtest.Node
	g          *storage.Group
	masto, gts *fedtest.Instance
	alice, bob *fedtest.Actor
	cat, evil  string // attachment URLs on their servers
	catPost    *storage.Post
}

const catAlt = "A ginger cat asleep on a seed tray"

// newMediaScene builds the scene on a Scenario: its node, group, Mastodon
// server and alice.
func newMediaScene(t *testing.T, sc *webtest.Scenario) *mediaScene {
	t.Helper()
	ctx := context.Background()
	s := &mediaScene{n: sc.Node, g: sc.Group, masto: sc.Masto}
	group := sc.GroupIRI
	s.gts = s.n.Net.NewInstance("gts.test", fedtest.GoToSocial)
	s.alice, s.bob = sc.Alice(), s.gts.NewActor("bob")
	s.alice.SetProfile(fedtest.Profile{Name: "Alice Green", Icon: s.masto.URL("/avatars/alice.png")})
	s.bob.SetProfile(fedtest.Profile{Name: "Bob", Icon: s.gts.URL("/avatars/bob.png")})
	s.cat, s.evil = s.masto.URL("/system/media/cat.jpg"), s.gts.URL("/fileserver/evil.png")
	s.masto.ServeMedia("/system/media/cat.jpg", "application/octet-stream", fedtest.PNG(64, 48, "cat"))
	s.gts.ServeMedia("/fileserver/evil.png", "image/png", []byte("<!doctype html><script>alert(1)</script>"))
	mention := fedtest.Mention{Href: group, Name: "@" + s.g.Name + "@" + webtest.Host}
	for _, p := range []struct {
		a    *fedtest.Actor
		note fedtest.Note
	}{
		{s.alice, fedtest.Note{Content: "<p>Look who found the seedlings</p>", Mentions: []fedtest.Mention{mention},
			Attachments: []fedtest.Attachment{{URL: s.cat, MediaType: "image/jpeg", Name: catAlt, Width: 64, Height: 48}}}},
		{s.bob, fedtest.Note{Content: `<p>Mine <img src="` + s.gts.URL("/inline.png") + `" alt="inline picture"></p>`, Mentions: []fedtest.Mention{mention},
			Attachments: []fedtest.Attachment{{URL: s.evil, MediaType: "image/png", Name: "not really an image"}}}},
	} {
		f := p.a.Follow(group)
		send(t, p.a, group, f)
		p.a.Instance().WaitFor(t, func(d fedtest.Delivery) bool { return d.Type() == "Accept" && d.ObjectID() == id(f) }, wait)
		create := p.a.CreateNote(p.note)
		send(t, p.a, group, create)
		if res := s.n.WaitProcessed(t, id(create)); res.Err != nil {
			t.Fatalf("processing: %v", res.Err)
		}
		if p.a == s.alice {
			post, err := storage.PostByIRI(ctx, s.n.DB, s.g.ID, fedtest.ObjectID(create))
			if err != nil {
				t.Fatal(err)
			}
			s.catPost = post
		}
	}
	return s
}

// fetches counts the GETs of path an instance served.
func fetches(inst *fedtest.Instance, path string) int {
	n := 0
	for _, f := range inst.Fetches() {
		if f.Path == path {
			n++
		}
	}
	return n
}

var srcAttr = regexp.MustCompile(`(?i)\b(?:src|srcset|poster|background)\s*=\s*"([^"]*)"`)

// imageSources lists the src-like attribute values of an HTML document.
func imageSources(html string) []string {
	var out []string
	for _, m := range srcAttr.FindAllStringSubmatch(html, -1) {
		out = append(out, m[1])
	}
	return out
}

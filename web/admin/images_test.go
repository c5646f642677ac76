package admin_test

import (
	"context"
	"strings"
	"testing"

	"github.com/kith-social/kith/federation/fedtest"
	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/storage/storagetest"
	"github.com/kith-social/kith/web/webtest"
)

// TestImagesFromTheNode: the admin pages show members' avatars and
// attachments from the node's media cache, never from their servers, and
// allow images from the node only.
func TestImagesFromTheNode(t *testing.T) {
	sc := webtest.NewScenario(t, storagetest.Backends()[0], noGroup)
	n, db := newNode(t, sc), sc.Node.DB
	b := n.setup("gardeners")
	masto := sc.Masto
	alice := n.member(masto, "alice", "gardeners")
	group := n.fed.GroupIRI("gardeners")
	photo := masto.URL("/system/photo.jpg")
	note := alice.CreateNote(fedtest.Note{Content: "<p>First tomato</p>",
		Mentions:    []fedtest.Mention{{Href: group, Name: "@gardeners@" + webtest.Host}},
		Attachments: []fedtest.Attachment{{URL: photo, MediaType: "image/jpeg", Name: "A red tomato", Width: 300, Height: 200}}})
	n.send(alice, group, note)
	g := mustGroup(t, db, "gardeners")
	if _, err := storage.PostByIRI(context.Background(), db, g.ID, fedtest.ObjectID(note)); err != nil {
		t.Fatal(err)
	}
	avatar, att := n.fed.Media.URL(masto.URL("/avatars/alice.png")), n.fed.Media.URL(photo)
	for _, path := range []string{"/admin/groups/gardeners/recent", "/admin/groups/gardeners/members"} {
		res := b.get(path)
		if res.status != 200 {
			t.Fatalf("%s: %d", path, res.status)
		}
		if csp := res.header.Get("Content-Security-Policy"); !strings.Contains(csp, "img-src 'self' data:;") {
			t.Errorf("%s: CSP %q, want img-src 'self' data:", path, csp)
		}
		want := []string{`<img src="` + avatar + `" alt="" width="48" height="48" loading="lazy"`, `aria-hidden="true">A<img`}
		if strings.HasSuffix(path, "/recent") {
			want = append(want, `<img src="`+att+`" alt="A red tomato" width="300" height="200" loading="lazy"`)
		}
		for _, w := range want {
			if !strings.Contains(res.body, w) {
				t.Errorf("%s lacks %s", path, w)
			}
		}
		if strings.Contains(res.body, `src="http://mastodon.test`) || strings.Contains(res.body, `src="https://mastodon.test`) {
			t.Errorf("%s shows an image from mastodon.test", path)
		}
	}
}

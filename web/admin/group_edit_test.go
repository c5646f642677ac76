package admin_test

import (
	"image"
	_ "image/jpeg" // decode what the node stored
	_ "image/png"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kith-social/kith/federation/community"
	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/web/webtest"
)

func TestGroupEdit(t *testing.T) {
	t.Parallel() // each test has its own databases and fake fediverse
	webtest.EachWith(t, noGroup, func(t *testing.T, sc *webtest.Scenario) {
		n, db := newNode(t, sc), sc.Node.DB
		owner := n.setup("gardeners")
		csrf := owner.csrf()

		res := owner.get("/admin/groups/gardeners/edit")
		wantStatus(t, "settings form", res, http.StatusOK)
		wantBody(t, "settings form", res, `enctype="multipart/form-data"`, `value="Gardeners"`, `We *grow* things.</textarea>`,
			`name="posting" value="members" checked`, `name="discoverable" checked`)

		valid := func() url.Values {
			return url.Values{
				"csrf": {csrf}, "title": {"Allotment gardeners"}, "summary": {"Seeds & *soil*"}, "join": {"closed"},
				"posting": {"anyone"}, "review": {"on"}, "boost_replies": {"on"}, "public_modlog": {"on"},
				"field-name-0": {"Rule 1"}, "field-value-0": {"Be kind <always>"},
				"field-name-1": {"Website"}, "field-value-1": {"https://garden.example/about?a=1&b=2"},
				"rules": {"  Be kind\r\n\r\nNo selling <watches>  "},
			}
		}
		for _, tc := range []struct {
			name, field, msg string
			change           url.Values
			files            []upload
		}{
			{"not an image", "avatar", "not a PNG, JPEG, GIF or WebP", nil, []upload{{"avatar", "notes.png", []byte("just some text, not an image")}}},
			{"too large", "header", "larger than 8 MiB", nil, []upload{{"header", "huge.png", tooLarge()}}},
			{"damaged image", "avatar", "could not be read", nil, []upload{{"avatar", "cut.png", pngImage(t, 20, 20, false)[:60]}}},
			{"invalid posting policy", "posting", "Choose who may post", url.Values{"posting": {"everybody"}}, nil},
			{"no title", "title", "Give the group a title", url.Values{"title": {""}}, nil},
			{"field without value", "field-value-2", "Fill in this field", url.Values{"field-name-2": {"Rule 2"}}, nil},
			{"unknown join mode", "join", "Choose whether", url.Values{"join": {"maybe"}}, nil},
			{"too many rules", "rules", "Keep to 20 rules", url.Values{"rules": {strings.Repeat("a rule\n", 21)}}, nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				f := valid()
				for k, v := range tc.change {
					f[k] = v
				}
				res := owner.postMultipart("/admin/groups/gardeners/edit", f, tc.files...)
				wantStatus(t, "invalid settings", res, http.StatusUnprocessableEntity)
				wantBody(t, "invalid settings", res, `id="f-`+tc.field+`-error"`, tc.msg, `Seeds &amp; *soil*</textarea>`,
					`value="Be kind &lt;always&gt;"`, `name="review" checked`)
				if tc.field != "join" {
					wantBody(t, "invalid settings", res, `name="join" value="closed" checked`)
				}
				if tc.field != "title" {
					wantBody(t, "invalid settings", res, `value="Allotment gardeners"`)
				}
				if tc.field != "posting" {
					wantBody(t, "invalid settings", res, `name="posting" value="anyone" checked`)
				}
				if g := mustGroup(t, db, "gardeners"); g.Title != "Gardeners" || g.IconPath != "" {
					t.Errorf("a refused form changed the group: %+v", g)
				}
			})
		}

		// A valid form: the images are scaled and re-encoded under the media directory.
		res = owner.postMultipart("/admin/groups/gardeners/edit", valid(),
			upload{"avatar", "me.png", pngImage(t, 800, 600, false)},
			upload{"header", "banner.gif", gifImage(t, 3000, 500)})
		if res.status != http.StatusSeeOther || res.location != "/admin/groups/gardeners/edit?done=saved" {
			t.Fatalf("save: status %d, location %q\n%s", res.status, res.location, res.body)
		}
		g := mustGroup(t, db, "gardeners")
		if g.Title != "Allotment gardeners" || !g.Closed || g.PostingPolicy != storage.PostingAnyone || !g.ReviewQueue ||
			!g.BoostReplies || g.Discoverable || !g.PublicModlog || !strings.Contains(g.SummaryHTML, "<em>soil</em>") {
			t.Errorf("saved group = %+v", g)
		}
		if g.Rules != "Be kind\nNo selling <watches>" {
			t.Errorf("rules %q, want one per line, trimmed", g.Rules)
		}
		// The rules are a numbered list of their own on the public page.
		wantBody(t, "public page", owner.get("/groups/gardeners"), `<ol class="rules"><li>Be kind</li><li>No selling &lt;watches&gt;</li></ol>`)
		wantImage(t, n, g.IconPath, "groups/"+g.ID+"/", ".jpg", 400, 300)
		wantImage(t, n, g.HeaderPath, "groups/"+g.ID+"/", ".jpg", 1500, 250) // an opaque GIF becomes a JPEG
		fields := community.GroupFields(g)
		if len(fields) != 2 || fields[0].Value != "Be kind &lt;always&gt;" ||
			fields[1].Value != `<a href="https://garden.example/about?a=1&amp;b=2" rel="me nofollow noopener noreferrer" target="_blank">garden.example/about?a=1&amp;b=2</a>` {
			t.Errorf("fields = %+v", fields)
		}

		// The form shows what was saved, the images from this node.
		res = owner.get(res.location)
		wantBody(t, "saved settings", res, "Saved.", `src="/media/`+g.IconPath+`"`,
			`value="https://garden.example/about?a=1&amp;b=2"`, `name="public_modlog" checked`)
		res = owner.get("/media/" + g.IconPath)
		wantStatus(t, "avatar", res, http.StatusOK)

		// Replacing the avatar removes the old file; removing the header clears it.
		f := valid()
		f.Set("header_remove", "on")
		res = owner.postMultipart("/admin/groups/gardeners/edit", f, upload{"avatar", "new.png", pngImage(t, 100, 100, true)})
		wantStatus(t, "replace avatar", res, http.StatusSeeOther)
		g2 := mustGroup(t, db, "gardeners")
		if g2.HeaderPath != "" || g2.IconPath == g.IconPath {
			t.Errorf("after replacing: icon %q header %q", g2.IconPath, g2.HeaderPath)
		}
		wantImage(t, n, g2.IconPath, "groups/"+g.ID+"/", ".png", 100, 100)
		for _, old := range []string{g.IconPath, g.HeaderPath} {
			if _, err := os.Stat(filepath.Join(n.dataDir, "media", old)); !os.IsNotExist(err) {
				t.Errorf("old image %s still there: %v", old, err)
			}
		}

		// The moderation log says who changed the profile.
		res = owner.get("/admin/groups/gardeners/log")
		wantStatus(t, "log", res, http.StatusOK)
		wantBody(t, "log", res, `<a href="/admin/groups/gardeners/log?staff=olive">olive</a>`, "changed the profile or settings")
	})
}

// wantImage checks a stored upload: where it is, its format and size.
func wantImage(t *testing.T, n *node, rel, prefix, ext string, w, h int) {
	t.Helper()
	if !strings.HasPrefix(rel, prefix) || !strings.HasSuffix(rel, ext) {
		t.Errorf("image path %q, want %s…%s", rel, prefix, ext)
		return
	}
	f, err := os.Open(filepath.Join(n.dataDir, "media", rel))
	if err != nil {
		t.Error(err)
		return
	}
	defer f.Close()
	cfg, _, err := image.DecodeConfig(f)
	if err != nil || cfg.Width != w || cfg.Height != h {
		t.Errorf("image %s: %d×%d, %v; want %d×%d", rel, cfg.Width, cfg.Height, err, w, h)
	}
	// Readable by the node's user only, like the database: the file 0600,
	// every directory from media/ down 0700.
	for p, want := filepath.Join(n.dataDir, "media", rel), os.FileMode(0o600); p != n.dataDir; p, want = filepath.Dir(p), 0o700 {
		if st, err := os.Stat(p); err != nil {
			t.Error(err)
		} else if st.Mode().Perm() != want {
			t.Errorf("%s: mode %04o, want %04o", p, st.Mode().Perm(), want)
		}
	}
}

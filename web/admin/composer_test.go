package admin_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/web/webtest"
)

func TestComposer(t *testing.T) {
	t.Parallel() // each test has its own databases and fake fediverse
	webtest.EachWith(t, noGroup, func(t *testing.T, sc *webtest.Scenario) {
		ctx := context.Background()
		n, db := newNode(t, sc), sc.Node.DB
		owner := n.setup("gardeners")
		csrf := owner.csrf()
		g := mustGroup(t, db, "gardeners")
		masto := sc.Masto
		n.member(masto, "alice", "gardeners")

		res := owner.get("/admin/groups/gardeners/posts/new")
		wantStatus(t, "composer", res, http.StatusOK)
		wantBody(t, "composer", res, `enctype="multipart/form-data"`, `id="f-image-3"`, `id="f-alt-3"`, `name="audience" value="public" checked`)

		for _, tc := range []struct {
			name, field, msg string
			form             url.Values
			files            []upload
		}{
			{"image without alt text", "alt-1", "Describe this image", url.Values{"alt-0": {"A tomato"}},
				[]upload{{"image-0", "a.png", pngImage(t, 10, 10, false)}, {"image-1", "b.png", pngImage(t, 10, 10, false)}}},
			{"not an image", "image-0", "not a PNG, JPEG, GIF or WebP", url.Values{"alt-0": {"A tomato"}},
				[]upload{{"image-0", "a.png", []byte("%PDF-1.4 not an image")}}},
			{"too large", "image-0", "larger than 8 MiB", url.Values{"alt-0": {"A tomato"}},
				[]upload{{"image-0", "a.png", tooLarge()}}},
			{"description without image", "image-2", "Choose the image", url.Values{"alt-2": {"A cucumber"}}, nil},
			{"nothing to post", "body", "Write something", url.Values{"body": {"  "}}, nil},
			{"unknown audience", "audience", "Choose who sees", url.Values{"audience": {"friends"}}, nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				f := url.Values{"csrf": {csrf}, "body": {"First *tomatoes* & beans"}, "cw": {"food"}, "audience": {"members"}}
				for k, v := range tc.form {
					f[k] = v
				}
				res := owner.postMultipart("/admin/groups/gardeners/posts/new", f, tc.files...)
				wantStatus(t, "invalid post", res, http.StatusUnprocessableEntity)
				wantBody(t, "invalid post", res, `id="f-`+tc.field+`-error"`, tc.msg, `value="food"`)
				if tc.field != "body" {
					wantBody(t, "invalid post", res, `First *tomatoes* &amp; beans</textarea>`)
				}
				if tc.field != "audience" {
					wantBody(t, "invalid post", res, `name="audience" value="members" checked`)
				}
				if alt := f.Get("alt-0"); alt != "" {
					wantBody(t, "invalid post", res, alt+`</textarea>`)
				}
				if ps, _ := storage.ListGroupPosts(ctx, db, g.ID, storage.PostPublished, true, 10); len(ps) != 0 {
					t.Errorf("a refused post was published")
				}
			})
		}
		if entries, _ := os.ReadDir(filepath.Join(n.dataDir, "media", "groups", g.ID, "posts")); len(entries) != 0 {
			t.Errorf("refused posts left %d files behind", len(entries))
		}

		// A public post with two images reaches the members.
		res = owner.postMultipart("/admin/groups/gardeners/posts/new",
			url.Values{"csrf": {csrf}, "body": {"First *tomatoes*"}, "audience": {"public"}, "alt-0": {"A red tomato"}, "alt-2": {"Green beans"}},
			upload{"image-0", "a.png", pngImage(t, 2500, 1000, false)}, upload{"image-2", "b.gif", gifImage(t, 30, 20)})
		if res.status != http.StatusSeeOther || res.location != "/admin/groups/gardeners/posts?done=published" {
			t.Fatalf("publish: status %d, location %q\n%s", res.status, res.location, res.body)
		}
		posts, err := storage.ListGroupPosts(ctx, db, g.ID, storage.PostPublished, true, 10)
		if err != nil || len(posts) != 1 {
			t.Fatalf("posts = %d, %v", len(posts), err)
		}
		p := posts[0]
		if !strings.Contains(p.ContentHTML, "<em>tomatoes</em>") || p.Visibility != storage.VisibilityPublic {
			t.Errorf("post = %+v", p)
		}
		var obj struct {
			Attachment []struct{ URL, Name, MediaType string } `json:"attachment"`
		}
		if err := json.Unmarshal([]byte(p.ObjectRaw), &obj); err != nil || len(obj.Attachment) != 2 {
			t.Fatalf("attachments: %v %s", err, p.ObjectRaw)
		}
		for i, want := range []string{"A red tomato", "Green beans"} {
			a := obj.Attachment[i]
			rel, ok := strings.CutPrefix(a.URL, "http://kith.test/media/")
			if !ok || a.Name != want {
				t.Errorf("attachment %d = %+v", i, a)
				continue
			}
			wantImage(t, n, rel, "groups/"+g.ID+"/posts/", ".jpg", []int{1920, 30}[i], []int{768, 20}[i])
		}
		create := masto.WaitFor(t, delivered("Create", p.IRI), wait)
		if !strings.Contains(string(create.Body), "A red tomato") {
			t.Errorf("Create lacks the alt text: %s", create.Body)
		}

		res = owner.get("/admin/groups/gardeners/posts?done=published")
		wantStatus(t, "post list", res, http.StatusOK)
		wantBody(t, "post list", res, "Published.", "<em>tomatoes</em>", `alt="A red tomato"`,
			"/posts/"+p.ID+"/edit", "/posts/"+p.ID+"/pin", "/posts/"+p.ID+"/delete")

		// Edit: the text comes back as the Markdown it was written in; the
		// images stay with new descriptions.
		res = owner.get("/admin/groups/gardeners/posts/" + p.ID + "/edit")
		wantStatus(t, "edit form", res, http.StatusOK)
		wantBody(t, "edit form", res, "First *tomatoes*</textarea>", "A red tomato</textarea>")
		// A preview shows the text as members will see it and saves nothing.
		res = owner.post("/admin/groups/gardeners/posts/"+p.ID+"/edit", url.Values{"csrf": {csrf}, "body": {"Ripe **tomatoes**"}, "alt-0": {"A ripe tomato"}, "alt-1": {"Beans"}, "preview": {"1"}})
		wantStatus(t, "edit preview", res, http.StatusOK)
		wantBody(t, "edit preview", res, `<h2 id="preview-h">Preview</h2>`, "<strong>tomatoes</strong>", "Ripe **tomatoes**</textarea>")
		if got, _ := storage.PostByID(ctx, db, p.ID); got.SourceMarkdown != "First *tomatoes*" {
			t.Errorf("a preview changed the post: source %q", got.SourceMarkdown)
		}
		res = owner.post("/admin/groups/gardeners/posts/"+p.ID+"/edit", url.Values{"csrf": {csrf}, "body": {"Edited"}, "alt-0": {""}, "alt-1": {"Beans"}})
		wantStatus(t, "edit without alt text", res, http.StatusUnprocessableEntity)
		wantBody(t, "edit without alt text", res, `id="f-alt-0-error"`, "Edited</textarea>", "Beans</textarea>")
		res = owner.post("/admin/groups/gardeners/posts/"+p.ID+"/edit", url.Values{"csrf": {csrf}, "body": {"Ripe **tomatoes**"}, "alt-0": {"A ripe tomato"}, "alt-1": {"Beans"}})
		wantStatus(t, "edit", res, http.StatusSeeOther)
		update := masto.WaitFor(t, delivered("Update", ""), wait)
		if !strings.Contains(string(update.Body), "<strong>tomatoes</strong>") || !strings.Contains(string(update.Body), "A ripe tomato") {
			t.Errorf("Update = %s", update.Body)
		}

		// Pin and unpin.
		wantStatus(t, "pin", owner.post("/admin/groups/gardeners/posts/"+p.ID+"/pin", url.Values{"csrf": {csrf}}), http.StatusSeeOther)
		masto.WaitFor(t, delivered("Add", p.IRI), wait)
		if p2, _ := storage.PostByID(ctx, db, p.ID); !p2.Pinned {
			t.Error("not pinned")
		}
		wantBody(t, "pinned", owner.get("/admin/groups/gardeners/posts"), "<strong>pinned</strong>", "/posts/"+p.ID+"/unpin")
		wantStatus(t, "unpin", owner.post("/admin/groups/gardeners/posts/"+p.ID+"/unpin", url.Values{"csrf": {csrf}}), http.StatusSeeOther)
		masto.WaitFor(t, delivered("Remove", p.IRI), wait)

		// Members-only posts cannot be pinned.
		res = owner.postMultipart("/admin/groups/gardeners/posts/new", url.Values{"csrf": {csrf}, "body": {"Members: meeting at 6"}, "audience": {"members"}})
		wantStatus(t, "members-only post", res, http.StatusSeeOther)
		posts, _ = storage.ListGroupPosts(ctx, db, g.ID, storage.PostPublished, true, 10)
		if len(posts) != 2 || posts[0].Visibility != storage.VisibilityFollowers {
			t.Fatalf("members-only post: %+v", posts)
		}
		wantStatus(t, "pin members-only", owner.post("/admin/groups/gardeners/posts/"+posts[0].ID+"/pin", url.Values{"csrf": {csrf}}), http.StatusUnprocessableEntity)

		// Delete: gone here and there, images too.
		wantStatus(t, "delete", owner.post("/admin/groups/gardeners/posts/"+p.ID+"/delete", url.Values{"csrf": {csrf}}), http.StatusSeeOther)
		masto.WaitFor(t, delivered("Delete", p.IRI), wait)
		if _, err := storage.PostByID(ctx, db, p.ID); err == nil {
			t.Error("deleted post still stored")
		}
		if entries, _ := os.ReadDir(filepath.Join(n.dataDir, "media", "groups", g.ID, "posts")); len(entries) != 0 {
			t.Errorf("deleted post left %d files", len(entries))
		}
		wantStatus(t, "edit a deleted post", owner.get("/admin/groups/gardeners/posts/"+p.ID+"/edit"), http.StatusNotFound)
	})
}

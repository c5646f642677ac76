package admin_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kith-social/kith/federation/fedtest"
	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/web/webtest"
)

// An event may have a cover image: uploaded through the image pipeline
// (scaled, re-encoded), described, shown on the admin's event page, and
// sent as the Event's image (and an attachment, for servers that show
// events as posts). Editing keeps it, changes its description, replaces
// or removes it.
func TestEventCoverImage(t *testing.T) {
	t.Parallel()
	webtest.EachWith(t, noGroup, func(t *testing.T, sc *webtest.Scenario) {
		ctx := t.Context()
		n, db := newNode(t, sc), sc.Node.DB
		owner := n.setup("gardeners")
		csrf := owner.csrf()
		n.member(sc.Masto, "alice", "gardeners")
		g := mustGroup(t, db, "gardeners")
		form := func(extra url.Values) url.Values {
			v := url.Values{
				"csrf": {csrf}, "title": {"Seed swap"}, "description": {"Bring seeds"}, "start": {"2030-06-01T17:00"}, "end": {"2030-06-01T19:00"},
				"timezone": {"Europe/London"}, "capacity": {"0"}, "remind_hours": {"24"}, "audience": {"public"}, "place_name": {"Plot 12"},
			}
			for k, vs := range extra {
				v[k] = vs
			}
			return v
		}

		wantBody(t, "form", owner.get("/admin/groups/gardeners/events/new"), `enctype="multipart/form-data"`, `name="image" type="file"`, `name="image_alt"`)
		res := owner.postMultipart("/admin/groups/gardeners/events/new", form(nil), upload{"image", "cover.png", pngImage(t, 3000, 1000, false)})
		wantStatus(t, "image without a description", res, http.StatusUnprocessableEntity)
		wantBody(t, "image without a description", res, `id="f-image_alt-error"`, "choose the image again")
		res = owner.postMultipart("/admin/groups/gardeners/events/new", form(url.Values{"image_alt": {"Seed packets on a table"}}), upload{"image", "notes.txt", []byte("not an image")})
		wantStatus(t, "not an image", res, http.StatusUnprocessableEntity)
		wantBody(t, "not an image", res, `id="f-image-error"`, "not a PNG, JPEG, GIF or WebP image")

		res = owner.postMultipart("/admin/groups/gardeners/events/new", form(url.Values{"image_alt": {"Seed packets on a table"}}), upload{"image", "cover.png", pngImage(t, 3000, 1000, false)})
		wantStatus(t, "create", res, http.StatusSeeOther)
		evs, err := storage.ListEvents(ctx, db, storage.EventFilter{GroupID: g.ID})
		if err != nil || len(evs) != 1 {
			t.Fatalf("events = %v, %v", evs, err)
		}
		ev := evs[0]
		if ev.ImagePath == "" || ev.ImageAlt != "Seed packets on a table" || ev.ImageWidth != 1920 || ev.ImageHeight != 640 || ev.ImageType != "image/jpeg" {
			t.Fatalf("cover = %q %q %s %dx%d, want a 1920x640 JPEG", ev.ImagePath, ev.ImageAlt, ev.ImageType, ev.ImageWidth, ev.ImageHeight)
		}
		file := filepath.Join(n.dataDir, "media", filepath.FromSlash(ev.ImagePath))
		if _, err := os.Stat(file); err != nil {
			t.Fatalf("cover file: %v", err)
		}
		wantBody(t, "event page", owner.get("/admin/groups/gardeners/events/"+ev.ID),
			`<img class="event-cover" src="/media/`+ev.ImagePath+`" alt="Seed packets on a table" width="1920" height="640">`)
		if res := owner.get("/media/" + ev.ImagePath); res.status != http.StatusOK {
			t.Errorf("the cover is not served: %d", res.status)
		}

		// Members' servers get it as the Event's image.
		d := sc.Masto.WaitFor(t, func(d fedtest.Delivery) bool { return d.Type() == "Create" && d.ObjectType() == "Event" }, wait)
		obj, _ := d.Activity["object"].(map[string]any)
		img, _ := obj["image"].(map[string]any)
		if img["type"] != "Image" || img["name"] != "Seed packets on a table" || img["mediaType"] != "image/jpeg" ||
			!strings.HasSuffix(img["url"].(string), "/media/"+ev.ImagePath) {
			raw, _ := json.Marshal(obj)
			t.Errorf("Event image = %v\n%s", img, raw)
		}
		if atts, _ := obj["attachment"].([]any); len(atts) != 1 || atts[0].(map[string]any)["name"] != "Seed packets on a table" {
			t.Errorf("Event attachments = %v", obj["attachment"])
		}

		// Editing without a new file keeps it; a new description is kept.
		edit := "/admin/groups/gardeners/events/" + ev.ID + "/edit"
		wantBody(t, "edit form", owner.get(edit), "Remove the cover image", `alt="Seed packets on a table"`)
		wantStatus(t, "edit, new description", owner.postMultipart(edit, form(url.Values{"image_alt": {"Seed packets and tea"}})), http.StatusSeeOther)
		got, _ := storage.EventByID(ctx, db, ev.ID)
		if got.ImagePath != ev.ImagePath || got.ImageAlt != "Seed packets and tea" {
			t.Errorf("after editing: %q %q", got.ImagePath, got.ImageAlt)
		}
		if _, err := os.Stat(file); err != nil {
			t.Errorf("editing the description lost the file: %v", err)
		}
		// Removing it drops it everywhere, the file too.
		wantStatus(t, "remove", owner.postMultipart(edit, form(url.Values{"remove_image": {"on"}})), http.StatusSeeOther)
		got, _ = storage.EventByID(ctx, db, ev.ID)
		if got.ImagePath != "" || got.ImageAlt != "" {
			t.Errorf("after removing: %q %q", got.ImagePath, got.ImageAlt)
		}
		if _, err := os.Stat(file); !os.IsNotExist(err) {
			t.Errorf("the removed cover's file is still there: %v", err)
		}
		if strings.Contains(got.Post.ObjectRaw, `"image"`) {
			t.Errorf("the Event still has an image: %s", got.Post.ObjectRaw)
		}
	})
}

package admin_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"testing"

	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/web/webtest"
)

func TestSetup(t *testing.T) {
	t.Parallel() // each test has its own databases and fake fediverse
	webtest.EachWith(t, noGroup, func(t *testing.T, sc *webtest.Scenario) {
		ctx := context.Background()
		n, db := newNode(t, sc), sc.Node.DB
		b := n.browser()

		// No setup link printed yet: nothing to see.
		wantStatus(t, "setup before SetupURL", b.get("/setup?token=x"), http.StatusNotFound)

		path, ok, err := n.admin.SetupURL(ctx)
		if err != nil || !ok {
			t.Fatalf("SetupURL = %q, %v, %v", path, ok, err)
		}
		again, _, _ := n.admin.SetupURL(ctx)
		if again != path {
			t.Errorf("SetupURL changed between calls: %q then %q", path, again)
		}
		u, _ := url.Parse(path)
		token := u.Query().Get("token")
		if u.Path != "/setup" || len(token) < 40 {
			t.Fatalf("SetupURL = %q", path)
		}

		wantStatus(t, "setup without token", b.get("/setup"), http.StatusForbidden)
		wantStatus(t, "setup with a wrong token", b.get("/setup?token=nope"), http.StatusForbidden)
		res := b.get(path)
		wantStatus(t, "setup page", res, http.StatusOK)
		wantBody(t, "setup page", res, `name="token" value="`+token+`"`, `for="f-username"`, `name="join" value="closed"`)

		form := url.Values{
			"token": {token}, "username": {"olive"}, "password": {ownerPassword}, "password2": {ownerPassword},
			"name": {"gardeners"}, "title": {"Gardeners"}, "summary": {"We *grow* things."}, "join": {"closed"},
		}
		wrong := cloneForm(form, "token", "nope")
		wantStatus(t, "setup post with a wrong token", b.post("/setup", wrong), http.StatusForbidden)

		// Errors are shown beside their fields; what was typed stays.
		bad := cloneForm(form, "username", "olive smith", "password2", "something else", "name", "Garden Club")
		res = b.post("/setup", bad)
		wantStatus(t, "setup with errors", res, http.StatusUnprocessableEntity)
		wantBody(t, "setup with errors", res,
			`id="f-username-error"`, `value="olive smith"`, `id="f-password2-error"`, `id="f-name-error"`,
			`value="Garden Club"`, `value="Gardeners"`, `We *grow* things.</textarea>`,
			`name="join" value="closed" checked`, `aria-invalid="true"`)
		if n, _ := storage.CountOwners(ctx, db); n != 0 {
			t.Fatalf("owner created by an invalid setup")
		}
		if res := b.post("/setup", cloneForm(form, "password", "short", "password2", "short")); res.status != http.StatusUnprocessableEntity {
			t.Errorf("short password: status %d", res.status)
		}

		res = b.post("/setup", form)
		if res.status != http.StatusSeeOther || res.location != "/admin" {
			t.Fatalf("setup: status %d, location %q\n%s", res.status, res.location, res.body)
		}
		owner, err := storage.StaffByUsername(ctx, db, "olive")
		if err != nil || owner.Role != storage.RoleOwner {
			t.Fatalf("owner = %+v, %v", owner, err)
		}
		g, err := storage.GroupByName(ctx, db, "gardeners")
		if err != nil || !g.Closed || g.Title != "Gardeners" || g.SummaryHTML == "" {
			t.Fatalf("group = %+v, %v", g, err)
		}
		wantNewGroupDefaults(t, g)
		if _, err := storage.GetSetting(ctx, db, storage.SettingSetupToken); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("setup token kept after setup: %v", err)
		}

		// The owner is logged in and sees the group.
		res = b.get("/admin")
		wantStatus(t, "dashboard after setup", res, http.StatusOK)
		wantBody(t, "dashboard after setup", res, "Gardeners", "@gardeners@"+n.srv.Listener.Addr().String())

		// The token is single-use and the setup page is gone.
		wantStatus(t, "setup page after setup", n.browser().get(path), http.StatusNotFound)
		wantStatus(t, "setup post after setup", n.browser().post("/setup", cloneForm(form, "username", "mallory")), http.StatusNotFound)
		if p, ok, err := n.admin.SetupURL(ctx); ok || p != "" || err != nil {
			t.Errorf("SetupURL after setup = %q, %v, %v", p, ok, err)
		}
		if _, err := storage.StaffByUsername(ctx, db, "mallory"); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("second setup created an account: %v", err)
		}
	})
}

// cloneForm copies v and sets the given key/value pairs.
func cloneForm(v url.Values, kv ...string) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out.Set(kv[i], kv[i+1])
	}
	return out
}

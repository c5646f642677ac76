package admin_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/web/webtest"
)

func TestGroupCreate(t *testing.T) {
	t.Parallel() // each test has its own databases and fake fediverse
	webtest.EachWith(t, noGroup, func(t *testing.T, sc *webtest.Scenario) {
		n, db := newNode(t, sc), sc.Node.DB
		owner := n.setup("gardeners")
		csrf := owner.csrf()

		res := owner.get("/admin/new-group")
		wantStatus(t, "new group form", res, http.StatusOK)
		wantBody(t, "new group form", res, `<label for="f-name">`, `<label for="f-summary">`, `name="join" value="open" checked`)

		for _, tc := range []struct {
			name, field, msg string
			form             url.Values
		}{
			{"bad name", "name", "lowercase letters", url.Values{"name": {"Knit Club"}}},
			{"reserved name", "name", "reserved", url.Values{"name": {"admin"}}},
			{"taken name", "name", "already", url.Values{"name": {"gardeners"}}},
			{"no name: suggested from the title", "name", "We suggest @knitters@", url.Values{"name": {""}}},
			{"long title", "title", "100 characters", url.Values{"name": {"knitters"}, "title": {string(make([]rune, 101))}}},
			{"unknown join mode", "join", "Choose whether", url.Values{"name": {"knitters"}, "join": {"sometimes"}}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				f := cloneForm(url.Values{"csrf": {csrf}, "title": {"Knitters"}, "summary": {"Yarn & *needles*"}, "join": {"closed"}})
				for k, v := range tc.form {
					f[k] = v
				}
				res := owner.post("/admin/new-group", f)
				wantStatus(t, "invalid group", res, http.StatusUnprocessableEntity)
				wantBody(t, "invalid group", res, `id="f-`+tc.field+`-error"`, tc.msg, `Yarn &amp; *needles*</textarea>`)
				if tc.field != "title" {
					wantBody(t, "invalid group", res, `value="Knitters"`)
				}
				if tc.field != "join" {
					wantBody(t, "invalid group", res, `name="join" value="closed" checked`)
				}
				if tc.field == "name" && tc.form.Get("name") != "" {
					wantBody(t, "invalid group", res, `value="`+tc.form.Get("name")+`"`)
				}
			})
		}

		// The suggestion from the title is in the name field, to keep or change.
		res = owner.post("/admin/new-group", url.Values{"csrf": {csrf}, "name": {""}, "title": {"Knit & Natter Club!"}})
		wantBody(t, "suggested name", res, `value="knit_natter_club"`, "We suggest @knit_natter_club@")
		res = owner.post("/admin/new-group", url.Values{"csrf": {csrf}, "name": {""}, "title": {"***"}})
		wantBody(t, "no name, no usable title", res, "Choose a name")

		res = owner.post("/admin/new-group", url.Values{"csrf": {csrf}, "name": {"knitters"}, "title": {""}, "summary": {"Yarn"}, "join": {"closed"},
			"join_questions": {"Which plot is yours?"}})
		if res.status != http.StatusSeeOther || res.location != "/admin/groups/knitters" {
			t.Fatalf("create: status %d, location %q\n%s", res.status, res.location, res.body)
		}
		g := mustGroup(t, db, "knitters")
		if g.Title != "knitters" || !g.Closed || g.Summary != "Yarn" {
			t.Errorf("group = %+v", g)
		}
		wantNewGroupDefaults(t, g)
		if g.JoinQuestions != "Which plot is yours?" {
			t.Errorf("join questions %q, want those typed with the new closed group", g.JoinQuestions)
		}
		res = owner.get(res.location)
		wantStatus(t, "group page", res, http.StatusOK)
		wantBody(t, "group page", res, "<h1>knitters</h1>", "<p>Yarn</p>")
	})
}

func TestDashboardCounts(t *testing.T) {
	t.Parallel() // each test has its own databases and fake fediverse
	webtest.EachWith(t, noGroup, func(t *testing.T, sc *webtest.Scenario) {
		ctx := context.Background()
		n, db := newNode(t, sc), sc.Node.DB
		owner := n.setup("gardeners")
		g := mustGroup(t, db, "gardeners")
		for i, state := range []string{storage.FollowAccepted, storage.FollowAccepted, storage.FollowAccepted, storage.FollowPending} {
			iri := "https://mastodon.test/users/u" + string(rune('a'+i))
			a := &storage.RemoteActor{IRI: iri, Type: "Person", Host: "mastodon.test", Inbox: iri + "/inbox"}
			if err := storage.UpsertRemoteActor(ctx, db, time.Now(), a); err != nil {
				t.Fatal(err)
			}
			if err := storage.UpsertFollow(ctx, db, time.Now(), &storage.Follow{GroupID: g.ID, ActorID: a.ID, ActivityIRI: iri + "#follow", State: state}); err != nil {
				t.Fatal(err)
			}
		}
		for _, path := range []string{"/admin", "/admin/groups", "/admin/groups/gardeners"} {
			res := owner.get(path)
			wantStatus(t, path, res, http.StatusOK)
			if path == "/admin/groups" {
				wantBody(t, path, res, `<td class="num">3</td>`, `<td class="num">1</td>`)
			} else {
				wantBody(t, path, res, "<dd>3</dd>", "<dd>1</dd>")
			}
		}
	})
}

func TestPasswordChange(t *testing.T) {
	t.Parallel() // each test has its own databases and fake fediverse
	webtest.EachWith(t, noGroup, func(t *testing.T, sc *webtest.Scenario) {
		n := newNode(t, sc)
		b := n.setup("gardeners")
		elsewhere := n.login("olive", ownerPassword)
		csrf := b.csrf()

		res := b.post("/admin/account/password", url.Values{"csrf": {csrf}, "current": {"wrong one"}, "password": {"new password 1"}, "password2": {"new password 1"}})
		wantStatus(t, "wrong current password", res, http.StatusUnprocessableEntity)
		wantBody(t, "wrong current password", res, `id="f-current-error"`)
		res = b.post("/admin/account/password", url.Values{"csrf": {csrf}, "current": {ownerPassword}, "password": {"short"}, "password2": {"short"}})
		wantStatus(t, "short new password", res, http.StatusUnprocessableEntity)
		wantBody(t, "short new password", res, `id="f-password-error"`, "at least 10")

		res = b.post("/admin/account/password", url.Values{"csrf": {csrf}, "current": {ownerPassword}, "password": {"new password 1"}, "password2": {"new password 1"}})
		wantStatus(t, "change password", res, http.StatusOK)
		wantBody(t, "change password", res, "Your password is changed")

		wantStatus(t, "this session", b.get("/admin"), http.StatusOK)
		wantStatus(t, "other session", elsewhere.get("/admin"), http.StatusSeeOther)
		res = n.browser().post("/login", url.Values{"username": {"olive"}, "password": {ownerPassword}})
		wantStatus(t, "old password", res, http.StatusUnprocessableEntity)
		n.login("olive", "new password 1")
	})
}

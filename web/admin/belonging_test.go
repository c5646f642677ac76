package admin_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kith-social/kith/federation/fedtest"
	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/storage/storagetest"
	"github.com/kith-social/kith/web/webtest"
)

// Staff create, edit and cancel an event and see who comes; set the
// belonging settings; define a badge and a role and give them to a member
// from the member's profile.
func TestBelongingPages(t *testing.T) {
	webtest.EachWith(t, noGroup, func(t *testing.T, sc *webtest.Scenario) {
		ctx := context.Background()
		n, db := newNode(t, sc), sc.Node.DB
		owner := n.setup("gardeners")
		csrf := owner.csrf()
		g := mustGroup(t, db, "gardeners")

		alice := sc.Alice()
		alice.SetProfile(fedtest.Profile{Name: "Alice Allotment"})
		n.send(alice, n.fed.GroupIRI("gardeners"), alice.Follow(n.fed.GroupIRI("gardeners")))
		intro := n.memberPost(alice, "gardeners", "Rhubarb crumble recipe, anyone?")
		aliceRow, err := storage.RemoteActorByIRI(ctx, db, alice.ID())
		if err != nil {
			t.Fatal(err)
		}
		if err := storage.SetIntroPost(ctx, db, time.Now(), g.ID, aliceRow.ID, intro.ID); err != nil {
			t.Fatal(err)
		}

		// Events.
		wantStatus(t, "new event form", owner.get("/admin/groups/gardeners/events/new"), http.StatusOK)
		form := url.Values{
			"csrf": {csrf}, "title": {"Seed swap"}, "description": {"Bring **seeds**"},
			"start": {"2030-06-01T17:00"}, "end": {"2030-06-01T16:00"}, "timezone": {"Europe/London"},
			"place_name": {"Plot 12"}, "capacity": {"10"}, "remind_hours": {"24"}, "audience": {"public"},
		}
		res := owner.post("/admin/groups/gardeners/events/new", form)
		wantStatus(t, "event ending before it starts", res, http.StatusUnprocessableEntity)
		wantBody(t, "event form", res, "must not end before it starts", `value="Seed swap"`)
		form.Set("end", "2030-06-01T19:00")
		res = owner.post("/admin/groups/gardeners/events/new", form)
		wantStatus(t, "create event", res, http.StatusSeeOther)
		evs, err := storage.ListEvents(ctx, db, storage.EventFilter{GroupID: g.ID})
		if err != nil || len(evs) != 1 {
			t.Fatalf("events: %v %v", evs, err)
		}
		ev := evs[0]
		if ev.StartsAt.UTC().Format("2006-01-02 15:04") != "2030-06-01 16:00" || ev.Capacity != 10 || ev.RemindBeforeMinutes != 1440 {
			t.Errorf("stored event: %+v", ev)
		}
		if _, err := storage.AddAttendee(ctx, db, time.Now(), &storage.Attendee{EventID: ev.ID, ActorID: aliceRow.ID, Via: storage.AttendViaReply}); err != nil {
			t.Fatal(err)
		}
		page := owner.get(res.location)
		wantBody(t, "event page", page, "Seed swap", "Saturday 1 June 2030, 17:00–19:00 BST (Europe/London)", "Alice Allotment", "replied “going”", "The event is on its way", "Attendees")
		wantBody(t, "events list", owner.get("/admin/groups/gardeners/events"), "Seed swap", "Plot 12")
		form.Set("title", "Seed and plant swap")
		wantStatus(t, "edit event", owner.post("/admin/groups/gardeners/events/"+ev.ID+"/edit", form), http.StatusSeeOther)
		wantStatus(t, "cancel event", owner.post("/admin/groups/gardeners/events/"+ev.ID+"/cancel", url.Values{"csrf": {csrf}, "reason": {"Rain"}}), http.StatusSeeOther)
		wantBody(t, "cancelled event", owner.get("/admin/groups/gardeners/events/"+ev.ID), "Seed and plant swap", "Cancelled", "Rain")
		other := n.group("knitters")
		_ = other
		wantStatus(t, "event of another group", owner.get("/admin/groups/knitters/events/"+ev.ID), http.StatusNotFound)

		// Settings.
		res = owner.post("/admin/groups/gardeners/belonging", url.Values{
			"csrf": {csrf}, "digest": {"weekly"}, "welcome": {"Welcome {name}!"}, "directory_public": {"on"},
		})
		wantStatus(t, "save settings", res, http.StatusSeeOther)
		s, _ := storage.BelongingSettingsOf(ctx, db, g.ID)
		if s.Digest != storage.DigestWeekly || s.PlainBoosts || !s.DirectoryPublic || s.WelcomeTemplate != "Welcome {name}!" {
			t.Errorf("settings: %+v", s)
		}
		wantStatus(t, "bad digest", owner.post("/admin/groups/gardeners/belonging", url.Values{"csrf": {csrf}, "digest": {"hourly"}}), http.StatusUnprocessableEntity)
		wantBody(t, "belonging page", owner.get("/admin/groups/gardeners/belonging?days=7"), "Welcome {name}!", "Top contributors, last 7 days", "@alice@mastodon.test")

		// Badges and roles, given from the profile.
		wantStatus(t, "badge", owner.post("/admin/groups/gardeners/badges", url.Values{"csrf": {csrf}, "emoji": {"🌱"}, "label": {"Green thumb"}}), http.StatusSeeOther)
		wantStatus(t, "role", owner.post("/admin/groups/gardeners/roles", url.Values{"csrf": {csrf}, "name": {"Event host"}, "colour": {"#2f7d6b"}}), http.StatusSeeOther)
		wantStatus(t, "duplicate role", owner.post("/admin/groups/gardeners/roles", url.Values{"csrf": {csrf}, "name": {"Event host"}}), http.StatusUnprocessableEntity)
		badges, _ := storage.ListBadges(ctx, db, g.ID)
		roles, _ := storage.ListRoles(ctx, db, g.ID)
		if len(badges) != 1 || len(roles) != 1 {
			t.Fatalf("badges %v, roles %v", badges, roles)
		}
		profile := "/admin/groups/gardeners/members/" + aliceRow.ID + "/profile"
		wantBody(t, "profile", owner.get(profile), "Alice Allotment", "Member since", "Rhubarb", "Green thumb", "Event host")
		wantStatus(t, "award", owner.post("/admin/groups/gardeners/members/"+aliceRow.ID+"/badges", url.Values{"csrf": {csrf}, "badge": {badges[0].ID}, "note": {"Crumble"}}), http.StatusSeeOther)
		wantStatus(t, "roles", owner.post("/admin/groups/gardeners/members/"+aliceRow.ID+"/roles", url.Values{"csrf": {csrf}, "role": {roles[0].ID}}), http.StatusSeeOther)
		if held, _ := storage.RolesOf(ctx, db, g.ID, aliceRow.ID); len(held) != 1 {
			t.Errorf("roles held: %v", held)
		}
		if bs, _ := storage.BadgesOf(ctx, db, g.ID, aliceRow.ID); len(bs) != 1 || bs[0].Note != "Crumble" || bs[0].PostID != "" {
			t.Errorf("badges held: %+v", bs)
		}
		wantStatus(t, "profile of a non-member", owner.get("/admin/groups/gardeners/members/"+storage.NewID()+"/profile"), http.StatusNotFound)
		wantBody(t, "delete without confirming", owner.post("/admin/groups/gardeners/events/"+ev.ID+"/delete", url.Values{"csrf": {csrf}}),
			"everywhere?", "Delete the event")
		wantStatus(t, "delete event", owner.post("/admin/groups/gardeners/events/"+ev.ID+"/delete", url.Values{"csrf": {csrf}, "confirm": {"yes"}}), http.StatusSeeOther)
	})
}

// TestBrowserBelonging drives a real browser through creating an event,
// its page, and the belonging settings.
func TestBrowserBelonging(t *testing.T) {
	t.Parallel()
	ctx := chrome(t)
	sc := webtest.NewScenario(t, storagetest.Backends()[0], noGroup)
	n, db := newNode(t, sc), sc.Node.DB
	n.setup("gardeners")
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	base := n.srv.URL
	err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(css(`#f-username`)),
		chromedp.SendKeys(css(`#f-username`), "olive"),
		chromedp.SendKeys(css(`#f-password`), ownerPassword+"\r"),
		chromedp.WaitVisible(css(`ul.cards`)),
		chromedp.Navigate(base+"/admin/groups/gardeners/events"),
		chromedp.Click(css(`a[href="/admin/groups/gardeners/events/new"]`)),
		chromedp.WaitVisible(css(`#f-title`)),
		chromedp.SendKeys(css(`#f-title`), "Seed swap"),
		chromedp.SendKeys(css(`#f-description`), "Bring seeds to share."),
		chromedp.SetValue(css(`#f-start`), "2030-06-01T17:00"),
		chromedp.SetValue(css(`#f-end`), "2030-06-01T19:00"),
		chromedp.SetValue(css(`#f-timezone`), "Europe/London"),
		chromedp.SendKeys(css(`#f-place_name`), "Plot 12"),
		chromedp.Click(css(`main form.composer button[type="submit"]`)),
		chromedp.WaitVisible(css(`#attendees-h`)),
	)
	if err != nil {
		t.Fatalf("browser: event: %v", err)
	}
	main, err := chromedp.Run(ctx, chromedp.Text(css(`main`)))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"The event is on its way", "Seed swap", "17:00–19:00 BST (Europe/London)", "Plot 12", "Nobody has said they are coming yet"} {
		if !strings.Contains(main, want) {
			t.Errorf("event page lacks %q:\n%s", want, main)
		}
	}
	screenshot(t, ctx, "admin-event")
	err = chromedp.Do(ctx,
		chromedp.Click(css(`nav.subnav a[href="/admin/groups/gardeners/belonging"]`)),
		chromedp.WaitVisible(css(`#f-welcome`)),
		chromedp.Click(css(`input[name="digest"][value="weekly"]`)),
		// The form suggests a welcome message; the owner writes their own.
		chromedp.Clear(css(`#f-welcome`)),
		chromedp.SendKeys(css(`#f-welcome`), "Welcome {name} to {group}!"),
		chromedp.Click(css(`form[action="/admin/groups/gardeners/belonging"] button[type="submit"]`)),
		chromedp.WaitVisible(css(`p.notice`)),
	)
	if err != nil {
		t.Fatalf("browser: settings: %v", err)
	}
	notice, err := chromedp.Run(ctx, chromedp.Text(css(`p.notice`)))
	if err != nil || !strings.Contains(notice, "Saved") {
		t.Errorf("notice %q, %v", notice, err)
	}
	s, err := storage.BelongingSettingsOf(context.Background(), db, mustGroup(t, db, "gardeners").ID)
	if err != nil || s.Digest != storage.DigestWeekly || s.WelcomeTemplate != "Welcome {name} to {group}!" {
		t.Errorf("settings after the browser saved them: %+v %v", s, err)
	}
	screenshot(t, ctx, "admin-belonging")
}

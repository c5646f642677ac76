package admin_test

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/web/webtest"
)

// zoneSelect returns the options (values) of the select named name.
func zoneSelect(t *testing.T, body, name string) []string {
	t.Helper()
	m := regexp.MustCompile(`(?s)<select id="f-` + name + `" name="` + name + `".*?</select>`).FindString(body)
	if m == "" {
		t.Fatalf("no select %q on the page", name)
	}
	var out []string
	for _, o := range regexp.MustCompile(`<option value="([^"]*)"`).FindAllStringSubmatch(m, -1) {
		out = append(out, o[1])
	}
	return out
}

// Events take their time zone from the same list as the composer and the
// poll form: IANA names, UTC first, each loadable; anything else is
// refused beside the field.
func TestEventZonesAreTheComposers(t *testing.T) {
	t.Parallel()
	webtest.EachWith(t, noGroup, func(t *testing.T, sc *webtest.Scenario) {
		n, db := newNode(t, sc), sc.Node.DB
		owner := n.setup("gardeners")
		csrf := owner.csrf()
		event := zoneSelect(t, owner.get("/admin/groups/gardeners/events/new").body, "timezone")
		composer := zoneSelect(t, owner.get("/admin/groups/gardeners/posts/new").body, "tz")
		poll := zoneSelect(t, owner.get("/admin/groups/gardeners/polls/new").body, "tz")
		if !slices.Equal(event, composer) || !slices.Equal(poll, composer) {
			t.Fatalf("zone lists differ:\nevent    %v\ncomposer %v\npoll     %v", event, composer, poll)
		}
		if len(event) < 100 || event[0] != "UTC" || !slices.Contains(event, "Europe/London") || !slices.Contains(event, "Asia/Kolkata") {
			t.Errorf("zones = %v", event)
		}
		if strings.Contains(strings.Join(event, " "), "+") {
			t.Errorf("offsets among the zones: %v", event)
		}

		form := url.Values{
			"csrf": {csrf}, "title": {"Seed swap"}, "start": {"2030-06-01T17:00"}, "end": {"2030-06-01T19:00"},
			"timezone": {"Mars/Olympus"}, "capacity": {"0"}, "remind_hours": {"24"}, "audience": {"public"},
		}
		res := owner.post("/admin/groups/gardeners/events/new", form)
		wantStatus(t, "unknown zone", res, http.StatusUnprocessableEntity)
		wantBody(t, "unknown zone", res, `id="f-timezone-error"`, "Choose a time zone from the list.")
		form.Set("timezone", "Asia/Kolkata")
		wantStatus(t, "create", owner.post("/admin/groups/gardeners/events/new", form), http.StatusSeeOther)
		evs, err := storage.ListEvents(t.Context(), db, storage.EventFilter{GroupID: mustGroup(t, db, "gardeners").ID})
		if err != nil || len(evs) != 1 {
			t.Fatalf("events = %v, %v", evs, err)
		}
		if ev := evs[0]; ev.Timezone != "Asia/Kolkata" || ev.StartsAt.UTC().Format("15:04") != "11:30" {
			t.Errorf("event in %s starting %s UTC, want Asia/Kolkata, 11:30", ev.Timezone, ev.StartsAt.UTC().Format("15:04"))
		}
		wantBody(t, "edit form", owner.get("/admin/groups/gardeners/events/"+evs[0].ID+"/edit"), `<option value="Asia/Kolkata" selected>`)
	})
}

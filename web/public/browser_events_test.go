package public_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kith-social/kith/federation/community"
	"github.com/kith-social/kith/storage/storagetest"
	"github.com/kith-social/kith/web/webtest"
)

// TestBrowserEventPages opens the public events list and an event page in
// chromium: the event's details show, the page runs no script but its
// own, and a members-only event is not there.
func TestBrowserEventPages(t *testing.T) {
	webtest.SkipWithoutBrowser(t)
	ctx := context.Background()
	n := webtest.NewScenario(t, storagetest.Backends()[0], webtest.ScenarioOptions{}).Node
	start := time.Now().Add(72 * time.Hour).Truncate(time.Hour)
	staff := community.Staff{Name: "ada"}
	ev, err := n.Fed.Community.Events.PublishEvent(ctx, "gardeners", community.EventInput{
		Title: "Seed swap", Description: "Bring **labelled** envelopes.", Start: start, End: start.Add(2 * time.Hour),
		Timezone: "Europe/Berlin", PlaceName: "Allotment gate", PlaceAddress: "Gartenweg 1, Berlin",
	}, staff)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Fed.Community.Events.PublishEvent(ctx, "gardeners", community.EventInput{
		Title: "Members' shed meeting", Start: start, End: start.Add(time.Hour), OnlineURL: "https://meet.example/shed", MembersOnly: true,
	}, staff); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, n)

	b.open(t, "/groups/gardeners/events")
	list, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.querySelector("main").innerText`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(list, "Seed swap") || strings.Contains(list, "shed meeting") {
		t.Errorf("events list shows the wrong events:\n%s", list)
	}

	b.open(t, "/groups/gardeners/events/"+ev.ID)
	text, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.querySelector("main").innerText`))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Seed swap", "labelled", "Allotment gate"} {
		if !strings.Contains(text, want) {
			t.Errorf("event page lacks %q:\n%s", want, text)
		}
	}
	b.assertNothingRan(t, "")
}

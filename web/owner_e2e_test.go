package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kith-social/kith/federation/community"
	"github.com/kith-social/kith/federation/fedtest"
	"github.com/kith-social/kith/web/webtest"
)

// Misskey reads a followers collection without a first page as private and
// shows no member count; the group serves an empty first page, so every
// server shows the count and nobody sees who the members are.
func TestFollowersCollectionHasAnEmptyFirstPage(t *testing.T) {
	t.Parallel()
	webtest.Each(t, func(t *testing.T, s *webtest.Scenario) {
		ctx := context.Background()
		mk := s.Node.Net.NewInstance("misskey.test", fedtest.Misskey)
		reader := mk.NewActor("reader")
		join(t, s.Alice(), s.GroupIRI)
		join(t, reader, s.GroupIRI)

		coll, err := reader.FetchJSON(ctx, s.GroupIRI+"/followers")
		if err != nil {
			t.Fatal(err)
		}
		first, _ := coll["first"].(string)
		if coll["totalItems"] != 2.0 || first == "" || coll["orderedItems"] != nil {
			t.Fatalf("followers = %v; want totalItems 2, a first page and no items", coll)
		}
		page, err := reader.FetchJSON(ctx, first)
		if err != nil {
			t.Fatal(err)
		}
		items, ok := page["orderedItems"].([]any)
		if page["type"] != "OrderedCollectionPage" || page["partOf"] != s.GroupIRI+"/followers" || !ok || len(items) != 0 {
			t.Errorf("first page = %v; want an empty OrderedCollectionPage of the followers", page)
		}
		resp, err := reader.Fetch(ctx, first)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Errorf("GET first page: %v, %v", resp, err)
		}
	})
}

// An event's content reads well wherever it lands: the title is the
// Event's name only (Mastodon shows it as a heading, Misskey prefixes it),
// and the places are counted in words a person would write.
func TestEventContentOnEveryFlavor(t *testing.T) {
	t.Parallel()
	webtest.Each(t, func(t *testing.T, s *webtest.Scenario) {
		ctx := context.Background()
		members := []*fedtest.Actor{
			s.Alice(),
			s.Node.Net.NewInstance("misskey.test", fedtest.Misskey).NewActor("mika"),
			s.Node.Net.NewInstance("gts.test", fedtest.GoToSocial).NewActor("gus"),
		}
		for _, m := range members {
			join(t, m, s.GroupIRI)
		}
		start := time.Now().Add(72 * time.Hour).Truncate(time.Hour)
		ev, err := s.Node.Fed.Community.Events.PublishEvent(ctx, webtest.ScenarioGroup, community.EventInput{
			Title: "Seed swap", Description: "Bring *spare* seeds.", Start: start, End: start.Add(2 * time.Hour),
			PlaceName: "The shed", Capacity: 1,
		}, community.Staff{Name: "ada"})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range members {
			d := m.Instance().WaitFor(t, func(d fedtest.Delivery) bool {
				return d.Type() == "Create" && d.ObjectID() == ev.Post.IRI
			}, wait)
			obj, _ := d.Activity["object"].(map[string]any)
			content, _ := obj["content"].(string)
			if obj["name"] != "Seed swap" {
				t.Errorf("%s: name %v, want the title", m.ID(), obj["name"])
			}
			if strings.Contains(content, "Seed swap") {
				t.Errorf("%s: the content repeats the title, which the name shows already: %s", m.ID(), content)
			}
			for _, want := range []string{"1 place, 1 left", "The shed", "openstreetmap.org/search?query=The+shed", "<em>spare</em>", "going"} {
				if !strings.Contains(content, want) {
					t.Errorf("%s: content lacks %q: %s", m.ID(), want, content)
				}
			}
			if strings.Contains(content, "1 places") {
				t.Errorf("%s: content says %q", m.ID(), "1 places")
			}
			// Mastodon shows an Event as name, summary and link only: the
			// summary must say when and where, and must not make the
			// event a sensitive post (it is not a content warning).
			summary, _ := obj["summary"].(string)
			if !strings.Contains(summary, ev.When()) || !strings.Contains(summary, "The shed") {
				t.Errorf("%s: summary %q; want when (%q) and where", m.ID(), summary, ev.When())
			}
			if obj["sensitive"] == true {
				t.Errorf("%s: the event is marked sensitive", m.ID())
			}
		}
	})
}

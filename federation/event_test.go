package federation_test

import (
	"context"
	"path"
	"strings"
	"testing"
	"time"

	"github.com/kith-social/kith/federation/community"
	"github.com/kith-social/kith/federation/fedtest"
	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/storage/storagetest"
	"github.com/kith-social/kith/web/webtest"
)

// objectOf is the embedded object of a delivery, or nil.
func objectOf(d fedtest.Delivery) map[string]any {
	o, _ := d.Activity["object"].(map[string]any)
	return o
}

// dmTo reports whether d is a DM from the group whose text contains s.
func dmContaining(s string) func(d fedtest.Delivery) bool {
	return func(d fedtest.Delivery) bool {
		o := objectOf(d)
		return d.Type() == "Create" && o != nil && o["type"] == "Note" && !strings.Contains(string(d.Body), "#Public") &&
			strings.Contains(strings.ReplaceAll(o["content"].(string), "&#39;", "'"), s)
	}
}

// An event federates as an Event; a Mobilizon member joins (Accept), a
// Mastodon member replies "going" (attendee and DM), the event fills up
// (Reject, and a DM for a "going" DM), Leave frees a place, the reminder
// reaches the attendees when its job runs, and cancelling and deleting
// federate.
func TestEventsAndRSVP(t *testing.T) {
	t.Parallel()
	webtest.Each(t, func(t *testing.T, s *webtest.Scenario) {
		ctx := context.Background()
		n, g, group, masto := s.Node, s.Group, s.GroupIRI, s.Masto
		mobi := n.Net.NewInstance("mobilizon.test", fedtest.Mastodon) // Mobilizon-shaped Joins (fedtest/mobilizon.go)
		alice, bob := masto.NewActor("alice"), masto.NewActor("bob")
		tom, una := mobi.NewActor("tom"), mobi.NewActor("una")
		for _, a := range []*fedtest.Actor{alice, bob, tom} {
			follow(t, n, a, group)
		}

		bad := []community.EventInput{
			{Title: "", Start: time.Now().Add(time.Hour), End: time.Now().Add(2 * time.Hour)},
			{Title: "x", Start: time.Now().Add(time.Hour), End: time.Now()},
			{Title: "x", Start: time.Now().Add(time.Hour), End: time.Now().Add(2 * time.Hour), Timezone: "Mars/Olympus"},
			{Title: "x", Start: time.Now().Add(time.Hour), End: time.Now().Add(2 * time.Hour), OnlineURL: "ftp://x"},
			{Title: "x", Start: time.Now().Add(time.Hour), End: time.Now().Add(2 * time.Hour), OnlineURL: "https://x.example", PlaceName: "Hall"},
		}
		for i, in := range bad {
			if _, err := n.Fed.Community.Events.PublishEvent(ctx, g.Name, in, ada); err == nil {
				t.Errorf("bad event %d accepted", i)
			}
		}
		start := time.Now().Add(48 * time.Hour).Truncate(time.Minute)
		ev, err := n.Fed.Community.Events.PublishEvent(ctx, g.Name, community.EventInput{
			Title: "Seed swap", Description: "Bring **seeds**", Start: start, End: start.Add(2 * time.Hour),
			Timezone: "Europe/London", PlaceName: "Plot 12", PlaceAddress: "1 Garden Lane", Capacity: 2,
		}, ada)
		if err != nil {
			t.Fatal(err)
		}
		eventIRI := ev.Post.IRI
		d := masto.WaitFor(t, func(d fedtest.Delivery) bool { return d.Type() == "Create" && d.ObjectID() == eventIRI }, wait)
		o := objectOf(d)
		loc, _ := o["location"].(map[string]any)
		if o["type"] != "Event" || o["name"] != "Seed swap" || o["timezone"] != "Europe/London" || o["joinMode"] != "free" ||
			o["maximumAttendeeCapacity"] != 2.0 || o["ical:status"] != "CONFIRMED" || o["audience"] != group ||
			loc["name"] != "Plot 12" || !strings.Contains(o["content"].(string), "Plot 12, 1 Garden Lane") ||
			!strings.Contains(o["content"].(string), ev.When()) {
			t.Errorf("Create{Event}: %s", d.Body)
		}

		// Mobilizon: Join → Accept, attendee stored.
		join := tom.Join(eventIRI, group)
		if p := send(t, n, tom, group, join); p.Err != nil || p.Dropped != "" {
			t.Fatalf("Join: %+v", p)
		}
		mobi.WaitFor(t, func(d fedtest.Delivery) bool { return d.Type() == "Accept" && d.ObjectID() == join["id"] }, wait)

		// Mastodon: a public "going" reply → attendee, a DM, and the reply in the thread.
		act, p := sendNote(t, n, alice, group, fedtest.Note{Content: "@" + g.Name + " going! see you there", InReplyTo: eventIRI, Mentions: []fedtest.Mention{{Href: group, Name: "@" + path.Base(group) + "@" + webtest.Host}}})
		if p.Err != nil || p.Dropped != "" {
			t.Fatalf("going reply: %+v", p)
		}
		masto.WaitFor(t, dmContaining("You're on the list for Seed swap"), wait)
		if _, err := storage.PostByIRI(ctx, n.DB, g.ID, fedtest.ObjectID(act)); err != nil {
			t.Errorf("the going reply is not in the thread: %v", err)
		}
		attendees := func() []string {
			as, err := storage.ListAttendees(ctx, n.DB, ev.ID)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, a := range as {
				names = append(names, a.Actor.Username+"/"+a.Via)
			}
			return names
		}
		if got := strings.Join(attendees(), ","); got != "tom/join,alice/reply" {
			t.Errorf("attendees: %s", got)
		}

		// Full: a Join is rejected; a "going" DM gets a DM back, not modmail.
		join2 := una.Join(eventIRI, group)
		send(t, n, una, group, join2)
		mobi.WaitFor(t, func(d fedtest.Delivery) bool { return d.Type() == "Reject" && d.ObjectID() == join2["id"] }, wait)
		sendNote(t, n, bob, group, fedtest.Note{Content: "@" + g.Name + " going", InReplyTo: eventIRI, Visibility: fedtest.VisibilityDirect})
		masto.WaitFor(t, dmContaining("Seed swap is full"), wait)
		if c, _ := n.DB.NewSelect().Model((*storage.Conversation)(nil)).Where("group_id = ?", g.ID).Count(ctx); c != 0 {
			t.Errorf("an RSVP DM was filed as modmail: %d conversations", c)
		}

		// Leave frees a place; bob's "going" DM now counts.
		send(t, n, tom, group, tom.Leave(eventIRI, group))
		sendNote(t, n, bob, group, fedtest.Note{Content: "@" + g.Name + " Going", InReplyTo: eventIRI, Visibility: fedtest.VisibilityDirect})
		webtest.Eventually(t, "bob on the list", func() bool { return strings.Join(attendees(), ",") == "alice/reply,bob/reply" })
		// "not going" takes alice off.
		sendNote(t, n, alice, group, fedtest.Note{Content: "@" + g.Name + " not going, sorry", InReplyTo: eventIRI, Mentions: []fedtest.Mention{{Href: group, Name: "@" + path.Base(group) + "@" + webtest.Host}}})
		masto.WaitFor(t, dmContaining("You're off the list for Seed swap"), wait)
		if got := strings.Join(attendees(), ","); got != "bob/reply" {
			t.Errorf("attendees after not going: %s", got)
		}
		// The served Event counts the participants.
		if status, doc := fetchJSON(t, n, eventIRI); status != 200 || doc["participantCount"] != 1.0 || doc["type"] != "Event" {
			t.Errorf("GET event: %d %v", status, doc)
		}

		// The reminder: moving the event so that its reminder (48 h
		// before) is due in a few seconds schedules a job that DMs
		// every attendee when it runs.
		in := community.EventInputOf(ev)
		in.Start = time.Now().Add(48*time.Hour + 3*time.Second)
		in.End, in.RemindBefore = in.Start.Add(time.Hour), 48*time.Hour
		if err := n.Fed.Community.Events.EditEvent(ctx, ev.ID, in, ada); err != nil {
			t.Fatal(err)
		}
		masto.WaitFor(t, func(d fedtest.Delivery) bool { return d.Type() == "Update" && d.ObjectID() == eventIRI }, wait)
		r := masto.WaitFor(t, dmContaining("Reminder: Seed swap"), wait)
		if to := asStrings(r.Activity["to"]); len(to) != 1 || to[0] != bob.ID() {
			t.Errorf("reminder to %v, want bob only", to)
		}
		if got, _ := storage.EventByID(ctx, n.DB, ev.ID); got.RemindedAt.IsZero() {
			t.Error("event not marked reminded")
		}

		// Cancel: Update with ical:status CANCELLED and a note; the attendees are told.
		if err := n.Fed.Community.Events.CancelEvent(ctx, ev.ID, "The plot is flooded.", ada); err != nil {
			t.Fatal(err)
		}
		c := masto.WaitFor(t, func(d fedtest.Delivery) bool {
			return d.Type() == "Update" && d.ObjectID() == eventIRI && objectOf(d)["ical:status"] == "CANCELLED"
		}, wait)
		if !strings.Contains(objectOf(c)["content"].(string), "The plot is flooded.") {
			t.Errorf("cancel Update: %s", c.Body)
		}
		masto.WaitFor(t, dmContaining("Seed swap ("), wait)
		if err := n.Fed.Community.Events.EditEvent(ctx, ev.ID, in, ada); err == nil {
			t.Error("a cancelled event was edited")
		}
		// Delete.
		if err := n.Fed.Community.Events.DeleteEvent(ctx, ev.ID, ada); err != nil {
			t.Fatal(err)
		}
		masto.WaitFor(t, func(d fedtest.Delivery) bool { return d.Type() == "Delete" && d.ObjectID() == eventIRI }, wait)
		if _, err := storage.EventByID(ctx, n.DB, ev.ID); !isNotFound(err) {
			t.Errorf("deleted event still stored: %v", err)
		}
		if p := send(t, n, una, group, una.Join(eventIRI, group)); p.Dropped == "" {
			t.Errorf("Join of a deleted event: %+v", p)
		}
	})
}

func isNotFound(err error) bool {
	return err != nil && strings.Contains(err.Error(), storage.ErrNotFound.Error())
}

// A members-only event is addressed to the members and refuses
// non-members' Joins.
func TestMembersOnlyEvent(t *testing.T) {
	b := storagetest.Backends()[0]
	ctx := context.Background()
	n := webtest.Start(t, b, webtest.Options{})
	g := n.CreateGroup(t, "g", nil)
	group := n.GroupIRI(g.Name)
	mobi := n.Net.NewInstance("mobilizon.test", fedtest.Mastodon)
	tom, una := mobi.NewActor("tom"), mobi.NewActor("una")
	follow(t, n, tom, group)
	start := time.Now().Add(72 * time.Hour)
	ev, err := n.Fed.Community.Events.PublishEvent(ctx, "g", community.EventInput{
		Title: "Members' supper", Start: start, End: start.Add(time.Hour), OnlineURL: "https://meet.example/supper", MembersOnly: true,
	}, ada)
	if err != nil {
		t.Fatal(err)
	}
	d := mobi.WaitFor(t, func(d fedtest.Delivery) bool { return d.Type() == "Create" && d.ObjectID() == ev.Post.IRI }, wait)
	if strings.Contains(string(d.Body), "#Public") || objectOf(d)["isOnline"] != true {
		t.Errorf("members-only event: %s", d.Body)
	}
	j := una.Join(ev.Post.IRI, group)
	send(t, n, una, group, j)
	mobi.WaitFor(t, func(d fedtest.Delivery) bool { return d.Type() == "Reject" && d.ObjectID() == j["id"] }, wait)
	j = tom.Join(ev.Post.IRI, group)
	send(t, n, tom, group, j)
	mobi.WaitFor(t, func(d fedtest.Delivery) bool { return d.Type() == "Accept" && d.ObjectID() == j["id"] }, wait)
	// Undo{Join} works like Leave.
	send(t, n, tom, group, tom.Undo(j))
	if c, _ := storage.CountAttendees(ctx, n.DB, ev.ID); c != 0 {
		t.Errorf("attendees after Undo{Join}: %d", c)
	}
}

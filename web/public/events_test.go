package public_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/storage/storagetest"
)

// event stores an event of g (its post and row) directly.
func (f fixtures) event(g *storage.Group, title string, start time.Time, mutate func(*storage.Event)) *storage.Event {
	f.t.Helper()
	ev := &storage.Event{
		GroupID: g.ID, Title: title, StartsAt: start.UTC().Truncate(time.Second), EndsAt: start.Add(2 * time.Hour).UTC().Truncate(time.Second),
		Timezone: "Europe/London", PlaceName: "Plot 12", PlaceAddress: "1 Garden Lane, Exeter", RemindBeforeMinutes: 1440,
	}
	if mutate != nil {
		mutate(ev)
	}
	p := f.post(g, nil, nil, "<p><strong>"+title+"</strong></p><p>Bring seeds; share, swap, chat — everyone is welcome, and there will be tea and cake for all who come along to the garden.</p>", func(p *storage.Post) {
		p.Kind, p.Name = "Event", title
		if ev.MembersOnly {
			p.Visibility = storage.VisibilityFollowers
		}
	})
	ev.PostID = p.ID
	if err := storage.CreateEvent(context.Background(), f.db, time.Now(), ev); err != nil {
		f.t.Fatal(err)
	}
	ev.Post = p
	return ev
}

func TestEventPagesAndCalendar(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		f := fixtures{t, db}
		s := newSite(t, db, nil)
		g := f.group("gardeners", nil)
		start := time.Now().Add(72 * time.Hour)
		public := f.event(g, "Seed swap; spring, 2026", start, nil)
		secret := f.event(g, "Members' supper", start.Add(time.Hour), func(e *storage.Event) { e.MembersOnly = true })
		cancelled := f.event(g, "Pruning day", start.Add(48*time.Hour), func(e *storage.Event) {
			e.CancelledAt, e.PlaceName, e.PlaceAddress, e.OnlineURL = time.Now(), "", "", "https://meet.example/prune"
		})
		alice := f.actor("alice", "mastodon.test", nil)
		if _, err := storage.AddAttendee(ctx, db, time.Now(), &storage.Attendee{EventID: public.ID, ActorID: alice.ID, Via: storage.AttendViaReply}); err != nil {
			t.Fatal(err)
		}

		list := s.get("/groups/gardeners/events")
		if list.Status != http.StatusOK {
			t.Fatalf("events: %d", list.Status)
		}
		mustContain(t, "events page", list.Body, "Seed swap; spring, 2026", "Pruning day", "Cancelled", "/groups/gardeners/events.ics", public.When())
		mustNotContain(t, "events page", list.Body, "Members&#39; supper", "Members' supper")

		page := s.get("/groups/gardeners/events/" + public.ID)
		if page.Status != http.StatusOK {
			t.Fatalf("event page: %d", page.Status)
		}
		mustContain(t, "event page", page.Body, "Plot 12, 1 Garden Lane, Exeter", "1 person", "going", public.Post.IRI)
		mustNotContain(t, "event page", page.Body, "alice") // who comes is not public
		for path, want := range map[string]int{
			"/groups/gardeners/events/" + secret.ID:    http.StatusNotFound,
			"/groups/gardeners/events/" + "not-a-uuid": http.StatusNotFound,
			"/groups/nope/events/" + public.ID:         http.StatusNotFound,
		} {
			if got := s.get(path); got.Status != want {
				t.Errorf("GET %s: %d, want %d", path, got.Status, want)
			}
		}

		// The calendar, line by line.
		cal := s.get("/groups/gardeners/events.ics")
		if cal.Status != http.StatusOK || !strings.HasPrefix(cal.Header.Get("Content-Type"), "text/calendar") {
			t.Fatalf("calendar: %d %s", cal.Status, cal.Header.Get("Content-Type"))
		}
		if !strings.HasSuffix(cal.Body, "END:VCALENDAR\r\n") || strings.Contains(strings.ReplaceAll(cal.Body, "\r\n", ""), "\n") {
			t.Fatalf("calendar lines must end with CRLF:\n%q", cal.Body)
		}
		lines := strings.Split(strings.TrimSuffix(cal.Body, "\r\n"), "\r\n")
		var unfolded []string
		for _, l := range lines {
			if len(l) > 75 {
				t.Errorf("line over 75 octets (%d): %q", len(l), l)
			}
			if !utf8.ValidString(l) {
				t.Errorf("fold split a UTF-8 sequence: %q", l)
			}
			if strings.HasPrefix(l, " ") {
				unfolded[len(unfolded)-1] += l[1:]
				continue
			}
			unfolded = append(unfolded, l)
		}
		if unfolded[0] != "BEGIN:VCALENDAR" || unfolded[1] != "VERSION:2.0" || !strings.HasPrefix(unfolded[2], "PRODID:") {
			t.Errorf("calendar head: %q", unfolded[:3])
		}
		events := map[string]map[string]string{} // UID → properties
		var cur map[string]string
		for _, l := range unfolded {
			name, value, ok := strings.Cut(l, ":")
			if !ok {
				t.Errorf("content line without a colon: %q", l)
				continue
			}
			switch {
			case l == "BEGIN:VEVENT":
				cur = map[string]string{}
			case l == "END:VEVENT":
				events[cur["UID"]] = cur
				cur = nil
			case cur != nil:
				cur[name] = value
			}
		}
		if len(events) != 2 {
			t.Fatalf("%d VEVENTs, want 2 (members-only left out): %v", len(events), events)
		}
		e := events[public.ID+"@"+domain]
		want := map[string]string{
			"DTSTART":  public.StartsAt.UTC().Format("20060102T150405Z"),
			"DTEND":    public.EndsAt.UTC().Format("20060102T150405Z"),
			"SUMMARY":  `Seed swap\; spring\, 2026`,
			"LOCATION": `Plot 12\, 1 Garden Lane\, Exeter`,
			"URL":      "https://" + domain + "/groups/gardeners/events/" + public.ID,
			"STATUS":   "CONFIRMED",
		}
		for k, v := range want {
			if e[k] != v {
				t.Errorf("%s = %q, want %q", k, e[k], v)
			}
		}
		if !strings.Contains(e["DESCRIPTION"], `tea and cake`) || strings.Contains(e["DESCRIPTION"], "<") || e["DTSTAMP"] == "" {
			t.Errorf("DESCRIPTION/DTSTAMP: %v", e)
		}
		c := events[cancelled.ID+"@"+domain]
		if c["STATUS"] != "CANCELLED" || c["LOCATION"] != "https://meet.example/prune" {
			t.Errorf("cancelled event: %v", c)
		}
	})
}

func TestMemberDirectoryPage(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		f := fixtures{t, db}
		s := newSite(t, db, nil)
		open := f.group("gardeners", nil)
		closed := f.group("quiet", func(g *storage.Group) { g.Closed = true })
		alice, bob, eve := f.actor("alice", "mastodon.test", nil), f.actor("bob", "mastodon.test", nil), f.actor("eve", "mastodon.test", nil)
		for _, a := range []*storage.RemoteActor{alice, bob, eve} {
			f.member(open, a, storage.FollowAccepted)
			f.member(closed, a, storage.FollowAccepted)
		}
		intro := f.post(open, alice, nil, "<p>I grow beans</p>", nil)
		private := f.post(open, bob, nil, "<p>my secret diary</p>", func(p *storage.Post) { p.Visibility = storage.VisibilityFollowers })
		for _, x := range []struct {
			a     *storage.RemoteActor
			g     *storage.Group
			intro *storage.Post
		}{{alice, open, intro}, {bob, open, private}, {alice, closed, nil}} {
			if err := storage.SetInDirectory(ctx, db, time.Now(), x.g.ID, x.a.ID, true); err != nil {
				t.Fatal(err)
			}
			if x.intro != nil {
				if err := storage.SetIntroPost(ctx, db, time.Now(), x.g.ID, x.a.ID, x.intro.ID); err != nil {
					t.Fatal(err)
				}
			}
		}
		b := &storage.Badge{GroupID: open.ID, Label: "Green thumb", Emoji: "🌱"}
		if err := storage.CreateBadge(ctx, db, time.Now(), b); err != nil {
			t.Fatal(err)
		}
		if err := storage.AwardBadge(ctx, db, time.Now(), &storage.BadgeAward{BadgeID: b.ID, ActorID: alice.ID}); err != nil {
			t.Fatal(err)
		}
		res := s.get("/groups/gardeners/members")
		if res.Status != http.StatusOK {
			t.Fatalf("directory: %d", res.Status)
		}
		mustContain(t, "directory", res.Body, "@alice@mastodon.test", "@bob@mastodon.test", "I grow beans", "🌱 Green thumb")
		mustNotContain(t, "directory", res.Body, "@eve@mastodon.test", "my secret diary")
		if res := s.get("/groups/quiet/members"); res.Status != http.StatusNotFound {
			t.Errorf("closed group's directory: %d", res.Status)
		}
		st := storage.DefaultBelongingSettings(open.ID)
		st.DirectoryPublic = false
		if err := storage.SaveBelongingSettings(ctx, db, time.Now(), st); err != nil {
			t.Fatal(err)
		}
		if res := s.get("/groups/gardeners/members"); res.Status != http.StatusNotFound {
			t.Errorf("directory kept private: %d", res.Status)
		}
	})
}

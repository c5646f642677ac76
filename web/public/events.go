package public

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/kith-social/kith/federation/content"
	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/web/ical"
)

// belongingRoutes mounts a group's events, its iCalendar feed and its
// member directory. Members-only events never appear here: not
// in a list, a page or the feed.
func (p *Public) belongingRoutes(r chi.Router) {
	r.Get("/events", p.h(p.eventList))
	r.Get("/events.ics", p.h(p.eventCalendar))
	r.Get("/events/{id}", p.h(p.eventPage))
	r.Get("/members", p.h(p.directoryPage))
}

// eventView is what the templates show of an event.
type eventView struct {
	ID        string
	Title     string
	When      string
	Start     time.Time
	Where     string
	MapURL    string // a map search for the place; "" online
	OnlineURL string
	Content   string // the event post's sanitised HTML (summary and description)
	Page      string // the event page, relative
	IRI       string // the Event's id: paste it in Mobilizon or Mastodon to RSVP
	Capacity  int
	Attending int
	Cancelled bool
	Past      bool
	// The cover image, "" for none: a path on this node, its description
	// and size (so the page does not jump while it loads).
	ImageURL, ImageAlt      string
	ImageWidth, ImageHeight int
}

func (p *Public) eventView(g *groupView, ev *storage.Event, attending int, now time.Time) eventView {
	return eventView{
		ID: ev.ID, Title: ev.Title, When: ev.When(), Start: ev.StartsAt, Where: ev.Where(), MapURL: ev.MapURL(), OnlineURL: firstWebURL(ev.OnlineURL),
		Content: ev.Post.ContentHTML, Page: g.Path + "/events/" + ev.ID, IRI: ev.Post.IRI,
		Capacity: ev.Capacity, Attending: attending, Cancelled: ev.Cancelled(), Past: !now.Before(ev.EndsAt),
		ImageURL: p.mediaPath(ev.ImagePath), ImageAlt: ev.ImageAlt, ImageWidth: ev.ImageWidth, ImageHeight: ev.ImageHeight,
	}
}

// publicEvent is the one rule for which events a public page may show:
// not members-only, and its post published and public.
func publicEvent(ev *storage.Event) bool {
	return !ev.MembersOnly && ev.Post != nil && visible(ev.Post)
}

type eventsData struct {
	Group    *groupView
	Upcoming []eventView
	Past     []eventView
	Calendar string // the .ics feed, absolute
}

// eventList shows a group's public events: coming ones, then the last few.
func (p *Public) eventList(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	g, gv, err := p.loadGroup(ctx, r)
	if err != nil {
		return err
	}
	now := time.Now()
	upcoming, err := storage.ListEvents(ctx, p.db, storage.EventFilter{GroupID: g.ID, PublicOnly: true, EndsAfter: now, Limit: 100})
	if err != nil {
		return err
	}
	recent, err := storage.ListEvents(ctx, p.db, storage.EventFilter{GroupID: g.ID, PublicOnly: true, StartsFrom: now.AddDate(0, -3, 0), StartsTo: now, Limit: 100})
	if err != nil {
		return err
	}
	d := eventsData{Group: gv, Calendar: gv.URL + "/events.ics"}
	for i := range upcoming {
		if publicEvent(&upcoming[i]) {
			d.Upcoming = append(d.Upcoming, p.eventView(gv, &upcoming[i], 0, now))
		}
	}
	for i := len(recent) - 1; i >= 0 && len(d.Past) < 5; i-- {
		if ev := &recent[i]; publicEvent(ev) && !now.Before(ev.EndsAt) {
			d.Past = append(d.Past, p.eventView(gv, ev, 0, now))
		}
	}
	return p.render(w, http.StatusOK, "events", &page{
		Title: "Events · " + gv.Title, Desc: "Events of " + gv.Title, Canonical: gv.URL + "/events",
		Feeds: []feedLink{{Type: "text/calendar", Title: gv.Title + " events (iCalendar)", Href: d.Calendar}},
		Data:  d,
	})
}

type eventData struct {
	Group    *groupView
	Event    eventView
	Calendar string
}

// eventPage shows one public event; a members-only one does not exist here.
func (p *Public) eventPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	g, gv, err := p.loadGroup(ctx, r)
	if err != nil {
		return err
	}
	id := chi.URLParam(r, "id")
	if _, err := uuid.Parse(id); err != nil {
		return fmt.Errorf("event %q: %w", id, storage.ErrNotFound)
	}
	ev, err := storage.EventByID(ctx, p.db, id)
	if err != nil {
		return err
	}
	if ev.GroupID != g.ID || !publicEvent(ev) {
		return fmt.Errorf("event %s: %w", id, storage.ErrNotFound)
	}
	n, err := storage.CountAttendees(ctx, p.db, ev.ID)
	if err != nil {
		return err
	}
	v := p.eventView(gv, ev, n, time.Now())
	return p.render(w, http.StatusOK, "event", &page{
		Title: ev.Title + " · " + gv.Title, Desc: ev.Title + ", " + ev.When(), Canonical: p.base + v.Page,
		Feeds: []feedLink{{Type: "application/activity+json", Title: ev.Title, Href: ev.Post.IRI}},
		Data:  eventData{Group: gv, Event: v, Calendar: gv.URL + "/events.ics"},
	})
}

// eventCalendar is the group's public events as iCalendar (RFC 5545):
// one VEVENT per event of the last three months and the future, times in
// UTC, cancelled ones with STATUS:CANCELLED.
func (p *Public) eventCalendar(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	g, gv, err := p.loadGroup(ctx, r)
	if err != nil {
		return err
	}
	evs, err := storage.ListEvents(ctx, p.db, storage.EventFilter{GroupID: g.ID, PublicOnly: true, EndsAfter: time.Now().AddDate(0, -3, 0), Limit: 500})
	if err != nil {
		return err
	}
	var c ical.Calendar
	c.Begin("Group events", gv.Title)
	for i := range evs {
		ev := &evs[i]
		if !publicEvent(ev) {
			continue
		}
		where := ev.OnlineURL
		if where == "" {
			where = ev.Where()
		}
		c.Event(ical.Event{UID: ev.ID + "@" + p.domain, Stamp: ev.UpdatedAt, Start: ev.StartsAt, End: ev.EndsAt,
			Summary: ev.Title, Description: content.PlainText(ev.Post.ContentHTML), Location: where,
			URL: p.base + gv.Path + "/events/" + ev.ID, Cancelled: ev.Cancelled()})
	}
	c.End()
	h := w.Header()
	h.Set("Content-Type", "text/calendar; charset=utf-8")
	h.Set("Content-Disposition", `inline; filename="`+g.Name+`-events.ics"`)
	h.Set("Cache-Control", "public, max-age=300")
	h.Set("X-Content-Type-Options", "nosniff")
	_, err = w.Write([]byte(c.String()))
	return err
}

// loadGroup loads the {name} group and its view.
func (p *Public) loadGroup(ctx context.Context, r *http.Request) (*storage.Group, *groupView, error) {
	g, err := storage.GroupByName(ctx, p.db, chi.URLParam(r, "name"))
	if err != nil {
		return nil, nil, err
	}
	gv, err := p.groupView(ctx, p.db, g)
	if err != nil {
		return nil, nil, err
	}
	return g, gv, nil
}

// directoryEntry is a member listed in the public directory.
type directoryEntry struct {
	Name    string
	Handle  string
	URL     string
	IconURL string
	Intro   string // sanitised HTML of their intro post, when it is public
	Badges  []string
	// What they added in this group on the members' pages (plain text).
	Pronouns string
	Fields   []storage.MemberField
}

type directoryData struct {
	Group   *groupView
	Members []directoryEntry
}

// directoryPage lists the members of an open group who opted in (by DM:
// "directory on"). A closed group's directory, or one the group keeps
// private, is for its staff only (in the admin UI): here it does not exist.
func (p *Public) directoryPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	g, gv, err := p.loadGroup(ctx, r)
	if err != nil {
		return err
	}
	s, err := storage.BelongingSettingsOf(ctx, p.db, g.ID)
	if err != nil {
		return err
	}
	if g.Closed || !s.DirectoryPublic {
		return &httpError{http.StatusNotFound, "This group's member directory is visible to its moderators only."}
	}
	entries, err := storage.DirectoryMembers(ctx, p.db, g.ID, 500, 0)
	if err != nil {
		return err
	}
	d := directoryData{Group: gv}
	for _, e := range entries {
		a := e.Actor
		if a == nil {
			continue
		}
		name := a.Name
		if name == "" {
			name = a.Username
		}
		de := directoryEntry{Name: name, Handle: "@" + a.Username + "@" + a.Host, URL: firstWebURL(a.URL, a.IRI), IconURL: p.imageURL(a.IconURL)}
		if e.Profile != nil {
			de.Pronouns, de.Fields = e.Profile.Pronouns, e.Profile.Fields()
		}
		if e.IntroPost != nil && visible(e.IntroPost) {
			de.Intro = e.IntroPost.ContentHTML
		}
		badges, err := storage.BadgesOf(ctx, p.db, g.ID, a.ID)
		if err != nil {
			return err
		}
		for _, b := range badges {
			de.Badges = append(de.Badges, b.Badge.Emoji+" "+b.Badge.Label)
		}
		d.Members = append(d.Members, de)
	}
	return p.render(w, http.StatusOK, "directory", &page{
		Title: "Members · " + gv.Title, Desc: "Members of " + gv.Title + " who chose to be listed", Canonical: gv.URL + "/members",
		NoIndex: true, Data: d,
	})
}

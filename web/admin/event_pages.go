package admin

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/kith-social/kith/federation/community"
	"github.com/kith-social/kith/storage"
)

// eventsPageData lists a group's events.
type eventsPageData struct {
	Nav      groupNav
	Upcoming []storage.Event
	Past     []storage.Event
}

func (a *Admin) eventList(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	g := currentGroup(ctx)
	nav, err := a.nav(ctx, "events")
	if err != nil {
		return err
	}
	now := a.now()
	d := eventsPageData{Nav: nav}
	if d.Upcoming, err = storage.ListEvents(ctx, a.db, storage.EventFilter{GroupID: g.ID, EndsAfter: now, Limit: 200}); err != nil {
		return err
	}
	past, err := storage.ListEvents(ctx, a.db, storage.EventFilter{GroupID: g.ID, StartsTo: now, Limit: 500})
	if err != nil {
		return err
	}
	for i := len(past) - 1; i >= 0 && len(d.Past) < 20; i-- {
		if !now.Before(past[i].EndsAt) {
			d.Past = append(d.Past, past[i])
		}
	}
	return a.renderBelonging(w, r, http.StatusOK, "events", &page{Title: "Events · " + g.Title, Data: d})
}

// eventFormData is the event form, new or editing.
type eventFormData struct {
	Nav     groupNav
	Editing *storage.Event
	Zones   []zoneOption // the same list as the composer's (zones.go)
}

const eventTimeLayout = "2006-01-02T15:04" // <input type="datetime-local">

func (a *Admin) renderEventForm(w http.ResponseWriter, r *http.Request, status int, f *form, editing *storage.Event) error {
	nav, err := a.nav(r.Context(), "events")
	if err != nil {
		return err
	}
	title := "New event"
	if editing != nil {
		title = "Edit event"
	}
	keep := ""
	if editing != nil {
		keep = editing.Timezone
	}
	return a.renderBelonging(w, r, status, "event_form", &page{Title: title, Form: f, Data: eventFormData{Nav: nav, Editing: editing, Zones: zoneOptions(a.now(), keep)}})
}

func (a *Admin) eventNewForm(w http.ResponseWriter, r *http.Request) error {
	f := newForm(nil)
	f.values.Set("timezone", "UTC")
	f.values.Set("remind_hours", "24")
	f.values.Set("capacity", "0")
	f.values.Set("audience", "public")
	return a.renderEventForm(w, r, http.StatusOK, f, nil)
}

// eventInput reads and checks the event form; errors go on f. keep is
// the zone of the event being edited, accepted even if the list lacks it.
func eventInput(f *form, keep string) community.EventInput {
	in := community.EventInput{
		Title: f.Get("title"), Description: f.Raw("description"), Timezone: f.Get("timezone"),
		PlaceName: f.Get("place_name"), PlaceAddress: f.Get("place_address"), OnlineURL: f.Get("online_url"),
		MembersOnly: f.Get("audience") == "members",
	}
	switch {
	case in.Title == "":
		f.Fail("title", "Give the event a title.")
	case utf8.RuneCountInString(in.Title) > 200:
		f.Fail("title", "Keep the title to 200 characters.")
	}
	loc := time.UTC
	if in.Timezone == "" {
		in.Timezone = "UTC"
	}
	if l, ok := zoneOf(in.Timezone, keep); !ok {
		f.Fail("timezone", "Choose a time zone from the list.")
	} else {
		loc = l
	}
	parse := func(name, what string) time.Time {
		t, err := time.ParseInLocation(eventTimeLayout, f.Get(name), loc)
		if err != nil {
			f.Fail(name, "Say when the event "+what+".")
		}
		return t
	}
	in.Start, in.End = parse("start", "starts"), parse("end", "ends")
	if !in.Start.IsZero() && !in.End.IsZero() && in.End.Before(in.Start) {
		f.Fail("end", "The event must not end before it starts.")
	}
	if in.OnlineURL != "" && (in.PlaceName != "" || in.PlaceAddress != "") {
		f.Fail("online_url", "Give a place or an online link, not both.")
	}
	capacity, err := 0, error(nil)
	if c := f.Get("capacity"); c != "" {
		capacity, err = strconv.Atoi(c)
	}
	if err != nil || capacity < 0 {
		f.Fail("capacity", "A whole number of places; 0 for no limit.")
	}
	in.Capacity = capacity
	hours, err := strconv.ParseFloat(f.Get("remind_hours"), 64)
	switch {
	case f.Get("remind_hours") == "" || err == nil && hours == 0:
		in.RemindBefore = -1
	case err != nil || hours < 0 || hours > 24*14:
		f.Fail("remind_hours", "Hours before the start (up to two weeks); 0 for no reminder.")
	default:
		in.RemindBefore = time.Duration(hours * float64(time.Hour))
	}
	return in
}

// eventCreate publishes a new event.
func (a *Admin) eventCreate(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	g := currentGroup(ctx)
	f, err := parseForm(r)
	if err != nil {
		return err
	}
	in := eventInput(f, "")
	saved, err := a.eventImageInput(r, f, g.ID, nil, &in)
	if err != nil {
		return err
	}
	var ev *storage.Event
	if f.Valid() {
		ev, err = a.events.PublishEvent(ctx, g.Name, in, staffOf(r))
		if err := belongingFail(f, err); err != nil {
			a.discardMedia(r, saved)
			return fmt.Errorf("publish event in %s: %w", g.Name, err)
		}
	}
	if !f.Valid() {
		a.discardMedia(r, saved)
		return a.renderEventForm(w, r, http.StatusUnprocessableEntity, f, nil)
	}
	return redirect(w, r, "/admin/groups/"+g.Name+"/events/"+ev.ID+"?done=event")
}

// groupEvent loads the {event} of the current group (404 for another group's).
func (a *Admin) groupEvent(r *http.Request) (*storage.Event, error) {
	ev, err := storage.EventByID(r.Context(), a.db, chiParam(r, "event"))
	if err != nil {
		return nil, err
	}
	if ev.GroupID != currentGroup(r.Context()).ID {
		return nil, errNotFound("There is no such event in this group.")
	}
	return ev, nil
}

func (a *Admin) eventEditForm(w http.ResponseWriter, r *http.Request) error {
	ev, err := a.groupEvent(r)
	if err != nil {
		return err
	}
	loc := ev.Location()
	f := newForm(nil)
	for k, v := range map[string]string{
		"title": ev.Title, "description": ev.Description, "timezone": ev.Timezone,
		"start": ev.StartsAt.In(loc).Format(eventTimeLayout), "end": ev.EndsAt.In(loc).Format(eventTimeLayout),
		"place_name": ev.PlaceName, "place_address": ev.PlaceAddress, "online_url": ev.OnlineURL,
		"capacity": strconv.Itoa(ev.Capacity), "remind_hours": strconv.FormatFloat(float64(ev.RemindBeforeMinutes)/60, 'f', -1, 64),
		"image_alt": ev.ImageAlt,
	} {
		f.values.Set(k, v)
	}
	return a.renderEventForm(w, r, http.StatusOK, f, ev)
}

func (a *Admin) eventEdit(w http.ResponseWriter, r *http.Request) error {
	ev, err := a.groupEvent(r)
	if err != nil {
		return err
	}
	g := currentGroup(r.Context())
	f, err := parseForm(r)
	if err != nil {
		return err
	}
	in := eventInput(f, ev.Timezone)
	saved, err := a.eventImageInput(r, f, g.ID, ev, &in)
	if err != nil {
		return err
	}
	if f.Valid() {
		if err := belongingFail(f, a.events.EditEvent(r.Context(), ev.ID, in, staffOf(r))); err != nil {
			a.discardMedia(r, saved)
			return err
		}
	}
	if !f.Valid() {
		a.discardMedia(r, saved)
		return a.renderEventForm(w, r, http.StatusUnprocessableEntity, f, ev)
	}
	if ev.ImagePath != "" && (in.RemoveImage || in.Image != nil && in.Image.Path != ev.ImagePath) {
		a.discardMedia(r, []string{ev.ImagePath}) // replaced or removed: the old file is no longer served
	}
	return redirect(w, r, "/admin/groups/"+g.Name+"/events/"+ev.ID+"?done=event-edited")
}

// eventPageData is one event with its attendees.
type eventPageData struct {
	Nav       groupNav
	Event     *storage.Event
	Attendees []storage.Attendee
	Public    string // the public page, absolute ("" for a members-only event)
}

func (a *Admin) eventShow(w http.ResponseWriter, r *http.Request) error {
	ev, err := a.groupEvent(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	g := currentGroup(ctx)
	nav, err := a.nav(ctx, "events")
	if err != nil {
		return err
	}
	d := eventPageData{Nav: nav, Event: ev}
	if d.Attendees, err = storage.ListAttendees(ctx, a.db, ev.ID); err != nil {
		return err
	}
	if !ev.MembersOnly {
		d.Public = a.absURL("/groups/" + g.Name + "/events/" + ev.ID)
	}
	return a.renderBelonging(w, r, http.StatusOK, "event", &page{Title: ev.Title + " · " + g.Title, Data: d})
}

func (a *Admin) eventCancel(w http.ResponseWriter, r *http.Request) error {
	ev, err := a.groupEvent(r)
	if err != nil {
		return err
	}
	f, err := parseForm(r)
	if err != nil {
		return err
	}
	err = a.events.CancelEvent(r.Context(), ev.ID, f.Get("reason"), staffOf(r))
	if err := belongingFail(f, err); err != nil {
		return err
	}
	if !f.Valid() {
		return &httpError{http.StatusUnprocessableEntity, f.Err("")}
	}
	return redirect(w, r, "/admin/groups/"+currentGroup(r.Context()).Name+"/events/"+ev.ID+"?done=event-cancel")
}

func (a *Admin) eventDelete(w http.ResponseWriter, r *http.Request) error {
	ev, err := a.groupEvent(r)
	if err != nil {
		return err
	}
	f, err := parseForm(r)
	if err != nil {
		return err
	}
	ok, err := a.confirmed(w, r, f, confirmation{
		Title: "Delete " + ev.Title + " everywhere?",
		Effects: []string{
			"Every server that has the event is told to delete it; its page and attendee list are gone.",
			"Attendees get no message: to tell them, cancel the event instead.",
		},
		Button: "Delete the event", Cancel: "/admin/groups/" + currentGroup(r.Context()).Name + "/events/" + ev.ID,
	})
	if !ok || err != nil {
		return err
	}
	if err := a.events.DeleteEvent(r.Context(), ev.ID, staffOf(r)); err != nil {
		return err
	}
	return redirect(w, r, "/admin/groups/"+currentGroup(r.Context()).Name+"/events?done=event-deleted")
}

// eventCoverMaxW and eventCoverMaxH bound an event's cover image (a wide
// banner, as Mobilizon shows it).
const eventCoverMaxW, eventCoverMaxH = 1920, 1080

// eventImageInput reads the cover image fields of the event form into in:
// a new upload (field "image", described by "image_alt"), stored through
// the image pipeline when the rest of the form is valid, or "remove_image"
// for an event being edited. It returns the new file, to discard if
// publishing fails; problems the person can fix go on f.
func (a *Admin) eventImageInput(r *http.Request, f *form, groupID string, editing *storage.Event, in *community.EventInput) ([]string, error) {
	fh := uploadedFile(r, "image")
	alt := f.Get("image_alt")
	remove := editing != nil && f.Get("remove_image") != ""
	switch {
	case utf8.RuneCountInString(alt) > maxAltRunes:
		f.Fail("image_alt", "Keep the description to 1500 characters.")
	case fh != nil && alt == "":
		f.Fail("image_alt", "Describe the image for people who cannot see it (alt text).")
	case fh != nil && remove:
		f.Fail("image", "Choose a new image or remove the current one, not both.")
	case fh == nil && alt != "" && (editing == nil || editing.ImagePath == "" || remove):
		f.Fail("image", "Choose the image this description is for, or empty the description.")
	}
	if !f.Valid() {
		if fh != nil {
			f.Fail("", "Please correct the fields marked below, and choose the image again: browsers do not keep it.")
		}
		return nil, nil
	}
	switch {
	case remove:
		in.RemoveImage = true
	case fh != nil:
		si, err := a.saveImage(r.Context(), fh, groupID, "events", eventCoverMaxW, eventCoverMaxH)
		var ue *uploadError
		switch {
		case errors.As(err, &ue):
			f.Fail("image", ue.msg)
			return nil, nil
		case err != nil:
			return nil, err
		}
		in.Image = &community.EventImage{Path: si.Rel, MediaType: si.MediaType, Alt: alt, Width: si.Width, Height: si.Height}
		return []string{si.Rel}, nil
	case editing != nil && editing.ImagePath != "" && alt != "" && alt != editing.ImageAlt:
		// A new description of the current image.
		in.Image = &community.EventImage{Path: editing.ImagePath, MediaType: editing.ImageType, Alt: alt, Width: editing.ImageWidth, Height: editing.ImageHeight}
	}
	return nil, nil
}

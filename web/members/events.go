package members

import (
	"errors"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/kith-social/kith/storage"
)

// eventView is an upcoming event on the members' pages.
type eventView struct {
	ID, Title, When, Where string
	MembersOnly, Cancelled bool
	Going, Maybe           bool
	People, Maybes         int
	Capacity               int
}

type eventsData struct {
	Group   *storage.Group
	CSRF    string
	Events  []eventView
	Message string // the confirmation of the last RSVP
	Error   string
	// The member's private calendar link: whether there is one and since
	// when, and its address right after it was made (never again).
	Calendar    bool
	CalendarAt  string
	CalendarURL string
}

// events lists the group's upcoming events, with the member's RSVP.
func (m *Members) events(w http.ResponseWriter, r *http.Request) error {
	return m.renderEvents(w, r, http.StatusOK, "", "")
}

func (m *Members) renderEvents(w http.ResponseWriter, r *http.Request, status int, msg, errMsg string) error {
	return m.renderEventsWith(w, r, status, msg, errMsg, "")
}

func (m *Members) renderEventsWith(w http.ResponseWriter, r *http.Request, status int, msg, errMsg, calendarURL string) error {
	ctx := r.Context()
	cur := currentMember(ctx)
	evs, err := m.community.UpcomingEventsFor(ctx, cur.Group.ID, cur.Actor.ID)
	if err != nil {
		return err
	}
	d := &eventsData{Group: cur.Group, CSRF: cur.CSRF, Message: msg, Error: errMsg, CalendarURL: calendarURL}
	if cal, err := storage.MemberCalendarOf(ctx, m.db, cur.Group.ID, cur.Actor.ID); err == nil {
		d.Calendar, d.CalendarAt = true, when(cal.CreatedAt)
	} else if !errors.Is(err, storage.ErrNotFound) {
		return err
	}
	for _, e := range evs {
		ev := e.Event
		d.Events = append(d.Events, eventView{
			ID: ev.ID, Title: ev.Title, When: ev.When(), Where: ev.Where(), MembersOnly: ev.MembersOnly, Cancelled: ev.Cancelled(),
			Going: e.Going, Maybe: e.Maybe, People: e.People, Maybes: e.Maybes, Capacity: ev.Capacity,
		})
	}
	return m.render(w, status, "events", cur.Group.Title, d)
}

// rsvp says going, maybe or not going, with the effect and the
// confirmation DM of a reply from the member's server.
func (m *Members) rsvp(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	cur := currentMember(ctx)
	msg, err := m.community.RSVPAsMember(ctx, cur.Group.ID, cur.Actor.ID, chi.URLParam(r, "id"), r.PostForm.Get("answer"))
	if bad := inputError(err); bad != "" {
		return m.renderEvents(w, r, http.StatusUnprocessableEntity, "", bad)
	}
	if err != nil {
		return err
	}
	return m.renderEvents(w, r, http.StatusOK, msg, "")
}

package members

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/kith-social/kith/federation/community"
	"github.com/kith-social/kith/federation/content"
	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/web/auth"
	"github.com/kith-social/kith/web/ical"
)

// calendarPath is the address of a member's private calendar.
func calendarPath(groupName, token string) string {
	return cookiePath(groupName) + "/calendar/" + token + ".ics"
}

// calendarLink makes a new private calendar link (the old one stops
// working) or turns it off, and shows the events page with the new
// address — the only time it is shown: the database keeps its hash.
func (m *Members) calendarLink(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	cur := currentMember(ctx)
	if r.PostForm.Get("action") == "off" {
		if err := storage.DeleteMemberCalendar(ctx, m.db, cur.Group.ID, cur.Actor.ID); err != nil {
			return err
		}
		return m.renderEvents(w, r, http.StatusOK, "Your calendar link is turned off.", "")
	}
	token, err := auth.NewToken()
	if err != nil {
		return err
	}
	if err := storage.ReplaceMemberCalendar(ctx, m.db, m.now(), cur.Group.ID, cur.Actor.ID, auth.HashToken(token)); err != nil {
		return err
	}
	return m.renderEventsWith(w, r, http.StatusOK, "", "", m.base+calendarPath(cur.Group.Name, token))
}

// calendarFeed serves a member's private calendar: every event of the
// group from three months ago on, members-only ones too, with the ones
// they are going to marked. No session: calendar apps have none; the
// secret token is the key, and it works only while its member is one.
func (m *Members) calendarFeed(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	token, ok := strings.CutSuffix(chi.URLParam(r, "file"), ".ics")
	g, err := storage.GroupByName(ctx, m.db, chi.URLParam(r, "name"))
	if err != nil {
		return err
	}
	if !ok || token == "" {
		return fmt.Errorf("calendar: %w", storage.ErrNotFound)
	}
	cal, err := storage.MemberCalendarByTokenHash(ctx, m.db, g.ID, auth.HashToken(token))
	if err != nil {
		return err
	}
	if st, err := m.community.StandingOf(ctx, g.ID, cal.ActorID); err != nil {
		return err
	} else if st != community.Member {
		return fmt.Errorf("calendar of a former member: %w", storage.ErrNotFound)
	}
	evs, err := storage.ListEvents(ctx, m.db, storage.EventFilter{GroupID: g.ID, EndsAfter: m.now().AddDate(0, -3, 0), Limit: 500})
	if err != nil {
		return err
	}
	var c ical.Calendar
	c.Begin("Member calendar", g.Title)
	for i := range evs {
		ev := &evs[i]
		going := false
		if _, err := storage.AttendeeOf(ctx, m.db, ev.ID, cal.ActorID); err == nil {
			going = true
		} else if !errors.Is(err, storage.ErrNotFound) {
			return err
		}
		summary, desc := ev.Title, ""
		if going {
			summary = "✓ " + summary
			desc = "You are going.\n\n"
		}
		if ev.MembersOnly {
			desc += "For members only.\n\n"
		}
		if ev.Post != nil {
			desc += content.PlainText(ev.Post.ContentHTML)
		}
		c.Event(ical.Event{UID: ev.ID + "@" + m.domain, Stamp: ev.UpdatedAt, Start: ev.StartsAt, End: ev.EndsAt,
			Summary: summary, Description: desc, Location: ev.Where(), Cancelled: ev.Cancelled()})
	}
	c.End()
	h := w.Header()
	h.Set("Content-Type", "text/calendar; charset=utf-8")
	h.Set("Cache-Control", "private, no-store")
	h.Set("Last-Modified", m.now().UTC().Format(time.RFC1123))
	_, _ = w.Write([]byte(c.String()))
	return nil
}

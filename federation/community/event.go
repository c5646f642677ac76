package community

// Events. An event is a group post of kind Event: its IRI is the
// post's (so GETs, replies, likes and the thread page work as for any
// post), and storage.Event holds what its object is built from.
//
// Decisions (see docs/federation.md, "Events"):
//   - The object is an ActivityStreams Event shaped like Mobilizon's
//     (timezone, joinMode free, maximumAttendeeCapacity, ical:status), with
//     a summary line saying when and where — Mastodon shows an Event as its
//     name, summary and link, and nothing of its content — and a content
//     that says date, time, place and places left in words, for the
//     servers that show it (Misskey, GoToSocial, the group's own pages).
//   - RSVP: Mobilizon (and other event software) sends Join{event} and
//     gets Accept — or Reject when the event is full, cancelled, over or
//     members-only and they are not a member. Leave or Undo{Join} takes
//     them off the list. Mastodon has no Join: a reply to the event whose
//     text starts with "going" or "not going" (public or a DM) counts, and
//     is answered with a short DM. A public "going" reply also stays in the
//     thread like any reply.
//   - Reminders: a River job scheduled at start − RemindBefore DMs every
//     attendee. Editing the event schedules a new job; a job that finds the
//     reminder moved does nothing, and the event's reminded_at makes a
//     retried job send once.

import (
	"context"
	"errors"
	"fmt"
	"html"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/riverqueue/river"
	"github.com/uptrace/bun"

	"github.com/kith-social/kith/federation/outbox"
	"github.com/kith-social/kith/federation/vocab"
	"github.com/kith-social/kith/storage"
)

// DefaultRemindBefore is when attendees are reminded unless staff choose.
const DefaultRemindBefore = 24 * time.Hour

// EventInput is an event staff write.
type EventInput struct {
	Title       string
	Description string    // Markdown
	Start, End  time.Time // instants; Timezone says how people read them
	Timezone    string    // IANA name; "" is UTC
	// PlaceName and PlaceAddress for an event somewhere; OnlineURL for an
	// online one (not both).
	PlaceName    string
	PlaceAddress string
	OnlineURL    string
	Capacity     int  // 0: unlimited
	MembersOnly  bool // only members see it and may attend
	// RemindBefore is how long before the start attendees get a DM;
	// 0 means DefaultRemindBefore, negative means no reminder.
	RemindBefore time.Duration
	// Image is a new cover image (already stored by the image pipeline);
	// nil keeps the event's current one, and RemoveImage drops it.
	Image       *EventImage
	RemoveImage bool
}

// EventImage is an event's cover image: an upload under the media
// directory (Path, relative to it), with its description.
type EventImage struct {
	Path, MediaType, Alt string
	Width, Height        int
}

func (in EventInput) validate() error {
	switch {
	case strings.TrimSpace(in.Title) == "":
		return fmt.Errorf("%w: give the event a title", ErrInvalidPost)
	case utf8.RuneCountInString(in.Title) > 200:
		return fmt.Errorf("%w: the title is limited to 200 characters", ErrInvalidPost)
	case utf8.RuneCountInString(in.Description) > MaxPostLength:
		return fmt.Errorf("%w: the description is limited to %d characters", ErrInvalidPost, MaxPostLength)
	case in.Start.IsZero() || in.End.IsZero():
		return fmt.Errorf("%w: say when the event starts and ends", ErrInvalidPost)
	case in.End.Before(in.Start):
		return fmt.Errorf("%w: the event must not end before it starts", ErrInvalidPost)
	case in.End.Sub(in.Start) > 31*24*time.Hour:
		return fmt.Errorf("%w: an event lasts at most 31 days", ErrInvalidPost)
	case in.Capacity < 0:
		return fmt.Errorf("%w: the capacity cannot be negative (0 is unlimited)", ErrInvalidPost)
	case in.OnlineURL != "" && (in.PlaceName != "" || in.PlaceAddress != ""):
		return fmt.Errorf("%w: give a place or an online link, not both", ErrInvalidPost)
	case utf8.RuneCountInString(in.PlaceName) > 200 || utf8.RuneCountInString(in.PlaceAddress) > 500:
		return fmt.Errorf("%w: the place is too long", ErrInvalidPost)
	}
	if in.Image != nil && (in.Image.Path == "" || strings.TrimSpace(in.Image.Alt) == "" || utf8.RuneCountInString(in.Image.Alt) > 1500) {
		return fmt.Errorf("%w: the cover image needs a description (at most 1500 characters)", ErrInvalidPost)
	}
	if in.Timezone != "" {
		if _, err := time.LoadLocation(in.Timezone); err != nil {
			return fmt.Errorf("%w: unknown time zone %q (use a name like Europe/London)", ErrInvalidPost, in.Timezone)
		}
	}
	if in.OnlineURL != "" {
		if u, err := url.Parse(in.OnlineURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return fmt.Errorf("%w: the online link must be an http(s) address", ErrInvalidPost)
		}
	}
	return nil
}

func (in EventInput) remindMinutes() int {
	switch {
	case in.RemindBefore < 0:
		return 0
	case in.RemindBefore == 0:
		return int(DefaultRemindBefore / time.Minute)
	default:
		return max(int(in.RemindBefore/time.Minute), 1)
	}
}

// apply copies the input onto an event row.
func (in EventInput) apply(ev *storage.Event) {
	ev.Title, ev.Description = strings.TrimSpace(in.Title), in.Description
	ev.StartsAt, ev.EndsAt = in.Start.UTC().Truncate(time.Second), in.End.UTC().Truncate(time.Second)
	ev.Timezone = in.Timezone
	ev.PlaceName, ev.PlaceAddress, ev.OnlineURL = strings.TrimSpace(in.PlaceName), strings.TrimSpace(in.PlaceAddress), strings.TrimSpace(in.OnlineURL)
	ev.Capacity, ev.RemindBeforeMinutes = in.Capacity, in.remindMinutes()
	switch {
	case in.RemoveImage:
		ev.ImagePath, ev.ImageAlt, ev.ImageType, ev.ImageWidth, ev.ImageHeight = "", "", "", 0, 0
	case in.Image != nil:
		ev.ImagePath, ev.ImageAlt, ev.ImageType = in.Image.Path, strings.TrimSpace(in.Image.Alt), in.Image.MediaType
		ev.ImageWidth, ev.ImageHeight = in.Image.Width, in.Image.Height
	}
}

// Input is the form of a stored event, for editing.
func EventInputOf(ev *storage.Event) EventInput {
	in := EventInput{
		Title: ev.Title, Description: ev.Description, Start: ev.StartsAt, End: ev.EndsAt, Timezone: ev.Timezone,
		PlaceName: ev.PlaceName, PlaceAddress: ev.PlaceAddress, OnlineURL: ev.OnlineURL, Capacity: ev.Capacity,
		MembersOnly: ev.MembersOnly, RemindBefore: time.Duration(ev.RemindBeforeMinutes) * time.Minute,
	}
	if ev.RemindBeforeMinutes == 0 {
		in.RemindBefore = -1
	}
	if ev.ImagePath != "" {
		in.Image = &EventImage{Path: ev.ImagePath, MediaType: ev.ImageType, Alt: ev.ImageAlt, Width: ev.ImageWidth, Height: ev.ImageHeight}
	}
	return in
}

// PublishEvent publishes an event as the group: a Create of an Event sent
// to every member, and the reminder job.
func (e *Events) PublishEvent(ctx context.Context, groupName string, in EventInput, by Staff) (*storage.Event, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	g, err := storage.GroupByName(ctx, e.DB, groupName)
	if err != nil {
		return nil, err
	}
	now := e.Stamp(time.Time{})
	p := &storage.Post{
		ID: storage.NewID(), GroupID: g.ID, Kind: "Event", Visibility: storage.VisibilityPublic,
		State: storage.PostPublished, PublishedAt: now, CreatedAt: now,
	}
	if in.MembersOnly {
		p.Visibility = storage.VisibilityFollowers
	}
	p.IRI = e.IRI.Post(g.Name, p.ID)
	p.URL, p.RootID = p.IRI, p.ID
	ev := &storage.Event{ID: storage.NewID(), PostID: p.ID, GroupID: g.ID, MembersOnly: in.MembersOnly, CreatedAt: now}
	in.apply(ev)
	doc, err := e.eventDocument(g, p, ev, 0, "")
	if err != nil {
		return nil, err
	}
	to, cc := e.addressing(g, in.MembersOnly)
	createID := e.IRI.PostActivity(g.Name, p.ID)
	create, err := vocab.Create(createID, e.IRI.Group(g.Name), doc, to, cc)
	if err != nil {
		return nil, fmt.Errorf("build Create{Event}: %w", err)
	}
	p.ObjectRaw, p.ActivityRaw = string(doc), string(create)
	err = e.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := storage.CreatePost(ctx, tx, e.Now(), p); err != nil {
			return err
		}
		if err := storage.CreateEvent(ctx, tx, e.Now(), ev); err != nil {
			return err
		}
		if err := e.scheduleReminder(ctx, tx, ev); err != nil {
			return err
		}
		if err := e.logAction(ctx, tx, g, by, "publish_event", p.IRI, ""); err != nil {
			return err
		}
		return e.out.Publish(ctx, tx, g, outbox.Activity{IRI: createID, Type: "Create", ObjectIRI: p.IRI, Body: create, Public: !in.MembersOnly}, outbox.Members())
	})
	if err != nil {
		return nil, err
	}
	ev.Post = p
	return ev, nil
}

// eventDocument builds the Event object of ev with the current attendee
// count; note is an extra paragraph (plain text) put first, e.g. why it
// was cancelled.
func (e *Events) eventDocument(g *storage.Group, p *storage.Post, ev *storage.Event, attendees int, note string) ([]byte, error) {
	body, err := e.eventContent(ev, attendees, note)
	if err != nil {
		return nil, err
	}
	p.ContentHTML, p.Name = body, ev.Title
	groupIRI := e.IRI.Group(g.Name)
	to, cc := e.addressing(g, ev.MembersOnly)
	doc, err := vocab.EventJSON(vocab.Event{
		Note: vocab.Note{
			ID: p.IRI, AttributedTo: groupIRI, ContentHTML: body, URL: p.IRI, Audience: groupIRI, To: to, Cc: cc,
			Tags:      []vocab.Tag{{Type: "Mention", Href: groupIRI, Name: "@" + g.Name + "@" + e.IRI.Domain()}},
			Published: p.PublishedAt, Updated: p.UpdatedAt,
		},
		Name: ev.Title, Brief: eventBrief(ev), StartTime: ev.StartsAt, EndTime: ev.EndsAt, Timezone: ev.Timezone,
		PlaceName: ev.PlaceName, PlaceAddress: ev.PlaceAddress, OnlineURL: ev.OnlineURL,
		Capacity: ev.Capacity, Participants: attendees, Cancelled: ev.Cancelled(), Image: e.eventImage(ev),
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidPost, err)
	}
	p.ObjectRaw = string(doc)
	return doc, nil
}

// eventImage is the event's cover image as sent, nil when it has none.
func (e *Events) eventImage(ev *storage.Event) *vocab.Attachment {
	if ev.ImagePath == "" {
		return nil
	}
	return &vocab.Attachment{MediaType: ev.ImageType, URL: e.MediaURL(ev.ImagePath), Name: ev.ImageAlt, Width: ev.ImageWidth, Height: ev.ImageHeight}
}

// eventBrief is the event's one-line summary: when, and where or online.
func eventBrief(ev *storage.Event) string {
	brief := "📅 " + ev.When()
	if where := ev.Where(); where != "" {
		brief += " · 📍 " + where
	}
	if ev.Cancelled() {
		brief = "Cancelled · " + brief
	}
	return brief
}

// eventContent is the human-readable summary servers that do not know
// events show: title, date and time, place, places left, description, and
// how to RSVP from Mastodon.
func (e *Events) eventContent(ev *storage.Event, attendees int, note string) (string, error) {
	desc, err := e.HTML.Markdown(ev.Description)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrInvalidPost, err)
	}
	var b strings.Builder
	if ev.Cancelled() {
		b.WriteString("<p><strong>Cancelled.</strong>")
		if note != "" {
			b.WriteString(" " + html.EscapeString(note))
		}
		b.WriteString("</p>")
	}
	// No title: every server that shows events shows their name above the
	// content already (Mastodon as a heading, Misskey as a 【name】 prefix).
	fmt.Fprintf(&b, "<p>📅 %s", html.EscapeString(ev.When()))
	switch {
	case ev.OnlineURL != "":
		fmt.Fprintf(&b, `<br>💻 Online: <a href="%s">%s</a>`, html.EscapeString(ev.OnlineURL), html.EscapeString(ev.OnlineURL))
	case ev.Where() != "":
		fmt.Fprintf(&b, `<br>📍 %s (<a href="%s">map</a>)`, html.EscapeString(ev.Where()), html.EscapeString(ev.MapURL()))
	}
	if ev.Capacity > 0 {
		fmt.Fprintf(&b, "<br>🎟️ %s", placesLeft(ev.Capacity, attendees))
	}
	b.WriteString("</p>")
	b.WriteString(desc)
	if !ev.Cancelled() {
		b.WriteString("<p>To come, reply “going” to this post (“not going” to cancel).</p>")
	}
	return e.HTML.Sanitize(b.String()), nil
}

// placesLeft says how full an event is: "1 place, 1 left", "12 places, none left".
func placesLeft(capacity, attendees int) string {
	unit := "places"
	if capacity == 1 {
		unit = "place"
	}
	left := max(capacity-attendees, 0)
	if left == 0 {
		return fmt.Sprintf("%d %s, none left", capacity, unit)
	}
	return fmt.Sprintf("%d %s, %d left", capacity, unit, left)
}

// EditEvent changes an event and federates an Update of the Event.
// Whether it is members-only cannot change after publication.
func (e *Events) EditEvent(ctx context.Context, eventID string, in EventInput, by Staff) error {
	if err := in.validate(); err != nil {
		return err
	}
	return e.updateEvent(ctx, eventID, by, "edit_event", "", func(ev *storage.Event) error {
		if ev.Cancelled() {
			return fmt.Errorf("%w: a cancelled event cannot be edited", ErrInvalidPost)
		}
		oldDue := reminderDue(ev)
		in.MembersOnly = ev.MembersOnly
		in.apply(ev)
		if due := reminderDue(ev); !due.Equal(oldDue) && due.After(e.Now()) {
			ev.RemindedAt = time.Time{} // moved: remind again at the new time
		}
		return nil
	})
}

// CancelEvent calls an event off: an Update with ical:status CANCELLED and
// a note in the content, a DM to each attendee, and no reminder.
func (e *Events) CancelEvent(ctx context.Context, eventID, reason string, by Staff) error {
	reason = strings.TrimSpace(reason)
	if utf8.RuneCountInString(reason) > 500 {
		return fmt.Errorf("%w: say why in at most 500 characters", ErrInvalidPost)
	}
	return e.updateEvent(ctx, eventID, by, "cancel_event", reason, func(ev *storage.Event) error {
		if ev.Cancelled() {
			return fmt.Errorf("%w: the event is cancelled already", ErrInvalidPost)
		}
		ev.CancelledAt = e.Now().UTC()
		return nil
	})
}

// updateEvent loads an event, changes it, and stores and federates the
// Update (schedules a reminder, tells attendees of a cancellation).
func (e *Events) updateEvent(ctx context.Context, eventID string, by Staff, action, note string, change func(*storage.Event) error) error {
	return e.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		ev, err := storage.EventByID(ctx, tx, eventID)
		if err != nil {
			return err
		}
		g, err := storage.GroupByID(ctx, tx, ev.GroupID)
		if err != nil {
			return err
		}
		if err := change(ev); err != nil {
			return err
		}
		n, err := storage.CountAttendees(ctx, tx, ev.ID)
		if err != nil {
			return err
		}
		p := ev.Post
		p.UpdatedAt = e.Stamp(p.PublishedAt)
		doc, err := e.eventDocument(g, p, ev, n, note)
		if err != nil {
			return err
		}
		if err := storage.UpdateEvent(ctx, tx, e.Now(), ev); err != nil {
			return err
		}
		if err := storage.UpdatePostContent(ctx, tx, p); err != nil {
			return err
		}
		if !ev.Cancelled() {
			if err := e.scheduleReminder(ctx, tx, ev); err != nil {
				return err
			}
		} else if err := e.tellAttendees(ctx, tx, g, ev, fmt.Sprintf("%s (%s) is cancelled. %s", ev.Title, ev.When(), note)); err != nil {
			return err
		}
		if err := e.logAction(ctx, tx, g, by, action, p.IRI, note); err != nil {
			return err
		}
		to, cc := e.addressing(g, ev.MembersOnly)
		id := e.IRI.Activity(g.Name, storage.NewID())
		update, err := vocab.Update(id, e.IRI.Group(g.Name), doc, to, cc)
		if err != nil {
			return fmt.Errorf("build Update{Event}: %w", err)
		}
		return e.out.Publish(ctx, tx, g, outbox.Activity{IRI: id, Type: "Update", ObjectIRI: p.IRI, Body: update, Public: !ev.MembersOnly}, outbox.Members())
	})
}

// DeleteEvent deletes an event everywhere (Delete with a Tombstone); its
// attendees and reminder go with it.
func (e *Events) DeleteEvent(ctx context.Context, eventID string, by Staff) error {
	return e.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		ev, err := storage.EventByID(ctx, tx, eventID)
		if err != nil {
			return err
		}
		g, err := storage.GroupByID(ctx, tx, ev.GroupID)
		if err != nil {
			return err
		}
		to, cc := e.addressing(g, ev.MembersOnly)
		id := e.IRI.Activity(g.Name, storage.NewID())
		del, err := vocab.DeleteTombstone(id, e.IRI.Group(g.Name), ev.Post.IRI, to, cc)
		if err != nil {
			return fmt.Errorf("build Delete: %w", err)
		}
		if err := storage.DeletePost(ctx, tx, ev.PostID); err != nil { // the event row cascades
			return err
		}
		if err := e.logAction(ctx, tx, g, by, "delete_event", ev.Post.IRI, ""); err != nil {
			return err
		}
		return e.out.Publish(ctx, tx, g, outbox.Activity{IRI: id, Type: "Delete", ObjectIRI: ev.Post.IRI, Body: del, Public: !ev.MembersOnly}, outbox.Members())
	})
}

// refreshEventObject rebuilds the stored Event object after an RSVP, so a
// GET shows the current participantCount. It is not federated: Mobilizon
// counts its own participants, and an Update per RSVP would flood members.
func (e *Events) refreshEventObject(ctx context.Context, tx bun.Tx, g *storage.Group, ev *storage.Event) error {
	n, err := storage.CountAttendees(ctx, tx, ev.ID)
	if err != nil {
		return err
	}
	if _, err := e.eventDocument(g, ev.Post, ev, n, ""); err != nil {
		return err
	}
	return storage.UpdatePostObject(ctx, tx, ev.Post)
}

// eventOf finds the event an IRI names (one of the group's posts), or ErrNotFound.
func (e *Events) eventOf(ctx context.Context, db bun.IDB, iri string) (*storage.Event, *storage.Group, error) {
	_, postID := e.IRI.PostID(iri)
	if postID == "" {
		return nil, nil, fmt.Errorf("%s: %w", iri, storage.ErrNotFound)
	}
	ev, err := storage.EventByPost(ctx, db, postID)
	if err != nil {
		return nil, nil, err
	}
	g, err := storage.GroupByID(ctx, db, ev.GroupID)
	if err != nil {
		return nil, nil, err
	}
	return ev, g, nil
}

// rsvpResult is the outcome of asking to attend.
type rsvpResult int

const (
	rsvpAdded rsvpResult = iota
	rsvpAlready
	rsvpFull
	rsvpClosed      // cancelled or over
	rsvpMembersOnly // a members-only event and not a member
	rsvpBanned
)

// attend adds actor to ev's attendees unless something stops them.
func (e *Events) attend(ctx context.Context, tx bun.Tx, g *storage.Group, ev *storage.Event, actor *storage.RemoteActor, a *storage.Attendee) (rsvpResult, error) {
	if banned, err := isBanned(ctx, tx, g.ID, actor.ID); err != nil || banned {
		return rsvpBanned, err
	}
	if _, err := storage.AttendeeOf(ctx, tx, ev.ID, actor.ID); err == nil {
		return rsvpAlready, nil
	} else if !isNotFound(err) {
		return 0, err
	}
	if ev.Cancelled() || !e.Now().Before(ev.EndsAt) {
		return rsvpClosed, nil
	}
	if ev.MembersOnly {
		f, err := storage.FollowOf(ctx, tx, g.ID, actor.ID)
		if isNotFound(err) || err == nil && f.State != storage.FollowAccepted {
			return rsvpMembersOnly, nil
		} else if err != nil {
			return 0, err
		}
	}
	if ev.Capacity > 0 {
		n, err := storage.CountAttendees(ctx, tx, ev.ID)
		if err != nil {
			return 0, err
		}
		if n >= ev.Capacity {
			return rsvpFull, nil
		}
	}
	a.EventID, a.ActorID, a.CreatedAt = ev.ID, actor.ID, e.Now().UTC()
	if _, err := storage.AddAttendee(ctx, tx, e.Now(), a); err != nil {
		return 0, err
	}
	return rsvpAdded, e.refreshEventObject(ctx, tx, g, ev)
}

// onJoin answers a Join of an event (Mobilizon's RSVP): Accept, or Reject
// when the actor cannot come.
func (e *Events) onJoin(ctx context.Context, act *vocab.Activity) error {
	if act.Object == nil || act.Object.ID == "" {
		return drop("Join without an object")
	}
	ev, g, err := e.eventOf(ctx, e.DB, act.Object.ID)
	if isNotFound(err) {
		return drop("Join of %s, which is not an event here", act.Object.ID)
	}
	if err != nil {
		return err
	}
	actor, err := e.actors.Actor(ctx, act.Actor, false)
	if err != nil {
		return fmt.Errorf("participant %s: %w", act.Actor, err)
	}
	return e.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		res, err := e.attend(ctx, tx, g, ev, actor, &storage.Attendee{Via: storage.AttendViaJoin, ActivityIRI: act.ID, ActivityRaw: string(act.Raw)})
		if err != nil {
			return err
		}
		accept := res == rsvpAdded || res == rsvpAlready
		if !accept {
			e.Log.InfoContext(ctx, "Join of an event refused", "event", ev.Post.IRI, "actor", actor.IRI, "why", res)
		}
		id := e.IRI.Activity(g.Name, storage.NewID())
		build, typ := vocab.AcceptJoin, "Accept"
		if !accept {
			build, typ = vocab.RejectJoin, "Reject"
		}
		body, err := build(id, e.IRI.Group(g.Name), act)
		if err != nil {
			return fmt.Errorf("build %s{Join}: %w", typ, err)
		}
		return e.out.Publish(ctx, tx, g, outbox.Activity{IRI: id, Type: typ, ObjectIRI: act.ID, Body: body}, outbox.To(actor.DeliveryInbox()))
	})
}

// OnLeave takes an actor off an event's list (Leave, or Undo{Join}).
func (e *Events) OnLeave(ctx context.Context, actorIRI string, object *vocab.Object) error {
	if object == nil || object.ID == "" {
		return drop("Leave without an object")
	}
	objectID := object.ID
	if object.Type == "Join" && object.Object != nil { // Undo{Join}: the Join's object is the event
		objectID = object.Object.ID
	}
	ev, g, err := e.eventOf(ctx, e.DB, objectID)
	if isNotFound(err) {
		if object.Type == "" { // Undo of a Join given by id only
			return e.leaveByJoinID(ctx, actorIRI, objectID)
		}
		return drop("Leave of %s, which is not an event here", objectID)
	}
	if err != nil {
		return err
	}
	actor, err := storage.RemoteActorByIRI(ctx, e.DB, actorIRI)
	if isNotFound(err) {
		return drop("Leave from %s, who never joined", actorIRI)
	}
	if err != nil {
		return err
	}
	return e.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := storage.RemoveAttendee(ctx, tx, ev.ID, actor.ID); isNotFound(err) {
			return drop("%s was not attending", actorIRI)
		} else if err != nil {
			return err
		}
		return e.refreshEventObject(ctx, tx, g, ev)
	})
}

// leaveByJoinID handles Undo of a Join named by its id only.
func (e *Events) leaveByJoinID(ctx context.Context, actorIRI, joinID string) error {
	a, err := storage.AttendeeByJoin(ctx, e.DB, joinID, actorIRI)
	if err != nil {
		return drop("Undo of %s, which is no Join here", joinID)
	}
	ev, err := storage.EventByID(ctx, e.DB, a.EventID)
	if err != nil {
		return err
	}
	return e.OnLeave(ctx, actorIRI, &vocab.Object{ID: ev.Post.IRI, Type: "Event"})
}

// rsvpWord reads "going" or "not going" at the start of a reply's text:
// yes is true for going; ok is false for any other text.
func rsvpWord(text string) (yes, ok bool) {
	t := strings.ToLower(strings.TrimSpace(text))
	starts := func(word string) bool {
		rest, found := strings.CutPrefix(t, word)
		if !found {
			return false
		}
		r, _ := utf8.DecodeRuneInString(rest)
		return rest == "" || !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}
	for _, w := range []string{"not going", "not-going", "notgoing"} {
		if starts(w) {
			return false, true
		}
	}
	if starts("going") {
		return true, true
	}
	return false, false
}

// rsvpByReply handles a reply to one of the group's events that starts
// with "going" or "not going" (Mastodon has no Join): the author is added
// to or taken off the list and told by DM. It reports whether the reply is
// used up: a DM is; a public reply also goes on to the thread.
func (e *Events) rsvpByReply(ctx context.Context, act *vocab.Activity, obj *vocab.Object) (bool, error) {
	if obj.InReplyTo == "" || obj.Type != "Note" {
		return false, nil
	}
	going, ok := rsvpWord(commandText(obj.Content))
	if !ok {
		return false, nil
	}
	ev, g, err := e.eventOf(ctx, e.DB, obj.InReplyTo)
	if isNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	author, err := e.actors.Actor(ctx, act.Actor, false)
	if err != nil {
		return false, fmt.Errorf("author %s: %w", act.Actor, err)
	}
	direct := visibility(obj, act, author) == storage.VisibilityDirect
	err = e.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var msg string
		if going {
			res, err := e.attend(ctx, tx, g, ev, author, &storage.Attendee{Via: storage.AttendViaReply, ActivityIRI: obj.ID})
			if err != nil {
				return err
			}
			switch res {
			case rsvpAdded, rsvpAlready:
				msg = fmt.Sprintf("You're on the list for %s, %s. Reply “not going” to the event if your plans change.", ev.Title, ev.When())
			case rsvpFull:
				msg = fmt.Sprintf("Sorry, %s is full.", ev.Title)
			case rsvpClosed:
				msg = fmt.Sprintf("%s is cancelled or over: there is no list to join.", ev.Title)
			case rsvpMembersOnly:
				msg = fmt.Sprintf("%s is for members of %s only.", ev.Title, g.Title)
			case rsvpBanned:
				return drop("%s is banned from %s", author.IRI, g.Name)
			}
		} else {
			err := storage.RemoveAttendee(ctx, tx, ev.ID, author.ID)
			switch {
			case isNotFound(err):
				msg = fmt.Sprintf("You were not on the list for %s.", ev.Title)
			case err != nil:
				return err
			default:
				msg = fmt.Sprintf("You're off the list for %s.", ev.Title)
				if err := e.refreshEventObject(ctx, tx, g, ev); err != nil {
					return err
				}
			}
		}
		_, err := e.directMessage(ctx, tx, g, author, "<p>"+html.EscapeString(msg)+"</p>", obj.ID)
		return err
	})
	var d *Dropped
	if errors.As(err, &d) && !direct {
		return false, nil // a banned author's public reply: acceptPost drops it with the reason
	}
	return direct, err
}

// tellAttendees DMs every attendee of ev the same text.
func (e *Events) tellAttendees(ctx context.Context, tx bun.Tx, g *storage.Group, ev *storage.Event, text string) error {
	as, err := storage.ListAttendees(ctx, tx, ev.ID)
	if err != nil {
		return err
	}
	for _, a := range as {
		if a.Actor == nil || !a.Actor.GoneAt.IsZero() {
			continue
		}
		body := "<p>" + html.EscapeString(text) + "</p>"
		if _, err := e.directMessage(ctx, tx, g, a.Actor, body, ""); err != nil {
			return err
		}
	}
	return nil
}

// reminderDue is when ev's attendees are reminded (zero: never).
func reminderDue(ev *storage.Event) time.Time {
	if ev.RemindBeforeMinutes <= 0 {
		return time.Time{}
	}
	return ev.StartsAt.Add(-time.Duration(ev.RemindBeforeMinutes) * time.Minute)
}

// scheduleReminder queues the reminder job at its time, unless the event
// has none, was reminded, or the time has passed.
func (e *Events) scheduleReminder(ctx context.Context, tx bun.Tx, ev *storage.Event) error {
	due := reminderDue(ev)
	if due.IsZero() || !ev.RemindedAt.IsZero() || !due.After(e.Now()) {
		return nil
	}
	return e.Queue.InsertTx(ctx, tx, eventReminderArgs{EventID: ev.ID, Due: due.UTC()}, &river.InsertOpts{ScheduledAt: due})
}

// eventReminderArgs reminds an event's attendees at Due.
type eventReminderArgs struct {
	EventID string    `json:"event_id"`
	Due     time.Time `json:"due"`
}

func (eventReminderArgs) Kind() string { return "event_reminder" }

func (eventReminderArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 10} }

type eventReminderWorker struct {
	river.WorkerDefaults[eventReminderArgs]
	e *Events
}

func (w *eventReminderWorker) Work(ctx context.Context, job *river.Job[eventReminderArgs]) error {
	err := w.e.SendEventReminders(ctx, job.Args.EventID, job.Args.Due)
	if isNotFound(err) {
		return river.JobCancel(err) // the event was deleted
	}
	return err
}

// SendEventReminders DMs every attendee of an event that it starts soon.
// due is the reminder time the job was scheduled for: a job for a time the
// event no longer has (it was edited) does nothing. Reminders go out once.
func (e *Events) SendEventReminders(ctx context.Context, eventID string, due time.Time) error {
	return e.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		ev, err := storage.EventByID(ctx, tx, eventID)
		if err != nil {
			return err
		}
		if ev.Cancelled() || !reminderDue(ev).Equal(due.UTC()) || !e.Now().Before(ev.EndsAt) {
			return nil
		}
		claimed, err := storage.MarkEventReminded(ctx, tx, ev.ID, e.Now())
		if err != nil || !claimed {
			return err
		}
		g, err := storage.GroupByID(ctx, tx, ev.GroupID)
		if err != nil {
			return err
		}
		text := fmt.Sprintf("Reminder: %s — %s", ev.Title, ev.When())
		if where := ev.Where(); where != "" {
			text += ", " + where
		}
		if ev.OnlineURL != "" {
			text += ": " + ev.OnlineURL
		}
		return e.tellAttendees(ctx, tx, g, ev, text+". "+ev.Post.IRI)
	})
}

// OnJoinOrLeave handles a Join or Leave of an event (federation/inbox, rsvp.go).
func (e *Events) OnJoinOrLeave(ctx context.Context, act *vocab.Activity) error {
	if act.Type == "Join" {
		return e.onJoin(ctx, act)
	}
	return e.OnLeave(ctx, act.Actor, act.Object)
}

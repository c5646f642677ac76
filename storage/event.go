package storage

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// Event is an event a group publishes. Its post (Kind "Event") carries the
// IRI, the federated object and the visibility; this row holds what the
// object is built from.
type Event struct {
	bun.BaseModel `bun:"table:events,alias:ev"`

	ID           string    `bun:"id,pk"`
	PostID       string    `bun:"post_id,notnull"`
	GroupID      string    `bun:"group_id,notnull"`
	Title        string    `bun:"title,notnull"`
	Description  string    `bun:"description,notnull"` // Markdown, as staff wrote it
	StartsAt     time.Time `bun:"starts_at,notnull"`
	EndsAt       time.Time `bun:"ends_at,notnull"`
	Timezone     string    `bun:"timezone,notnull"` // IANA name, e.g. Europe/London
	PlaceName    string    `bun:"place_name,notnull"`
	PlaceAddress string    `bun:"place_address,notnull"`
	OnlineURL    string    `bun:"online_url,notnull"`
	Capacity     int       `bun:"capacity,notnull"` // 0: unlimited
	MembersOnly  bool      `bun:"members_only,notnull"`
	// RemindBeforeMinutes is how long before the start attendees get a
	// reminder DM; 0: none.
	RemindBeforeMinutes int `bun:"remind_before_minutes,notnull"`
	// The optional cover image: ImagePath is relative to the media
	// directory ("" for none), ImageAlt its description.
	ImagePath   string    `bun:"image_path,notnull"`
	ImageAlt    string    `bun:"image_alt,notnull"`
	ImageType   string    `bun:"image_type,notnull"`
	ImageWidth  int       `bun:"image_width,notnull"`
	ImageHeight int       `bun:"image_height,notnull"`
	CancelledAt time.Time `bun:"cancelled_at,nullzero"`
	RemindedAt  time.Time `bun:"reminded_at,nullzero"`
	CreatedAt   time.Time `bun:"created_at,notnull"`
	UpdatedAt   time.Time `bun:"updated_at,notnull"`

	Post *Post `bun:"rel:belongs-to,join:post_id=id"`
}

// Cancelled tells whether the event was called off.
func (e *Event) Cancelled() bool { return !e.CancelledAt.IsZero() }

// Location is the event's time zone (UTC when the name is unknown).
func (e *Event) Location() *time.Location {
	if loc, err := time.LoadLocation(e.Timezone); err == nil {
		return loc
	}
	return time.UTC
}

// Attendee is someone who said they are coming to an event.
type Attendee struct {
	bun.BaseModel `bun:"table:event_attendees,alias:at"`

	ID          string    `bun:"id,pk"`
	EventID     string    `bun:"event_id,notnull"`
	ActorID     string    `bun:"actor_id,notnull"`
	Via         string    `bun:"via,notnull"`          // AttendViaJoin, AttendViaReply, AttendViaStaff
	ActivityIRI string    `bun:"activity_iri,notnull"` // the Join or the reply
	ActivityRaw string    `bun:"activity_raw,notnull"` // the Join as received: Accept embeds it
	CreatedAt   time.Time `bun:"created_at,notnull"`

	Actor *RemoteActor `bun:"rel:belongs-to,join:actor_id=id"`
}

// How an attendee said they are coming.
const (
	AttendViaJoin  = "join"
	AttendViaReply = "reply"
	AttendViaStaff = "staff"
	// AttendViaMembersPages: the member pressed "Going" on the group's
	// members' pages (web/members).
	AttendViaMembersPages = "web"
)

// CreateEvent stores an event for a post stored in the same transaction.
func CreateEvent(ctx context.Context, db bun.IDB, now time.Time, ev *Event) error {
	if ev.ID == "" {
		ev.ID = NewID()
	}
	now = now.UTC()
	if ev.CreatedAt.IsZero() {
		ev.CreatedAt = now
	}
	ev.UpdatedAt = now
	if _, err := db.NewInsert().Model(ev).Exec(ctx); err != nil {
		return fmt.Errorf("store event %q: %w", ev.Title, err)
	}
	return nil
}

// UpdateEvent saves an event's editable fields and cancellation.
func UpdateEvent(ctx context.Context, db bun.IDB, now time.Time, ev *Event) error {
	ev.UpdatedAt = now.UTC()
	res, err := db.NewUpdate().Model(ev).
		Column("title", "description", "starts_at", "ends_at", "timezone", "place_name", "place_address",
			"online_url", "capacity", "remind_before_minutes", "image_path", "image_alt", "image_type", "image_width", "image_height",
			"cancelled_at", "reminded_at", "updated_at").
		WherePK().Exec(ctx)
	if err != nil {
		return fmt.Errorf("update event %s: %w", ev.ID, err)
	}
	return mustAffect(res, "event "+ev.ID)
}

// EventByID loads an event with its post.
func EventByID(ctx context.Context, db bun.IDB, id string) (*Event, error) {
	ev := new(Event)
	if err := db.NewSelect().Model(ev).Relation("Post").Where("ev.id = ?", id).Scan(ctx); err != nil {
		return nil, notFound(err, "event "+id)
	}
	return ev, nil
}

// EventByPost loads the event of a post.
func EventByPost(ctx context.Context, db bun.IDB, postID string) (*Event, error) {
	ev := new(Event)
	if err := db.NewSelect().Model(ev).Relation("Post").Where("ev.post_id = ?", postID).Scan(ctx); err != nil {
		return nil, notFound(err, "event of post "+postID)
	}
	return ev, nil
}

// EventFilter selects a group's events.
type EventFilter struct {
	GroupID    string
	PublicOnly bool      // leave out members-only events
	EndsAfter  time.Time // zero: any
	StartsFrom time.Time // zero: any
	StartsTo   time.Time // zero: any
	Cancelled  *bool     // nil: both
	Limit      int       // default 100, at most 500
}

// ListEvents lists a group's events by start time.
func ListEvents(ctx context.Context, db bun.IDB, f EventFilter) ([]Event, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	var evs []Event
	q := db.NewSelect().Model(&evs).Relation("Post").Where("ev.group_id = ?", f.GroupID)
	if f.PublicOnly {
		q = q.Where("ev.members_only = ?", false)
	}
	if !f.EndsAfter.IsZero() {
		q = q.Where("ev.ends_at > ?", f.EndsAfter.UTC())
	}
	if !f.StartsFrom.IsZero() {
		q = q.Where("ev.starts_at >= ?", f.StartsFrom.UTC())
	}
	if !f.StartsTo.IsZero() {
		q = q.Where("ev.starts_at < ?", f.StartsTo.UTC())
	}
	if f.Cancelled != nil {
		if *f.Cancelled {
			q = q.Where("ev.cancelled_at IS NOT NULL")
		} else {
			q = q.Where("ev.cancelled_at IS NULL")
		}
	}
	if err := q.Order("ev.starts_at", "ev.id").Limit(int64(f.Limit)).Scan(ctx); err != nil {
		return nil, fmt.Errorf("list events of group %s: %w", f.GroupID, err)
	}
	return evs, nil
}

// MarkEventReminded records that the reminders were sent; it reports
// false when they had been already (a retried job sends them once).
func MarkEventReminded(ctx context.Context, db bun.IDB, id string, at time.Time) (bool, error) {
	res, err := db.NewUpdate().Model((*Event)(nil)).Set("reminded_at = ?", at.UTC()).
		Where("id = ? AND reminded_at IS NULL", id).Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("mark event %s reminded: %w", id, err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// AddAttendee records that an actor comes to an event. It reports false
// when they were already attending (the row is left as it was).
func AddAttendee(ctx context.Context, db bun.IDB, now time.Time, a *Attendee) (bool, error) {
	if a.ID == "" {
		a.ID = NewID()
	}
	if a.CreatedAt.IsZero() {
		a.CreatedAt = now.UTC()
	}
	res, err := db.NewInsert().Model(a).On("CONFLICT (event_id, actor_id) DO NOTHING").Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("add attendee %s to event %s: %w", a.ActorID, a.EventID, err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// RemoveAttendee takes an actor off an event's list; ErrNotFound when
// they were not on it.
func RemoveAttendee(ctx context.Context, db bun.IDB, eventID, actorID string) error {
	res, err := db.NewDelete().Model((*Attendee)(nil)).Where("event_id = ? AND actor_id = ?", eventID, actorID).Exec(ctx)
	if err != nil {
		return fmt.Errorf("remove attendee %s from event %s: %w", actorID, eventID, err)
	}
	return mustAffect(res, "attendee "+actorID)
}

// AttendeeOf loads an actor's attendance of an event.
func AttendeeOf(ctx context.Context, db bun.IDB, eventID, actorID string) (*Attendee, error) {
	a := new(Attendee)
	err := db.NewSelect().Model(a).Relation("Actor").Where("at.event_id = ? AND at.actor_id = ?", eventID, actorID).Scan(ctx)
	if err != nil {
		return nil, notFound(err, "attendee")
	}
	return a, nil
}

// ListAttendees lists an event's attendees, first to say yes first.
func ListAttendees(ctx context.Context, db bun.IDB, eventID string) ([]Attendee, error) {
	var as []Attendee
	err := db.NewSelect().Model(&as).Relation("Actor").Where("at.event_id = ?", eventID).
		Order("at.created_at", "at.id").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("attendees of event %s: %w", eventID, err)
	}
	return as, nil
}

// CountAttendees counts an event's attendees.
func CountAttendees(ctx context.Context, db bun.IDB, eventID string) (int, error) {
	n, err := db.NewSelect().Model((*Attendee)(nil)).Where("event_id = ?", eventID).Count(ctx)
	if err != nil {
		return 0, fmt.Errorf("count attendees of event %s: %w", eventID, err)
	}
	return int(n), nil
}

// When is the event's date and time in its own time zone, for people:
// "Monday 1 June 2026, 17:00–19:00 BST (Europe/London)".
func (e *Event) When() string {
	loc := e.Location()
	s, end := e.StartsAt.In(loc), e.EndsAt.In(loc)
	const day = "Monday 2 January 2006"
	out := s.Format(day + ", 15:04")
	switch {
	case end.Equal(s):
	case s.Year() == end.Year() && s.YearDay() == end.YearDay():
		out += "–" + end.Format("15:04")
	default:
		out += " – " + end.Format(day+", 15:04")
	}
	zone := "UTC"
	if e.Timezone != "" {
		zone = e.Timezone
	}
	if abbr := s.Format("MST"); abbr != zone && !strings.HasPrefix(abbr, "+") && !strings.HasPrefix(abbr, "-") {
		return out + " " + abbr + " (" + zone + ")"
	}
	return out + " (" + zone + ")"
}

// Where is the event's place for people: name and address, or "Online".
func (e *Event) Where() string {
	switch {
	case e.OnlineURL != "":
		return "Online"
	case e.PlaceName != "" && e.PlaceAddress != "":
		return e.PlaceName + ", " + e.PlaceAddress
	default:
		return e.PlaceName + e.PlaceAddress
	}
}

// MapURL is a map search for the event's place (its address, or its
// name when it has no address), "" for an online event or one without a
// place. OpenStreetMap: free, and no account needed to look.
func (e *Event) MapURL() string {
	if e.OnlineURL != "" || e.Where() == "" {
		return ""
	}
	q := e.PlaceAddress
	if q == "" {
		q = e.PlaceName
	}
	return "https://www.openstreetmap.org/search?query=" + url.QueryEscape(q)
}

// AttendeeByJoin loads the attendance that the actor's Join joinIRI
// recorded, with its actor; ErrNotFound if there is none.
func AttendeeByJoin(ctx context.Context, db bun.IDB, joinIRI, actorIRI string) (*Attendee, error) {
	a := new(Attendee)
	err := db.NewSelect().Model(a).Relation("Actor").Where("at.activity_iri = ? AND actor.iri = ?", joinIRI, actorIRI).Limit(1).Scan(ctx)
	if err != nil {
		return nil, notFound(err, "attendance by "+joinIRI)
	}
	return a, nil
}

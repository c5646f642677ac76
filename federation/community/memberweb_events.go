package community

// RSVP from the members' pages: the same list, rules and confirmation DM
// as a "going" / "not going" reply or a Join from the member's server.

import (
	"context"
	"fmt"
	"html"

	"github.com/uptrace/bun"

	"github.com/kith-social/kith/storage"
)

// RSVP answers on the members' pages.
const (
	RSVPGoing    = "going"
	RSVPMaybe    = "maybe"
	RSVPNotGoing = "not going"
)

// MemberEvent is an upcoming event of the group as a member sees it.
type MemberEvent struct {
	Event  *storage.Event
	Going  bool // the member is on the list
	Maybe  bool // the member said maybe
	People int  // how many are on the list
	Maybes int  // how many said maybe
}

// UpcomingEventsFor lists a group's events that have not ended, members-
// only ones included, with whether the member is coming.
func (e *MembersPages) UpcomingEventsFor(ctx context.Context, groupID, actorID string) ([]MemberEvent, error) {
	evs, err := storage.ListEvents(ctx, e.DB, storage.EventFilter{GroupID: groupID, EndsAfter: e.Now(), Limit: 50})
	if err != nil {
		return nil, err
	}
	out := make([]MemberEvent, 0, len(evs))
	for i := range evs {
		me := MemberEvent{Event: &evs[i]}
		if _, err := storage.AttendeeOf(ctx, e.DB, evs[i].ID, actorID); err == nil {
			me.Going = true
		} else if !isNotFound(err) {
			return nil, err
		}
		if me.People, err = storage.CountAttendees(ctx, e.DB, evs[i].ID); err != nil {
			return nil, err
		}
		if me.Maybe, err = storage.IsEventMaybe(ctx, e.DB, evs[i].ID, actorID); err != nil {
			return nil, err
		}
		if me.Maybes, err = storage.CountEventMaybes(ctx, e.DB, evs[i].ID); err != nil {
			return nil, err
		}
		out = append(out, me)
	}
	return out, nil
}

// RSVPAsMember puts a member on an event's list (going) or takes them off
// (not going), and sends them the confirmation a reply would get; "maybe"
// takes them off the list too and remembers the maybe (no place, no
// reminder, not federated). It returns the confirmation for the page.
func (e *MembersPages) RSVPAsMember(ctx context.Context, groupID, actorID, eventID, answer string) (string, error) {
	if err := e.mustBeMember(ctx, groupID, actorID); err != nil {
		return "", err
	}
	if answer != RSVPGoing && answer != RSVPMaybe && answer != RSVPNotGoing {
		return "", &InputError{"Choose going, maybe or not going."}
	}
	going := answer == RSVPGoing
	var msg string
	err := e.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		g, actor, err := e.groupAndActor(ctx, tx, groupID, actorID)
		if err != nil {
			return err
		}
		ev, err := storage.EventByID(ctx, tx, eventID)
		if err != nil || ev.GroupID != g.ID {
			return fmt.Errorf("event %s: %w", eventID, storage.ErrNotFound)
		}
		if err := storage.SetEventMaybe(ctx, tx, e.Now(), ev.ID, actor.ID, answer == RSVPMaybe); err != nil {
			return err
		}
		if going {
			res, err := e.events.attend(ctx, tx, g, ev, actor, &storage.Attendee{Via: storage.AttendViaMembersPages})
			if err != nil {
				return err
			}
			switch res {
			case rsvpAdded, rsvpAlready:
				msg = fmt.Sprintf("You're on the list for %s, %s.", ev.Title, ev.When())
			case rsvpFull:
				msg = fmt.Sprintf("Sorry, %s is full.", ev.Title)
			case rsvpClosed:
				msg = fmt.Sprintf("%s is cancelled or over: there is no list to join.", ev.Title)
			default:
				msg = fmt.Sprintf("%s is for members of %s only.", ev.Title, g.Title)
			}
		} else {
			err := storage.RemoveAttendee(ctx, tx, ev.ID, actor.ID)
			switch {
			case isNotFound(err):
				msg = fmt.Sprintf("You were not on the list for %s.", ev.Title)
			case err != nil:
				return err
			default:
				msg = fmt.Sprintf("You're off the list for %s.", ev.Title)
				if err := e.events.refreshEventObject(ctx, tx, g, ev); err != nil {
					return err
				}
			}
			if answer == RSVPMaybe {
				msg = fmt.Sprintf("You said maybe to %s, %s. You are not on the list: say going when you know.", ev.Title, ev.When())
			}
		}
		_, err = e.directMessage(ctx, tx, g, actor, "<p>"+html.EscapeString(msg)+"</p>", ev.Post.IRI)
		return err
	})
	return msg, err
}

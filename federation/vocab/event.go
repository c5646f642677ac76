package vocab

// Events: the ActivityStreams Event a group publishes, in the shape
// Mobilizon publishes its own (so Mobilizon and Gancio show it as an event
// people can join, and Mastodon as a post: its name, its summary and a
// link), and what Kith reads of events and of Join/Leave from other
// servers.
//
// Mobilizon's extension terms (mz:timezone, mz:joinMode, schema:
// maximumAttendeeCapacity, ical:status, …) are defined in extensionTerms.

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Event statuses, as iCalendar (and Mobilizon's ical:status) name them.
const (
	EventConfirmed = "CONFIRMED"
	EventCancelled = "CANCELLED"
)

// Event is an event the group publishes. Note carries the id, content (a
// human-readable summary for servers that show events as posts), url,
// addressing, the group's Mention and audience.
type Event struct {
	Note
	Name string
	// Brief is the event's summary: one line saying when and where.
	// Mastodon shows an Event as its name, its summary and a link, never
	// its content; Misskey and GoToSocial show the summary above the
	// content, folded. Not a content warning: the event is not marked
	// sensitive.
	Brief     string
	StartTime time.Time
	EndTime   time.Time
	// Timezone is the IANA name the times are meant in (mz:timezone).
	Timezone string
	// PlaceName and PlaceAddress describe a Place; OnlineURL an online
	// event (a Place named "Online" with url, isOnline, and a Link
	// attachment, as Mobilizon writes it).
	PlaceName    string
	PlaceAddress string
	OnlineURL    string
	// Capacity is maximumAttendeeCapacity (0: unlimited); Participants
	// is participantCount.
	Capacity     int
	Participants int
	Cancelled    bool
	// Image is the optional cover image, sent as the Event's image (an
	// Image with its description as name) and, for servers that show
	// events as posts (Mastodon, Misskey), as an attachment too.
	Image *Attachment
}

// EventJSON returns the Event document.
func EventJSON(ev Event) ([]byte, error) {
	if strings.TrimSpace(ev.Name) == "" {
		return nil, fmt.Errorf("event: no name")
	}
	if ev.StartTime.IsZero() || ev.EndTime.Before(ev.StartTime) {
		return nil, fmt.Errorf("event: the end must not be before the start")
	}
	if ev.OnlineURL != "" && !isHTTPIRI(ev.OnlineURL) {
		return nil, fmt.Errorf("event: online link %q is not an http(s) URL", ev.OnlineURL)
	}
	if ev.Image != nil {
		if !isHTTPIRI(ev.Image.URL) {
			return nil, fmt.Errorf("event: image %q is not an http(s) URL", ev.Image.URL)
		}
		img := *ev.Image
		img.Type = "Image"
		ev.Note.Attachments = append(slices.Clone(ev.Note.Attachments), img)
	}
	doc, err := noteDocument(ev.Note)
	if err != nil {
		return nil, fmt.Errorf("event: %w", err)
	}
	doc["type"] = "Event"
	if ev.Image != nil {
		img := map[string]any{"type": "Image", "url": ev.Image.URL, "mediaType": ev.Image.MediaType}
		if ev.Image.Name != "" {
			img["name"] = ev.Image.Name
		}
		if ev.Image.Width > 0 && ev.Image.Height > 0 {
			img["width"], img["height"] = ev.Image.Width, ev.Image.Height
		}
		doc["image"] = img
	}
	doc["name"] = ev.Name
	if ev.Brief != "" {
		doc["summary"] = ev.Brief
	}
	setTime(doc, "startTime", ev.StartTime)
	setTime(doc, "endTime", ev.EndTime)
	if ev.Timezone != "" {
		doc["timezone"] = ev.Timezone
	}
	switch {
	case ev.OnlineURL != "":
		doc["isOnline"] = true
		doc["location"] = map[string]any{"type": "Place", "name": "Online", "url": ev.OnlineURL}
		attachments := asList(doc["attachment"])
		doc["attachment"] = append(attachments, map[string]any{"type": "Link", "name": "Website", "href": ev.OnlineURL, "mediaType": "text/html"})
	case ev.PlaceName != "" || ev.PlaceAddress != "":
		doc["isOnline"] = false
		place := map[string]any{"type": "Place", "name": ev.PlaceName}
		if ev.PlaceName == "" {
			place["name"] = ev.PlaceAddress
		}
		if ev.PlaceAddress != "" {
			place["address"] = map[string]any{"type": "PostalAddress", "streetAddress": ev.PlaceAddress}
		}
		doc["location"] = place
	default:
		doc["isOnline"] = false
	}
	doc["joinMode"] = "free"
	doc["anonymousParticipationEnabled"] = false
	doc["participantCount"] = ev.Participants
	if ev.Capacity > 0 {
		doc["maximumAttendeeCapacity"] = ev.Capacity
		doc["remainingAttendeeCapacity"] = max(ev.Capacity-ev.Participants, 0)
	} else {
		doc["maximumAttendeeCapacity"] = 0
	}
	doc["ical:status"] = EventConfirmed
	if ev.Cancelled {
		doc["ical:status"] = EventCancelled
	}
	return marshalDocument(doc)
}

// EventInfo is what Kith reads of a remote Event beyond Object's
// StartTime, EndTime and Location (a Mobilizon or Gancio event a member
// shares with the group).
type EventInfo struct {
	Timezone     string
	Status       string // CONFIRMED, TENTATIVE, CANCELLED; "" when not said
	JoinMode     string // free, restricted, invite
	Capacity     int    // maximumAttendeeCapacity; 0: unlimited or not said
	Participants int
	PlaceName    string
	PlaceAddress string // streetAddress, locality, country joined with ", "
	OnlineURL    string
	IsOnline     bool
}

// ParseEventInfo reads the event terms of an Event object as received.
func ParseEventInfo(obj *Object) (EventInfo, error) {
	if obj == nil || obj.Type != "Event" {
		return EventInfo{}, invalidf("not an Event")
	}
	n, err := decodeNode(obj.Raw)
	if err != nil {
		return EventInfo{}, err
	}
	m := n.m
	info := EventInfo{
		Timezone:     extString(m, "timezone"),
		Status:       strings.ToUpper(extString(m, "ical:status")),
		JoinMode:     extString(m, "joinMode"),
		Capacity:     extInt(m, "maximumAttendeeCapacity"),
		Participants: extInt(m, "participantCount"),
		IsOnline:     extBool(m, "isOnline"),
	}
	if info.Timezone != "" {
		if _, err := time.LoadLocation(info.Timezone); err != nil {
			info.Timezone = "" // not an IANA name we know: times stay in UTC
		}
	}
	if place, ok := firstMap(m["location"]); ok {
		info.PlaceName = extString(place, "name")
		if s := extString(place, "url"); isHTTPIRI(s) {
			info.OnlineURL = s
		}
		switch a := place["address"].(type) {
		case string:
			info.PlaceAddress = a
		case map[string]any:
			var parts []string
			for _, k := range []string{"streetAddress", "postalCode", "addressLocality", "addressRegion", "addressCountry"} {
				if s := strings.TrimSpace(extString(a, k)); s != "" {
					parts = append(parts, s)
				}
			}
			info.PlaceAddress = strings.Join(parts, ", ")
		}
	}
	if info.OnlineURL == "" && info.IsOnline {
		for _, e := range asList(m["attachment"]) {
			if a, ok := e.(map[string]any); ok && typeName(a) == "Link" && isHTTPIRI(extString(a, "href")) {
				info.OnlineURL = extString(a, "href")
				break
			}
		}
	}
	return info, nil
}

// firstMap returns v, or the first element of a list, as an object.
func firstMap(v any) (map[string]any, bool) {
	for _, e := range asList(v) {
		if m, ok := e.(map[string]any); ok {
			return m, true
		}
	}
	return nil, false
}

// AcceptJoin returns an Accept of a Join of an event (Mobilizon's RSVP),
// addressed to the participant, embedding the Join as received.
func AcceptJoin(id, actor string, join *Activity) ([]byte, error) {
	return answerFollow("Accept", id, actor, join)
}

// RejectJoin returns a Reject of a Join (the event is full or cancelled).
func RejectJoin(id, actor string, join *Activity) ([]byte, error) {
	return answerFollow("Reject", id, actor, join)
}

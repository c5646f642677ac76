package vocab

import (
	"encoding/json"
	"time"
)

// PublicAddress is the ActivityStreams special collection meaning "everyone".
// "as:Public" and "Public" are normalised to it when parsing.
const PublicAddress = "https://www.w3.org/ns/activitystreams#Public"

// ContentType is the media type Kith serves and sends ActivityStreams
// documents with.
const ContentType = `application/activity+json`

// LDContentType is the JSON-LD media type with the ActivityStreams profile,
// which GoToSocial sends and servers must accept.
const LDContentType = `application/ld+json; profile="https://www.w3.org/ns/activitystreams"`

// Activity is an incoming activity.
type Activity struct {
	ID   string
	Type string // as received, unknown types included
	// Actor is the first actor's id, even if "actor" is a list or an
	// embedded object.
	Actor string
	// Object is the (first) object: embedded, or id-only with Embedded false.
	Object *Object
	// ObjectIDs lists every object id in order: a Flag names several.
	ObjectIDs []string
	Target    string
	To        []string
	Cc        []string
	Audience  []string
	// Summary and Content carry the reason of a Flag, Lock or Block.
	Summary   string
	Content   string
	Published time.Time
	// Raw is the exact bytes received: an FEP-1b12 Announce embeds the
	// original activity unchanged.
	Raw json.RawMessage
}

// Object is an object (Note, Page, Article, Question, Event, Video…), or an
// activity embedded as an object (the Follow in an Undo, the Create in an
// Announce).
type Object struct {
	ID   string
	Type string
	// Embedded is false when the object was given by id only.
	Embedded     bool
	AttributedTo string // the first one
	// Content is "content", or when it is missing the preferred entry of
	// "contentMap" (und, en, then the first language in sorted order).
	Content     string
	ContentMap  map[string]string
	Summary     string
	Name        string
	MediaType   string
	Source      *Source
	URL         string
	InReplyTo   string
	To          []string
	Cc          []string
	Audience    []string
	Tags        []Tag
	Attachments []Attachment
	Sensitive   bool
	Published   time.Time
	Updated     time.Time
	// Object and Actor are set when this object is itself an activity, e.g.
	// the Follow of an Undo or the Create of an Announce.
	Object *Object
	Actor  string
	Target string
	// OneOf and AnyOf are a Question's option names.
	OneOf []string
	AnyOf []string
	// StartTime, EndTime and Location are an Event's. EndTime is also when a
	// Question closes.
	StartTime time.Time
	EndTime   time.Time
	Location  string
	// Raw is the exact bytes of this object as received (for an id-only
	// object, the JSON string).
	Raw json.RawMessage
}

// Source is the markup an object was written in (Mastodon, Lemmy).
type Source struct {
	Content   string
	MediaType string
}

// Tag is a Mention, Hashtag or Emoji (or another tag type, kept by name).
// For an Emoji, Href is the image URL.
type Tag struct {
	Type string
	Href string
	Name string
}

// Attachment is a media attachment or link. Name is the alt text.
type Attachment struct {
	Type      string
	MediaType string
	URL       string
	Name      string
	Width     int
	Height    int
}

// Field is a profile field (schema:PropertyValue). Value is HTML.
type Field struct {
	Name  string
	Value string
}

// Actor is a remote actor: Person, Group, Service, Application,
// Organization.
type Actor struct {
	ID                string
	Type              string
	PreferredUsername string
	Name              string
	Summary           string
	URL               string
	Inbox             string
	SharedInbox       string
	Outbox            string
	Followers         string
	Following         string
	Featured          string
	// AttributedTo is a Lemmy community's moderators collection.
	AttributedTo string
	IconURL      string
	ImageURL     string
	// PublicKeyID, PublicKeyOwner and PublicKeyPEM describe the actor's key;
	// when publicKey is only an IRI, PublicKeyID alone is set.
	PublicKeyID               string
	PublicKeyOwner            string
	PublicKeyPEM              string
	ManuallyApprovesFollowers bool
	Discoverable              bool
	Indexable                 bool
	PostingRestrictedToMods   bool
	Fields                    []Field
	Published                 time.Time
	// AlsoKnownAs lists the actor's other addresses (the accounts it moved
	// from); MovedTo is where it moved (Mastodon's account migration).
	AlsoKnownAs []string
	MovedTo     string
	Raw         json.RawMessage
}

// GroupActor is what Kith publishes for a group.
type GroupActor struct {
	ID                string
	PreferredUsername string
	Name              string
	SummaryHTML       string
	URL               string // the HTML page
	Inbox             string
	Outbox            string
	Followers         string
	Following         string
	Featured          string
	// Moderators is the moderators collection, published as attributedTo
	// (the Lemmy convention).
	Moderators     string
	SharedInbox    string
	IconURL        string
	IconMediaType  string
	ImageURL       string
	ImageMediaType string
	PublicKeyID    string
	PublicKeyPEM   string
	// ManuallyApprovesFollowers shows as a locked account.
	ManuallyApprovesFollowers bool
	// Discoverable is published as both discoverable and indexable.
	Discoverable            bool
	PostingRestrictedToMods bool
	// Fields are published as PropertyValue attachments; values are HTML.
	Fields    []Field
	Published time.Time
	// AlsoKnownAs names the groups this one moves here from; MovedTo the
	// group this one moved to.
	AlsoKnownAs []string
	MovedTo     string
}

// ApplicationActor is the instance actor (FEP-d556): type Application,
// preferredUsername the host. It signs outgoing GETs.
type ApplicationActor struct {
	ID                string
	PreferredUsername string // the host name
	Name              string
	URL               string
	Inbox             string
	Outbox            string
	SharedInbox       string
	PublicKeyID       string
	PublicKeyPEM      string
	Published         time.Time
}

// Note is a post the group publishes itself. Tag it with a Mention of the
// group and set Audience to the group, so that replies reach the group.
type Note struct {
	ID           string
	AttributedTo string
	ContentHTML  string
	Summary      string // content warning
	URL          string
	InReplyTo    string
	Audience     string
	To           []string
	Cc           []string
	Tags         []Tag
	Attachments  []Attachment
	Sensitive    bool
	Published    time.Time
	Updated      time.Time
}

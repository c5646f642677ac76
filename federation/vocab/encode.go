package vocab

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"time"

	"github.com/go-fed/activity/streams"
	"github.com/go-fed/activity/streams/vocab"
)

// iri parses s as an absolute http(s) IRI for the member named field.
func iri(field, s string) (*url.URL, error) {
	if !isHTTPIRI(s) {
		return nil, fmt.Errorf("%s %q is not an absolute http(s) IRI", field, s)
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", field, err)
	}
	return u, nil
}

// iris parses a list of IRIs.
func iris(field string, ss []string) ([]*url.URL, error) {
	out := make([]*url.URL, 0, len(ss))
	for _, s := range ss {
		u, err := iri(field, s)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, nil
}

// builder collects the first error of a sequence of IRI conversions, so that
// the builders below read as a list of properties.
type builder struct{ err error }

func (b *builder) iri(field, s string) *url.URL {
	if b.err != nil {
		return nil
	}
	u, err := iri(field, s)
	if err != nil {
		b.err = err
	}
	return u
}

// optional returns nil for an empty s, else the IRI.
func (b *builder) optional(field, s string) *url.URL {
	if s == "" {
		return nil
	}
	return b.iri(field, s)
}

func (b *builder) iris(field string, ss []string) []*url.URL {
	if b.err != nil {
		return nil
	}
	us, err := iris(field, ss)
	if err != nil {
		b.err = err
	}
	return us
}

// Constructors of go-fed properties from IRIs.

func idProp(u *url.URL) vocab.JSONLDIdProperty {
	p := streams.NewJSONLDIdProperty()
	p.Set(u)
	return p
}

func actorProp(u *url.URL) vocab.ActivityStreamsActorProperty {
	p := streams.NewActivityStreamsActorProperty()
	p.AppendIRI(u)
	return p
}

func toProp(us []*url.URL) vocab.ActivityStreamsToProperty {
	p := streams.NewActivityStreamsToProperty()
	for _, u := range us {
		p.AppendIRI(u)
	}
	return p
}

func ccProp(us []*url.URL) vocab.ActivityStreamsCcProperty {
	p := streams.NewActivityStreamsCcProperty()
	for _, u := range us {
		p.AppendIRI(u)
	}
	return p
}

func nameProp(s string) vocab.ActivityStreamsNameProperty {
	p := streams.NewActivityStreamsNameProperty()
	p.AppendXMLSchemaString(s)
	return p
}

func summaryProp(s string) vocab.ActivityStreamsSummaryProperty {
	p := streams.NewActivityStreamsSummaryProperty()
	p.AppendXMLSchemaString(s)
	return p
}

func urlProp(u *url.URL) vocab.ActivityStreamsUrlProperty {
	p := streams.NewActivityStreamsUrlProperty()
	p.AppendIRI(u)
	return p
}

func mediaTypeProp(s string) vocab.ActivityStreamsMediaTypeProperty {
	p := streams.NewActivityStreamsMediaTypeProperty()
	p.Set(s)
	return p
}

// imageValue is an Image with a URL and an optional media type.
func imageValue(u *url.URL, mediaType string) vocab.ActivityStreamsImage {
	img := streams.NewActivityStreamsImage()
	img.SetActivityStreamsUrl(urlProp(u))
	if mediaType != "" {
		img.SetActivityStreamsMediaType(mediaTypeProp(mediaType))
	}
	return img
}

// publicKeyProp is the security vocabulary's publicKey.
func publicKeyProp(id, owner *url.URL, pem string) vocab.W3IDSecurityV1PublicKeyProperty {
	k := streams.NewW3IDSecurityV1PublicKey()
	k.SetJSONLDId(idProp(id))
	o := streams.NewW3IDSecurityV1OwnerProperty()
	o.Set(owner)
	k.SetW3IDSecurityV1Owner(o)
	p := streams.NewW3IDSecurityV1PublicKeyPemProperty()
	p.Set(pem)
	k.SetW3IDSecurityV1PublicKeyPem(p)
	prop := streams.NewW3IDSecurityV1PublicKeyProperty()
	prop.AppendW3IDSecurityV1PublicKey(k)
	return prop
}

// serialize runs streams.Serialize; the @context it writes is replaced by
// marshalDocument.
func serialize(t vocab.Type) (map[string]any, error) {
	m, err := streams.Serialize(t)
	if err != nil {
		return nil, fmt.Errorf("serialize %s: %w", t.GetTypeName(), err)
	}
	return m, nil
}

// actorCommon is what the group and instance actors share.
type actorCommon interface {
	vocab.Type
	SetJSONLDId(vocab.JSONLDIdProperty)
	SetActivityStreamsPreferredUsername(vocab.ActivityStreamsPreferredUsernameProperty)
	SetActivityStreamsName(vocab.ActivityStreamsNameProperty)
	SetActivityStreamsSummary(vocab.ActivityStreamsSummaryProperty)
	SetActivityStreamsUrl(vocab.ActivityStreamsUrlProperty)
	SetActivityStreamsInbox(vocab.ActivityStreamsInboxProperty)
	SetActivityStreamsOutbox(vocab.ActivityStreamsOutboxProperty)
	SetW3IDSecurityV1PublicKey(vocab.W3IDSecurityV1PublicKeyProperty)
}

// setActorCommon sets id, preferredUsername, name, url, inbox, outbox and
// publicKey.
func setActorCommon(b *builder, t actorCommon, id, username, name, page, inbox, outbox, keyID, pem string) {
	u := b.iri("id", id)
	t.SetJSONLDId(idProp(u))
	pu := streams.NewActivityStreamsPreferredUsernameProperty()
	pu.SetXMLSchemaString(username)
	t.SetActivityStreamsPreferredUsername(pu)
	if name != "" {
		t.SetActivityStreamsName(nameProp(name))
	}
	if page := b.optional("url", page); page != nil {
		t.SetActivityStreamsUrl(urlProp(page))
	}
	in := streams.NewActivityStreamsInboxProperty()
	in.SetIRI(b.iri("inbox", inbox))
	t.SetActivityStreamsInbox(in)
	if outbox := b.optional("outbox", outbox); outbox != nil {
		out := streams.NewActivityStreamsOutboxProperty()
		out.SetIRI(outbox)
		t.SetActivityStreamsOutbox(out)
	}
	if keyID != "" || pem != "" {
		t.SetW3IDSecurityV1PublicKey(publicKeyProp(b.iri("publicKey.id", keyID), u, pem))
	}
}

// GroupActorJSON returns the Group actor document of a group.
func GroupActorJSON(g GroupActor) ([]byte, error) {
	b := &builder{}
	t := streams.NewActivityStreamsGroup()
	setActorCommon(b, t, g.ID, g.PreferredUsername, g.Name, g.URL, g.Inbox, g.Outbox, g.PublicKeyID, g.PublicKeyPEM)
	if g.SummaryHTML != "" {
		t.SetActivityStreamsSummary(summaryProp(g.SummaryHTML))
	}
	if u := b.optional("followers", g.Followers); u != nil {
		p := streams.NewActivityStreamsFollowersProperty()
		p.SetIRI(u)
		t.SetActivityStreamsFollowers(p)
	}
	if u := b.optional("following", g.Following); u != nil {
		p := streams.NewActivityStreamsFollowingProperty()
		p.SetIRI(u)
		t.SetActivityStreamsFollowing(p)
	}
	if u := b.optional("featured", g.Featured); u != nil {
		p := streams.NewTootFeaturedProperty()
		p.SetIRI(u)
		t.SetTootFeatured(p)
	}
	if u := b.optional("moderators", g.Moderators); u != nil {
		p := streams.NewActivityStreamsAttributedToProperty()
		p.AppendIRI(u)
		t.SetActivityStreamsAttributedTo(p)
	}
	if u := b.optional("icon", g.IconURL); u != nil {
		p := streams.NewActivityStreamsIconProperty()
		p.AppendActivityStreamsImage(imageValue(u, g.IconMediaType))
		t.SetActivityStreamsIcon(p)
	}
	if u := b.optional("image", g.ImageURL); u != nil {
		p := streams.NewActivityStreamsImageProperty()
		p.AppendActivityStreamsImage(imageValue(u, g.ImageMediaType))
		t.SetActivityStreamsImage(p)
	}
	d := streams.NewTootDiscoverableProperty()
	d.Set(g.Discoverable)
	t.SetTootDiscoverable(d)
	b.optional("sharedInbox", g.SharedInbox)
	if b.err != nil {
		return nil, fmt.Errorf("group actor: %w", b.err)
	}
	doc, err := serialize(t)
	if err != nil {
		return nil, err
	}
	restricted := g.PostingRestrictedToMods
	actorExtensions{
		sharedInbox:               g.SharedInbox,
		manuallyApprovesFollowers: g.ManuallyApprovesFollowers,
		indexable:                 g.Discoverable,
		postingRestrictedToMods:   &restricted,
		fields:                    g.Fields,
		published:                 g.Published,
		alsoKnownAs:               g.AlsoKnownAs,
		movedTo:                   g.MovedTo,
	}.apply(doc)
	return marshalDocument(doc)
}

// ApplicationActorJSON returns the instance actor document (FEP-d556).
func ApplicationActorJSON(a ApplicationActor) ([]byte, error) {
	b := &builder{}
	t := streams.NewActivityStreamsApplication()
	setActorCommon(b, t, a.ID, a.PreferredUsername, a.Name, a.URL, a.Inbox, a.Outbox, a.PublicKeyID, a.PublicKeyPEM)
	b.optional("sharedInbox", a.SharedInbox)
	if b.err != nil {
		return nil, fmt.Errorf("application actor: %w", b.err)
	}
	doc, err := serialize(t)
	if err != nil {
		return nil, err
	}
	actorExtensions{
		sharedInbox: a.SharedInbox,
		// The instance actor only signs fetches: nobody should follow
		// it, nor find it in a directory.
		manuallyApprovesFollowers: true,
		published:                 a.Published,
	}.apply(doc)
	return marshalDocument(doc)
}

// NoteJSON returns a Note the group publishes.
func NoteJSON(n Note) ([]byte, error) {
	doc, err := noteDocument(n)
	if err != nil {
		return nil, err
	}
	return marshalDocument(doc)
}

func noteDocument(n Note) (map[string]any, error) {
	b := &builder{}
	t := streams.NewActivityStreamsNote()
	t.SetJSONLDId(idProp(b.iri("id", n.ID)))
	at := streams.NewActivityStreamsAttributedToProperty()
	at.AppendIRI(b.iri("attributedTo", n.AttributedTo))
	t.SetActivityStreamsAttributedTo(at)
	content := streams.NewActivityStreamsContentProperty()
	content.AppendXMLSchemaString(n.ContentHTML)
	t.SetActivityStreamsContent(content)
	if n.Summary != "" {
		t.SetActivityStreamsSummary(summaryProp(n.Summary))
	}
	if u := b.optional("url", n.URL); u != nil {
		t.SetActivityStreamsUrl(urlProp(u))
	}
	if u := b.optional("inReplyTo", n.InReplyTo); u != nil {
		p := streams.NewActivityStreamsInReplyToProperty()
		p.AppendIRI(u)
		t.SetActivityStreamsInReplyTo(p)
	}
	if u := b.optional("audience", n.Audience); u != nil {
		p := streams.NewActivityStreamsAudienceProperty()
		p.AppendIRI(u)
		t.SetActivityStreamsAudience(p)
	}
	t.SetActivityStreamsTo(toProp(b.iris("to", n.To)))
	if len(n.Cc) > 0 {
		t.SetActivityStreamsCc(ccProp(b.iris("cc", n.Cc)))
	}
	var extTags []Tag
	tags := streams.NewActivityStreamsTagProperty()
	for _, tag := range n.Tags {
		if tag.Type != "Mention" {
			extTags = append(extTags, tag) // Hashtag, Emoji: the extension layer
			continue
		}
		m := streams.NewActivityStreamsMention()
		href := streams.NewActivityStreamsHrefProperty()
		href.Set(b.iri("tag.href", tag.Href))
		m.SetActivityStreamsHref(href)
		m.SetActivityStreamsName(nameProp(tag.Name))
		tags.AppendActivityStreamsMention(m)
	}
	if tags.Len() > 0 {
		t.SetActivityStreamsTag(tags)
	}
	if len(n.Attachments) > 0 {
		p := streams.NewActivityStreamsAttachmentProperty()
		for _, a := range n.Attachments {
			d := streams.NewActivityStreamsDocument()
			d.SetActivityStreamsUrl(urlProp(b.iri("attachment.url", a.URL)))
			if a.MediaType != "" {
				d.SetActivityStreamsMediaType(mediaTypeProp(a.MediaType))
			}
			if a.Name != "" {
				d.SetActivityStreamsName(nameProp(a.Name))
			}
			p.AppendActivityStreamsDocument(d)
		}
		t.SetActivityStreamsAttachment(p)
	}
	if b.err != nil {
		return nil, fmt.Errorf("note: %w", b.err)
	}
	doc, err := serialize(t)
	if err != nil {
		return nil, err
	}
	// go-fed writes a one-element property as a bare value; Mastodon and
	// others read both, but lists are what they send themselves.
	for _, k := range []string{"to", "cc", "tag", "attachment"} {
		if v, ok := doc[k]; ok {
			doc[k] = asList(v)
		}
	}
	// go-fed's Document has no width or height.
	for i, e := range asList(doc["attachment"]) {
		m, ok := e.(map[string]any)
		if !ok || i >= len(n.Attachments) {
			continue
		}
		if a := n.Attachments[i]; a.Width > 0 && a.Height > 0 {
			m["width"], m["height"] = a.Width, a.Height
		}
		if typ := n.Attachments[i].Type; typ != "" {
			m["type"] = typ // Image, Video, Audio: same shape as Document
		}
	}
	objectExtensions{
		sensitive: n.Sensitive || n.Summary != "",
		tags:      extTags,
		published: n.Published,
		updated:   n.Updated,
	}.apply(doc)
	return doc, nil
}

// activityType is what every go-fed activity type offers.
type activityType interface {
	vocab.Type
	SetJSONLDId(vocab.JSONLDIdProperty)
	SetActivityStreamsActor(vocab.ActivityStreamsActorProperty)
	SetActivityStreamsTo(vocab.ActivityStreamsToProperty)
	SetActivityStreamsCc(vocab.ActivityStreamsCcProperty)
	SetActivityStreamsObject(vocab.ActivityStreamsObjectProperty)
	SetActivityStreamsTarget(vocab.ActivityStreamsTargetProperty)
}

// newActivity returns an empty go-fed activity of the given type.
func newActivity(typ string) (activityType, error) {
	switch typ {
	case "Accept":
		return streams.NewActivityStreamsAccept(), nil
	case "Reject":
		return streams.NewActivityStreamsReject(), nil
	case "Announce":
		return streams.NewActivityStreamsAnnounce(), nil
	case "Undo":
		return streams.NewActivityStreamsUndo(), nil
	case "Update":
		return streams.NewActivityStreamsUpdate(), nil
	case "Delete":
		return streams.NewActivityStreamsDelete(), nil
	case "Create":
		return streams.NewActivityStreamsCreate(), nil
	case "Add":
		return streams.NewActivityStreamsAdd(), nil
	case "Remove":
		return streams.NewActivityStreamsRemove(), nil
	case "Follow":
		return streams.NewActivityStreamsFollow(), nil
	case "Block":
		return streams.NewActivityStreamsBlock(), nil
	case "Flag":
		return streams.NewActivityStreamsFlag(), nil
	case "Move":
		return streams.NewActivityStreamsMove(), nil
	default:
		return nil, fmt.Errorf("no builder for activity type %q", typ)
	}
}

// envelope is the part of an outgoing activity go-fed builds.
type envelope struct {
	typ, id, actor string
	objectIRI      string // when the object is given by id
	target         string
	to, cc         []string
}

// build returns the serialised envelope, without @context.
func (e envelope) build() (map[string]any, error) {
	t, err := newActivity(e.typ)
	if err != nil {
		return nil, err
	}
	b := &builder{}
	if e.id != "" {
		t.SetJSONLDId(idProp(b.iri("id", e.id)))
	}
	t.SetActivityStreamsActor(actorProp(b.iri("actor", e.actor)))
	if len(e.to) > 0 {
		t.SetActivityStreamsTo(toProp(b.iris("to", e.to)))
	}
	if len(e.cc) > 0 {
		t.SetActivityStreamsCc(ccProp(b.iris("cc", e.cc)))
	}
	if u := b.optional("object", e.objectIRI); u != nil {
		p := streams.NewActivityStreamsObjectProperty()
		p.AppendIRI(u)
		t.SetActivityStreamsObject(p)
	}
	if u := b.optional("target", e.target); u != nil {
		p := streams.NewActivityStreamsTargetProperty()
		p.AppendIRI(u)
		t.SetActivityStreamsTarget(p)
	}
	if b.err != nil {
		return nil, fmt.Errorf("%s: %w", e.typ, b.err)
	}
	doc, err := serialize(t)
	if err != nil {
		return nil, err
	}
	delete(doc, "@context")
	for _, k := range []string{"to", "cc"} {
		if v, ok := doc[k]; ok {
			doc[k] = asList(v)
		}
	}
	return doc, nil
}

// embed decodes a JSON object to embed in another document, without its
// @context (the outer document's applies). Numbers are kept as written.
func embed(field string, raw []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil || m == nil {
		return nil, fmt.Errorf("%s: not a JSON object: %v", field, err)
	}
	delete(m, "@context")
	return m, nil
}

// Accept returns an Accept of follow, addressed to its actor. It embeds the
// Follow as received when follow.Raw is set (Mastodon matches the Follow by
// id), else a Follow rebuilt from its id, actor and object (Misskey matches by
// actor and object).
func Accept(id, actor string, follow *Activity) ([]byte, error) {
	return answerFollow("Accept", id, actor, follow)
}

// Reject returns a Reject of follow, like Accept.
func Reject(id, actor string, follow *Activity) ([]byte, error) {
	return answerFollow("Reject", id, actor, follow)
}

func answerFollow(typ, id, actor string, follow *Activity) ([]byte, error) {
	if follow == nil {
		return nil, fmt.Errorf("build %s: no Follow", typ)
	}
	doc, err := envelope{typ: typ, id: id, actor: actor, to: []string{follow.Actor}}.build()
	if err != nil {
		return nil, err
	}
	if len(follow.Raw) > 0 {
		doc["object"], err = embed("follow", follow.Raw)
	} else {
		var objectID string
		if follow.Object != nil {
			objectID = follow.Object.ID
		}
		doc["object"], err = envelope{typ: "Follow", id: follow.ID, actor: follow.Actor, objectIRI: objectID}.build()
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", typ, err)
	}
	return marshalDocument(doc)
}

// Announce returns an Announce. object is an IRI string (the plain boost
// Mastodon, Misskey and GoToSocial show) or a json.RawMessage holding the
// activity to embed unchanged (FEP-1b12 Announce{Create}). published is
// written with milliseconds: stamp it no earlier than the object's own.
func Announce(id, actor string, object any, to, cc []string, published time.Time) ([]byte, error) {
	e := envelope{typ: "Announce", id: id, actor: actor, to: to, cc: cc}
	var embedded json.RawMessage
	switch o := object.(type) {
	case string:
		e.objectIRI = o
		if o == "" {
			return nil, fmt.Errorf("build Announce: empty object")
		}
	case json.RawMessage:
		if jsonKind(o) != "object" || !json.Valid(o) {
			return nil, fmt.Errorf("build Announce: object is not a JSON object")
		}
		embedded = o
	default:
		return nil, fmt.Errorf("build Announce: object is a %T, want string or json.RawMessage", object)
	}
	doc, err := e.build()
	if err != nil {
		return nil, err
	}
	if embedded != nil {
		doc["object"] = embedded
	}
	setTime(doc, "published", published)
	return marshalDocument(doc)
}

// Undo returns an Undo embedding the activity undone (Misskey needs the
// Announce embedded to remove a boost).
func Undo(id, actor string, embedded []byte, to, cc []string) ([]byte, error) {
	return wrap("Undo", id, actor, embedded, to, cc)
}

// Update returns an Update embedding the updated object (a Note, the Group).
func Update(id, actor string, object []byte, to, cc []string) ([]byte, error) {
	return wrap("Update", id, actor, object, to, cc)
}

// Create returns a Create embedding object (a Note from NoteJSON).
func Create(id, actor string, object []byte, to, cc []string) ([]byte, error) {
	return wrap("Create", id, actor, object, to, cc)
}

func wrap(typ, id, actor string, object []byte, to, cc []string) ([]byte, error) {
	doc, err := envelope{typ: typ, id: id, actor: actor, to: to, cc: cc}.build()
	if err != nil {
		return nil, err
	}
	if doc["object"], err = embed("object", object); err != nil {
		return nil, fmt.Errorf("%s: %w", typ, err)
	}
	return marshalDocument(doc)
}

// Delete returns a Delete of objectID, the object given by id.
func Delete(id, actor, objectID string, to, cc []string) ([]byte, error) {
	doc, err := envelope{typ: "Delete", id: id, actor: actor, objectIRI: objectID, to: to, cc: cc}.build()
	if err != nil {
		return nil, err
	}
	return marshalDocument(doc)
}

// DeleteTombstone returns a Delete whose object is a Tombstone with
// objectID, the form Mastodon sends for statuses.
func DeleteTombstone(id, actor, objectID string, to, cc []string) ([]byte, error) {
	u, err := iri("object", objectID)
	if err != nil {
		return nil, fmt.Errorf("build Delete: %w", err)
	}
	doc, err := envelope{typ: "Delete", id: id, actor: actor, to: to, cc: cc}.build()
	if err != nil {
		return nil, err
	}
	ts := streams.NewActivityStreamsTombstone()
	ts.SetJSONLDId(idProp(u))
	tomb, err := serialize(ts)
	if err != nil {
		return nil, err
	}
	delete(tomb, "@context")
	doc["object"] = tomb
	return marshalDocument(doc)
}

// Add returns an Add of object to target (pinning to the featured
// collection).
func Add(id, actor, object, target string, to, cc []string) ([]byte, error) {
	return targeted("Add", id, actor, object, target, to, cc)
}

// Remove returns a Remove of object from target (unpinning).
func Remove(id, actor, object, target string, to, cc []string) ([]byte, error) {
	return targeted("Remove", id, actor, object, target, to, cc)
}

// Move returns a Move of actor (the object is the mover itself) to target,
// its new address: the account migration Mastodon, GoToSocial and Misskey
// follow when target lists actor in alsoKnownAs.
func Move(id, actor, target string, to, cc []string) ([]byte, error) {
	return targeted("Move", id, actor, actor, target, to, cc)
}

func targeted(typ, id, actor, object, target string, to, cc []string) ([]byte, error) {
	if object == "" || target == "" {
		return nil, fmt.Errorf("build %s: object and target are required", typ)
	}
	doc, err := envelope{typ: typ, id: id, actor: actor, objectIRI: object, target: target, to: to, cc: cc}.build()
	if err != nil {
		return nil, err
	}
	return marshalDocument(doc)
}

// OrderedCollection returns a paged OrderedCollection: its size and the IRI
// of its first page (followers, outbox).
func OrderedCollection(id string, totalItems int, first string) ([]byte, error) {
	b := &builder{}
	t := streams.NewActivityStreamsOrderedCollection()
	t.SetJSONLDId(idProp(b.iri("id", id)))
	t.SetActivityStreamsTotalItems(totalItemsProp(totalItems))
	if u := b.optional("first", first); u != nil {
		p := streams.NewActivityStreamsFirstProperty()
		p.SetIRI(u)
		t.SetActivityStreamsFirst(p)
	}
	if b.err != nil {
		return nil, fmt.Errorf("build OrderedCollection: %w", b.err)
	}
	doc, err := serialize(t)
	if err != nil {
		return nil, err
	}
	return marshalDocument(doc)
}

// OrderedCollectionItems returns an OrderedCollection with its items inline
// (the featured collection, small collections). Items are IRI strings or
// json.RawMessage objects.
func OrderedCollectionItems(id string, items []any) ([]byte, error) {
	b := &builder{}
	t := streams.NewActivityStreamsOrderedCollection()
	t.SetJSONLDId(idProp(b.iri("id", id)))
	t.SetActivityStreamsTotalItems(totalItemsProp(len(items)))
	if b.err != nil {
		return nil, fmt.Errorf("build OrderedCollection: %w", b.err)
	}
	doc, err := serialize(t)
	if err != nil {
		return nil, err
	}
	if doc["orderedItems"], err = orderedItems(items); err != nil {
		return nil, fmt.Errorf("build OrderedCollection: %w", err)
	}
	return marshalDocument(doc)
}

// OrderedCollectionPage returns one page of an OrderedCollection. Items are
// IRI strings or json.RawMessage objects (embedded without their @context);
// next and prev may be empty.
func OrderedCollectionPage(id, partOf string, items []any, next, prev string) ([]byte, error) {
	b := &builder{}
	t := streams.NewActivityStreamsOrderedCollectionPage()
	t.SetJSONLDId(idProp(b.iri("id", id)))
	po := streams.NewActivityStreamsPartOfProperty()
	po.SetIRI(b.iri("partOf", partOf))
	t.SetActivityStreamsPartOf(po)
	if u := b.optional("next", next); u != nil {
		p := streams.NewActivityStreamsNextProperty()
		p.SetIRI(u)
		t.SetActivityStreamsNext(p)
	}
	if u := b.optional("prev", prev); u != nil {
		p := streams.NewActivityStreamsPrevProperty()
		p.SetIRI(u)
		t.SetActivityStreamsPrev(p)
	}
	if b.err != nil {
		return nil, fmt.Errorf("build OrderedCollectionPage: %w", b.err)
	}
	doc, err := serialize(t)
	if err != nil {
		return nil, err
	}
	if doc["orderedItems"], err = orderedItems(items); err != nil {
		return nil, fmt.Errorf("build OrderedCollectionPage: %w", err)
	}
	return marshalDocument(doc)
}

func totalItemsProp(n int) vocab.ActivityStreamsTotalItemsProperty {
	p := streams.NewActivityStreamsTotalItemsProperty()
	p.Set(n)
	return p
}

// orderedItems converts collection items. It is always a list, even an empty
// one: go-fed's pub reads items only from orderedItems/items.
func orderedItems(items []any) ([]any, error) {
	out := make([]any, 0, len(items))
	for i, it := range items {
		switch v := it.(type) {
		case string:
			if _, err := iri("item", v); err != nil {
				return nil, err
			}
			out = append(out, v)
		case json.RawMessage:
			m, err := embed(fmt.Sprintf("item %d", i), v)
			if err != nil {
				return nil, err
			}
			out = append(out, m)
		default:
			return nil, fmt.Errorf("item %d is a %T, want string or json.RawMessage", i, it)
		}
	}
	return out, nil
}

// Block returns a Block of an actor, addressed to it (a group banning a
// member; Mastodon then drops the member's follow).
func Block(id, actor, object string) ([]byte, error) {
	doc, err := envelope{typ: "Block", id: id, actor: actor, objectIRI: object, to: []string{object}}.build()
	if err != nil {
		return nil, err
	}
	return marshalDocument(doc)
}

// Flag returns a report about objects (the account first, then posts),
// with the reason as content, the shape Mastodon sends and accepts.
func Flag(id, actor string, objects []string, reason string) ([]byte, error) {
	if len(objects) == 0 {
		return nil, fmt.Errorf("build Flag: no object")
	}
	doc, err := envelope{typ: "Flag", id: id, actor: actor, objectIRI: objects[0]}.build()
	if err != nil {
		return nil, err
	}
	for _, o := range objects {
		if _, err := iri("object", o); err != nil {
			return nil, fmt.Errorf("build Flag: %w", err)
		}
	}
	doc["object"] = objects
	if reason != "" {
		doc["content"] = reason
	}
	return marshalDocument(doc)
}

package vocab

import (
	"context"

	"github.com/go-fed/activity/streams/vocab"
)

type (
	hasPreferredUsername interface {
		GetActivityStreamsPreferredUsername() vocab.ActivityStreamsPreferredUsernameProperty
	}
	hasInbox interface {
		GetActivityStreamsInbox() vocab.ActivityStreamsInboxProperty
	}
	hasOutbox interface {
		GetActivityStreamsOutbox() vocab.ActivityStreamsOutboxProperty
	}
	hasFollowers interface {
		GetActivityStreamsFollowers() vocab.ActivityStreamsFollowersProperty
	}
	hasFollowing interface {
		GetActivityStreamsFollowing() vocab.ActivityStreamsFollowingProperty
	}
	hasImage interface {
		GetActivityStreamsImage() vocab.ActivityStreamsImageProperty
	}
	hasPublicKey interface {
		GetW3IDSecurityV1PublicKey() vocab.W3IDSecurityV1PublicKeyProperty
	}
	hasDiscoverable interface {
		GetTootDiscoverable() vocab.TootDiscoverableProperty
	}
	hasFeatured interface {
		GetTootFeatured() vocab.TootFeaturedProperty
	}
)

// ParseActor parses an actor document (Person, Group, Service, Application,
// Organization, from Mastodon, Lemmy, Pleroma, Friendica, Misskey,
// GoToSocial, PeerTube…). It needs an absolute http(s) id and inbox.
// publicKey may be an object, a list of objects (the one owned by the actor
// is taken) or an IRI.
func ParseActor(ctx context.Context, raw []byte) (*Actor, error) {
	n, err := decodeNode(raw)
	if err != nil {
		return nil, err
	}
	p, err := parseNode(ctx, n, 0)
	if err != nil {
		return nil, err
	}
	o := p.obj
	if o.ID == "" {
		return nil, invalidf("%s has no id", o.Type)
	}
	t := p.t
	a := &Actor{
		ID:           o.ID,
		Type:         o.Type,
		Name:         o.Name,
		Summary:      o.Summary,
		URL:          o.URL,
		AttributedTo: o.AttributedTo,
		Published:    o.Published,
		Raw:          o.Raw,
	}
	if h, ok := t.(hasPreferredUsername); ok {
		if pu := h.GetActivityStreamsPreferredUsername(); pu != nil {
			s, langs := pu.GetXMLSchemaString(), pu.GetRDFLangString()
			a.PreferredUsername = preferredText(s, langs)
		}
	}
	if h, ok := t.(hasInbox); ok {
		a.Inbox = refOf(h.GetActivityStreamsInbox())
	}
	if h, ok := t.(hasOutbox); ok {
		a.Outbox = refOf(h.GetActivityStreamsOutbox())
	}
	if h, ok := t.(hasFollowers); ok {
		a.Followers = refOf(h.GetActivityStreamsFollowers())
	}
	if h, ok := t.(hasFollowing); ok {
		a.Following = refOf(h.GetActivityStreamsFollowing())
	}
	if h, ok := t.(hasIcon); ok {
		a.IconURL = imageURL(items(h.GetActivityStreamsIcon()))
	}
	if h, ok := t.(hasImage); ok {
		a.ImageURL = imageURL(items(h.GetActivityStreamsImage()))
	}
	if h, ok := t.(hasPublicKey); ok {
		readPublicKey(a, items(h.GetW3IDSecurityV1PublicKey()))
	}
	if h, ok := t.(hasDiscoverable); ok {
		if d := h.GetTootDiscoverable(); d != nil && d.IsXMLSchemaBoolean() {
			a.Discoverable = d.Get()
		}
	}
	if h, ok := t.(hasFeatured); ok {
		a.Featured = refOf(h.GetTootFeatured())
	}
	// Extension layer.
	m := n.m
	if a.Featured == "" {
		a.Featured = extFeatured(m)
	}
	a.SharedInbox = extSharedInbox(m)
	a.ManuallyApprovesFollowers = extBool(m, "manuallyApprovesFollowers")
	a.Indexable = extBool(m, "indexable")
	a.PostingRestrictedToMods = extBool(m, "postingRestrictedToMods")
	a.Fields = extFields(m)
	a.AlsoKnownAs = extIRIs(m, "alsoKnownAs")
	a.MovedTo = refID(m["movedTo"])

	if a.Inbox == "" {
		// go-fed drops an inbox that is not an absolute IRI; say so.
		if s := extString(m, "inbox"); s != "" {
			return nil, invalidf("inbox %q is not an absolute http(s) IRI", s)
		}
		return nil, invalidf("%s %s has no inbox", a.Type, a.ID)
	}
	if !isHTTPIRI(a.Inbox) {
		return nil, invalidf("inbox %q is not an absolute http(s) IRI", a.Inbox)
	}
	return a, nil
}

// imageURL returns the URL of the first image of an icon or image property.
func imageURL[I iriOrType](its []I) string {
	for _, it := range its {
		if it.IsIRI() {
			return it.GetIRI().String()
		}
		if u := urlOf(it.GetType()); u != "" {
			return u
		}
	}
	return ""
}

// readPublicKey sets the actor's key: the first key owned by the actor, else
// the first key; an IRI-only key sets PublicKeyID alone.
func readPublicKey(a *Actor, its []vocab.W3IDSecurityV1PublicKeyPropertyIterator) {
	var chosen vocab.W3IDSecurityV1PublicKey
	for _, it := range its {
		if it.IsIRI() {
			if a.PublicKeyID == "" && chosen == nil {
				a.PublicKeyID = it.GetIRI().String()
			}
			continue
		}
		if !it.IsW3IDSecurityV1PublicKey() {
			continue
		}
		k := it.Get()
		if chosen == nil || (keyOwner(chosen) != a.ID && keyOwner(k) == a.ID) {
			chosen = k
		}
	}
	if chosen == nil {
		return
	}
	a.PublicKeyID = typeID(chosen)
	a.PublicKeyOwner = keyOwner(chosen)
	if pem := chosen.GetW3IDSecurityV1PublicKeyPem(); pem != nil {
		a.PublicKeyPEM = pem.Get()
	}
}

func keyOwner(k vocab.W3IDSecurityV1PublicKey) string {
	if owner := k.GetW3IDSecurityV1Owner(); owner != nil && owner.Get() != nil {
		return owner.Get().String()
	}
	return ""
}

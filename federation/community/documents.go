package community

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"path"
	"strings"

	"github.com/kith-social/kith/federation/vocab"
	"github.com/kith-social/kith/storage"
)

// pageSize is the number of items per collection page.
const pageSize = 20

// InstanceActorDocument is the instance actor (FEP-d556): an Application
// named after the host, which signs the node's outgoing GETs.
func (e *Documents) InstanceActorDocument() ([]byte, error) {
	return vocab.ApplicationActorJSON(vocab.ApplicationActor{
		ID: e.IRI.InstanceActor(), PreferredUsername: e.IRI.Domain(), Name: "Kith at " + e.IRI.Domain(),
		URL: e.IRI.Home(), Inbox: e.IRI.SharedInbox(), Outbox: e.IRI.InstanceOutbox(),
		SharedInbox: e.IRI.SharedInbox(), PublicKeyID: e.IRI.InstanceKey(), PublicKeyPEM: e.InstancePub,
	})
}

// Field is a group profile field.
type Field struct {
	Name  string `json:"name"`
	Value string `json:"value"` // HTML
}

// GroupFields decodes a group's profile fields.
func GroupFields(g *storage.Group) []Field {
	var fs []Field
	_ = json.Unmarshal([]byte(g.FieldsJSON), &fs) // written only by us; empty on error
	return fs
}

// GroupDocument is a group's actor document.
func (e *Documents) GroupDocument(ctx context.Context, name string) ([]byte, error) {
	g, err := storage.GroupByName(ctx, e.Reads, name)
	if err != nil {
		return nil, err
	}
	return e.groupDocument(g)
}

func (e *Documents) groupDocument(g *storage.Group) ([]byte, error) {
	name := g.Name
	ga := vocab.GroupActor{
		ID: e.IRI.Group(name), PreferredUsername: name, Name: g.Title, SummaryHTML: g.SummaryHTML,
		URL: e.IRI.Group(name), Inbox: e.IRI.GroupInbox(name), Outbox: e.IRI.GroupOutbox(name),
		Followers: e.IRI.GroupFollowers(name), Following: e.IRI.GroupFollowing(name),
		Featured: e.IRI.GroupFeatured(name), Moderators: e.IRI.GroupModerators(name),
		SharedInbox: e.IRI.SharedInbox(), PublicKeyID: e.IRI.GroupKey(name), PublicKeyPEM: g.PublicKeyPEM,
		ManuallyApprovesFollowers: g.Closed, Discoverable: g.Discoverable,
		PostingRestrictedToMods: g.PostingPolicy == storage.PostingModerators,
		Published:               g.CreatedAt,
		AlsoKnownAs:             g.AliasList(), MovedTo: g.MovedTo,
	}
	if g.IconPath != "" {
		ga.IconURL, ga.IconMediaType = e.MediaURL(g.IconPath), mediaType(g.IconPath)
	}
	if g.HeaderPath != "" {
		ga.ImageURL, ga.ImageMediaType = e.MediaURL(g.HeaderPath), mediaType(g.HeaderPath)
	}
	for _, f := range GroupFields(g) {
		ga.Fields = append(ga.Fields, vocab.Field{Name: f.Name, Value: f.Value})
	}
	return vocab.GroupActorJSON(ga)
}

// MediaURL is the public URL of an uploaded file under the data directory.
func (e *core) MediaURL(rel string) string {
	return e.IRI.Media(rel)
}

func mediaType(p string) string {
	switch strings.ToLower(path.Ext(p)) {
	case ".png":
		return "image/png"
	case ".gif":
		return "image/gif"
	case ".webp":
		return "image/webp"
	default:
		return "image/jpeg"
	}
}

// Collection names of a group.
const (
	CollectionOutbox     = "outbox"
	CollectionFollowers  = "followers"
	CollectionFollowing  = "following"
	CollectionFeatured   = "featured"
	CollectionModerators = "moderators"
)

// GroupCollection renders one of a group's collections. page is the
// "page" query value: empty for the collection itself, "true" for the
// first page; before pages the outbox by activity id.
func (e *Documents) GroupCollection(ctx context.Context, name, collection string, q url.Values) ([]byte, error) {
	g, err := storage.GroupByName(ctx, e.Reads, name)
	if err != nil {
		return nil, err
	}
	id := e.IRI.GroupCollection(name, collection)
	switch collection {
	case CollectionOutbox:
		return e.outbox(ctx, g, id, q)
	case CollectionFollowers:
		// Only the count: the member list of a micro-community is not
		// public, even to other servers. The first page exists and is
		// empty: Misskey reads a collection without one as private and
		// shows no count at all.
		first := id + "?page=true"
		if q.Get("page") != "" {
			return vocab.OrderedCollectionPage(first, id, nil, "", "")
		}
		n, err := storage.CountFollows(ctx, e.Reads, g.ID, storage.FollowAccepted)
		if err != nil {
			return nil, err
		}
		return vocab.OrderedCollection(id, n, first)
	case CollectionFollowing:
		return vocab.OrderedCollectionItems(id, nil)
	case CollectionFeatured:
		pinned, err := storage.ListPinned(ctx, e.Reads, g.ID)
		if err != nil {
			return nil, err
		}
		items := make([]any, 0, len(pinned))
		for _, p := range pinned {
			if p.IsPublicish() {
				items = append(items, p.IRI)
			}
		}
		return vocab.OrderedCollectionItems(id, items)
	case CollectionModerators:
		// Staff act through the admin UI and are not ActivityPub actors;
		// the collection exists for Lemmy, which expects it, and is empty.
		return vocab.OrderedCollectionItems(id, nil)
	}
	return nil, fmt.Errorf("collection %s: %w", collection, storage.ErrNotFound)
}

func (e *Documents) outbox(ctx context.Context, g *storage.Group, id string, q url.Values) ([]byte, error) {
	if q.Get("page") == "" {
		n, err := storage.CountOutbox(ctx, e.Reads, g.ID)
		if err != nil {
			return nil, err
		}
		return vocab.OrderedCollection(id, n, e.IRI.CollectionPage(id, ""))
	}
	before := q.Get("before")
	acts, err := storage.ListOutbox(ctx, e.Reads, g.ID, before, pageSize)
	if err != nil {
		return nil, err
	}
	items := make([]any, 0, len(acts))
	for _, a := range acts {
		items = append(items, json.RawMessage(a.Body))
	}
	next := ""
	if len(acts) == pageSize {
		next = e.IRI.CollectionPage(id, acts[len(acts)-1].ID)
	}
	return vocab.OrderedCollectionPage(e.IRI.CollectionPage(id, before), id, items, next, "")
}

// ActivityDocument returns an activity a group sent, if it is public.
func (e *Documents) ActivityDocument(ctx context.Context, iri string) ([]byte, error) {
	a, err := storage.OutboxActivityByIRI(ctx, e.Reads, iri)
	if err != nil {
		return nil, err
	}
	if !a.Public {
		return nil, fmt.Errorf("activity %s is not public: %w", iri, storage.ErrNotFound)
	}
	return []byte(a.Body), nil
}

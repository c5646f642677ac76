package fedtest

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"strings"
	"time"
)

// Visibility is who a note is addressed to, in Mastodon's terms.
type Visibility int

// Visibilities.
const (
	VisibilityPublic Visibility = iota
	VisibilityUnlisted
	VisibilityFollowers
	VisibilityDirect
)

// Mention is a Mention tag: Href is the actor IRI, Name "@user@host".
type Mention struct{ Href, Name string }

// MentionOf mentions a fedtest actor.
func MentionOf(a *Actor) Mention { return Mention{Href: a.ID(), Name: "@" + a.Handle()} }

// Note describes a post to create. Content is HTML.
type Note struct {
	Content    string
	InReplyTo  string
	Mentions   []Mention
	Visibility Visibility
	// Audience is the group the post is for. Lemmy sets audience and
	// addresses it; other flavors only reach a group through a Mention.
	Audience string
	// Title makes Lemmy create a Page (a post); without it Lemmy creates a
	// Note (a comment). Other flavors put it in "name" of the Note.
	Title     string
	Summary   string // content warning
	Sensitive bool
	// Attachments are images attached to the note (serve their files
	// with ServeMedia).
	Attachments []Attachment
}

// Follow returns a Follow of target.
func (a *Actor) Follow(target string) map[string]any {
	f := a.activity("Follow", target, nil)
	a.inst.follows.sent(f) // its Accept makes a follow (move.go)
	return f
}

// Like returns a Like of object.
func (a *Actor) Like(object string) map[string]any {
	return a.activity("Like", object, nil)
}

// Announce returns a boost of object.
func (a *Actor) Announce(object string) map[string]any {
	return a.activity("Announce", object, map[string]any{"to": []string{Public}, "cc": a.followersList()})
}

// Undo returns an Undo embedding activity. Misskey embeds a Follow whose
// id differs from the one it first sent, and so does this.
func (a *Actor) Undo(activity map[string]any) map[string]any {
	inner := maps.Clone(activity)
	delete(inner, "@context")
	if a.inst.flavor == Misskey && str(inner["type"]) == "Follow" {
		inner["id"] = a.inst.URL("/follows/" + a.inst.newID())
	}
	return a.activity("Undo", inner, nil)
}

// CreateNote returns the Create activity for a new post, shaped like the
// flavor's, and serves the object (and the activity) at their ids.
func (a *Actor) CreateNote(n Note) map[string]any {
	now := time.Now().UTC()
	obj, to, cc := a.noteObject(n, now)
	create := map[string]any{
		"@context":  a.inst.context(),
		"id":        str(obj["id"]) + "/activity",
		"type":      "Create",
		"actor":     a.ID(),
		"published": obj["published"],
		"to":        to,
		"cc":        cc,
		"object":    obj,
	}
	if a.inst.flavor == Lemmy {
		create["id"] = a.inst.URL("/activities/create/" + uuid())
		if n.Audience != "" {
			create["audience"] = n.Audience
		}
		if tags, ok := obj["tag"]; ok {
			create["tag"] = tags
		}
		delete(create, "published")
	}
	a.inst.serveObject(obj)
	return create
}

// Update returns an Update of a note created by CreateNote, with new
// content, and serves the updated object.
func (a *Actor) Update(create map[string]any, content string) map[string]any {
	obj := maps.Clone(create["object"].(map[string]any))
	obj["content"] = content
	obj["updated"] = a.inst.timestamp(time.Now().UTC())
	a.inst.serveObject(obj)
	u := a.activity("Update", obj, map[string]any{"to": create["to"], "cc": create["cc"]})
	return u
}

// Delete returns a Delete of an object id (with a Tombstone, as Mastodon
// sends) and makes the object answer 410.
func (a *Actor) Delete(objectID string) map[string]any {
	a.inst.Gone(pathOf(objectID, a.inst))
	return a.activity("Delete", map[string]any{"id": objectID, "type": "Tombstone", "atomUri": objectID},
		map[string]any{"to": []string{Public}})
}

// activity builds an activity with a flavor-shaped id.
func (a *Actor) activity(typ string, object any, extra map[string]any) map[string]any {
	m := map[string]any{
		"@context": a.inst.context(),
		"id":       a.activityID(typ),
		"type":     typ,
		"actor":    a.ID(),
		"object":   object,
	}
	if s, ok := object.(string); ok && typ == "Follow" && a.inst.flavor == Lemmy {
		m["to"] = []string{s} // Lemmy addresses its Follows
	}
	maps.Copy(m, extra)
	return m
}

func (a *Actor) activityID(typ string) string {
	i := a.inst
	id := i.newID()
	switch i.flavor {
	case Lemmy:
		return i.URL("/activities/" + strings.ToLower(typ) + "/" + uuid())
	case GoToSocial:
		return a.ID() + "/" + strings.ToLower(typ) + "/" + id
	case Misskey:
		return i.URL("/" + strings.ToLower(typ) + "s/" + id)
	default:
		if typ == "Follow" {
			return i.URL("/" + uuid())
		}
		return a.ID() + "#" + strings.ToLower(typ) + "s/" + id
	}
}

func (a *Actor) followersList() []string {
	if f := a.Followers(); f != "" {
		return []string{f}
	}
	return []string{}
}

// noteObject builds the object and the addressing of a new post.
func (a *Actor) noteObject(n Note, now time.Time) (obj map[string]any, to, cc []string) {
	i := a.inst
	id := i.newID()
	var tags []any
	var mentioned []string
	for _, m := range n.Mentions {
		tags = append(tags, map[string]any{"type": "Mention", "href": m.Href, "name": m.Name})
		mentioned = append(mentioned, m.Href)
	}
	typ := "Note"
	switch i.flavor {
	case Lemmy:
		// Lemmy: posts are Pages addressed to the community; comments are
		// Notes that cc the community.
		to = []string{Public}
		cc = []string{}
		if n.Audience != "" {
			cc = append(cc, n.Audience)
		}
		cc = append(cc, mentioned...)
		if n.Title != "" {
			typ = "Page"
			to = []string{Public}
			if n.Audience != "" {
				to = []string{n.Audience, Public}
			}
			cc = mentioned
			if cc == nil {
				cc = []string{}
			}
			id = i.URL("/post/" + id)
		} else {
			id = i.URL("/comment/" + id)
		}
	default:
		followers := a.followersList()
		switch n.Visibility {
		case VisibilityPublic:
			to, cc = []string{Public}, append(followers, mentioned...)
		case VisibilityUnlisted:
			to, cc = followers, append([]string{Public}, mentioned...)
		case VisibilityFollowers:
			to, cc = followers, append([]string{}, mentioned...)
		case VisibilityDirect:
			to, cc = append([]string{}, mentioned...), []string{}
		}
		switch i.flavor {
		case Misskey:
			id = i.URL("/notes/" + id)
		default:
			id = a.ID() + "/statuses/" + id
		}
	}
	obj = map[string]any{
		"id":           id,
		"type":         typ,
		"attributedTo": a.ID(),
		"content":      n.Content,
		"published":    i.timestamp(now),
		"to":           to,
		"cc":           cc,
		"sensitive":    n.Sensitive,
		"url":          id,
	}
	if n.Summary != "" {
		obj["summary"] = n.Summary
	}
	if n.InReplyTo != "" {
		obj["inReplyTo"] = n.InReplyTo
	}
	if tags != nil {
		obj["tag"] = tags
	}
	if n.Title != "" {
		obj["name"] = n.Title
	}
	switch i.flavor {
	case Lemmy:
		obj["mediaType"] = "text/html"
		obj["source"] = map[string]any{"content": n.Content, "mediaType": "text/markdown"}
		if n.Audience != "" {
			obj["audience"] = n.Audience
		}
		delete(obj, "url")
	case Misskey:
		obj["_misskey_content"] = n.Content
		obj["quoteUrl"] = nil
	case Mastodon:
		obj["url"] = i.URL("/@" + a.username + "/" + strings.TrimPrefix(id, a.ID()+"/statuses/"))
		obj["atomUri"] = id
		obj["attachment"] = []any{}
	}
	if len(n.Attachments) > 0 {
		obj["attachment"] = attachmentsJSON(n.Attachments)
	}
	return obj, to, cc
}

// serveObject publishes obj at its id's path.
func (i *Instance) serveObject(obj map[string]any) {
	doc := maps.Clone(obj)
	doc["@context"] = i.context()
	b, err := json.Marshal(doc)
	if err != nil {
		i.net.t.Errorf("fedtest: marshal object: %v", err)
		return
	}
	i.Serve(pathOf(str(obj["id"]), i), b)
}

func (i *Instance) context() any {
	if i.flavor == Lemmy {
		return []any{asContext, secContext}
	}
	return []any{asContext, map[string]any{"ostatus": "http://ostatus.org#", "atomUri": "ostatus:atomUri", "sensitive": "as:sensitive"}}
}

// timestamp formats t as the flavor does: Misskey to the millisecond
// (it compares boosts to the millisecond), Lemmy to the microsecond,
// Mastodon and GoToSocial to the second.
func (i *Instance) timestamp(t time.Time) string {
	t = t.UTC()
	switch i.flavor {
	case Misskey:
		return t.Format("2006-01-02T15:04:05.000Z")
	case Lemmy:
		return t.Format("2006-01-02T15:04:05.000000Z")
	default:
		return t.Format("2006-01-02T15:04:05Z")
	}
}

// newID returns a fresh id segment in the flavor's style.
func (i *Instance) newID() string {
	n := i.seq.Add(1)
	switch i.flavor {
	case Misskey:
		return fmt.Sprintf("9%09x", n)
	case GoToSocial:
		return fmt.Sprintf("01HZ%022d", n) // ULID-shaped
	case Lemmy:
		return fmt.Sprint(n)
	default:
		return fmt.Sprint(110000000000000000 + n) // snowflake-shaped
	}
}

func uuid() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// pathOf returns the path of an IRI on inst (the IRI itself if foreign).
func pathOf(iri string, inst *Instance) string {
	for _, scheme := range []string{"http://", "https://"} {
		if rest, ok := strings.CutPrefix(iri, scheme+inst.host); ok {
			return rest
		}
	}
	return iri
}

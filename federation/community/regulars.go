package community

// Regulars-only posts (issue 21).
//
// Staff can address a post to the group's regulars only (members at level
// regular or leader). The group then sends the Create of its Note
//
//   - addressed to exactly the regulars' actors: each in `to`, nothing in
//     `cc`, neither Public nor the group's followers collection;
//   - with a Mention tag for each of them (besides the group's own);
//   - delivered only to the regulars' servers, one POST per shared inbox.
//     The shared inbox is enough: the addressing, not the inbox, decides
//     who sees it on the receiver, and a server with three regulars gets
//     one POST instead of three.
//
// Why the Mention tags: the receivers read such a note so (docs/federation.md
// cites the files). GoToSocial makes it a direct status, which it shows
// only to the accounts the status mentions; without tags no regular there
// would see it. Mastodon makes it a direct ("private mention") status of
// the tagged accounts, and shows it in their home timeline (they follow
// the group); Misskey a "specified" note visible to the addressees. A note
// addressed without tags would be a "limited" status on Mastodon but
// invisible on GoToSocial, so the tags win; it is also exactly what
// Mastodon sends for its own posts to "mentioned people only".
//
// Nothing about levels is in the documents: a regular is only an address.
//
// Replies stay in the tier: a regular's reply to a regulars-only thread is
// republished by the group to the regulars (Mastodon shows no boost of a
// non-public post), crediting its author, and the author's edit or delete
// of it reaches that copy; a reply by anyone else is refused and its
// author told so (holding it for review would only let staff publish it
// to an audience its author is not part of).

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"slices"

	"github.com/uptrace/bun"

	"github.com/kith-social/kith/federation/node"
	"github.com/kith-social/kith/federation/outbox"
	"github.com/kith-social/kith/federation/vocab"
	"github.com/kith-social/kith/storage"
)

// errNoRegulars refuses a regulars-only post in a group without regulars.
var errNoRegulars = fmt.Errorf("%w: the group has no regulars yet, so a regulars-only post would reach no one", ErrInvalidPost)

// audience is whom a group post is addressed and delivered to.
type audience struct {
	to, cc   []string
	tags     []vocab.Tag // Mention tags besides the group's (regulars-only: one per regular)
	inboxes  []string    // regulars-only: the regulars' inboxes, instead of every member's
	regulars bool
	public   bool // listed in the public outbox
}

// deliver is the outbox audience: every member, or only the regulars'
// inboxes for a regulars-only post.
func (a *audience) deliver(extra ...string) outbox.Audience {
	if a.regulars {
		return outbox.To(append(slices.Clone(a.inboxes), extra...)...)
	}
	return outbox.Members(extra...)
}

// audienceOf is the audience of a group post of visibility vis. For a
// regulars-only post it is the group's regulars now; prev, the stored
// documents of an existing post (its Note, and the Create that first
// published it), add the inboxes of the regulars they were addressed to,
// so that an edit or a delete also reaches the servers of regulars
// demoted since (Mastodon updates a status's mentions on Update, so a
// demoted regular also loses it there).
func (e *core) audienceOf(ctx context.Context, db bun.IDB, g *storage.Group, vis string, prev ...string) (*audience, error) {
	followers := e.IRI.GroupFollowers(g.Name)
	switch vis {
	case storage.VisibilityFollowers:
		return &audience{to: []string{followers}}, nil
	case storage.VisibilityRegulars:
	default:
		return &audience{to: []string{vocab.PublicAddress}, cc: []string{followers}, public: true}, nil
	}
	regulars, err := storage.Regulars(ctx, db, g.ID)
	if err != nil {
		return nil, err
	}
	a := &audience{regulars: true, to: []string{}}
	for i := range regulars {
		r := &regulars[i]
		a.to = append(a.to, r.IRI)
		a.tags = append(a.tags, vocab.Tag{Type: "Mention", Href: r.IRI, Name: handle(r)})
		a.inboxes = append(a.inboxes, r.DeliveryInbox())
	}
	seen := map[string]bool{}
	for _, doc := range prev {
		if doc == "" {
			continue
		}
		var addressed struct {
			To []string `json:"to"`
		}
		if err := json.Unmarshal([]byte(doc), &addressed); err != nil {
			e.Log.InfoContext(ctx, "regulars-only: a stored document does not parse; its addressees are left out", "err", err)
			continue
		}
		for _, iri := range addressed.To {
			if seen[iri] || slices.Contains(a.to, iri) {
				continue
			}
			seen[iri] = true
			if r, err := storage.RemoteActorByIRI(ctx, db, iri); err == nil {
				a.inboxes = append(a.inboxes, r.DeliveryInbox())
			} else if !isNotFound(err) {
				return nil, err
			}
		}
	}
	return a, nil
}

// visibility is the visibility of a composed group post.
func (in PostInput) visibility() string {
	switch {
	case in.RegularsOnly:
		return storage.VisibilityRegulars
	case in.MembersOnly:
		return storage.VisibilityFollowers
	}
	return storage.VisibilityPublic
}

// regularsThread tells whether a post replying to inReplyTo is in one of
// g's regulars-only threads, and returns its parent there.
func (e *Posting) regularsThread(ctx context.Context, db bun.IDB, g *storage.Group, inReplyTo string) (*storage.Post, bool, error) {
	if inReplyTo == "" {
		return nil, false, nil
	}
	parent, err := storage.PostRefByIRI(ctx, db, g.ID, inReplyTo)
	if isNotFound(err) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	if parent.Visibility == storage.VisibilityRegulars {
		return parent, true, nil
	}
	if parent.RootID == parent.ID || parent.RootID == "" { // the thread's first post: no other look-up
		return parent, false, nil
	}
	root, err := storage.PostByID(ctx, db, parent.RootID)
	if isNotFound(err) {
		return parent, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return parent, root.Visibility == storage.VisibilityRegulars, nil
}

// acceptRegularsReply takes a reply in a regulars-only thread: from a
// regular it is stored in the thread and republished by the group to the
// regulars; from anyone else it is refused, and the author told why.
func (e *Posting) acceptRegularsReply(ctx context.Context, g *storage.Group, act *vocab.Activity, obj *vocab.Object, author *storage.RemoteActor, parent *storage.Post) error {
	return e.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if _, err := storage.PostRefByIRI(ctx, tx, g.ID, obj.ID); err == nil {
			return drop("already in the group")
		} else if !isNotFound(err) {
			return err
		}
		if banned, err := isBanned(ctx, tx, g.ID, author.ID); err != nil {
			return err
		} else if banned {
			return drop("%s is banned from %s", author.IRI, g.Name)
		}
		regular, err := storage.IsRegular(ctx, tx, g.ID, author.ID)
		if err != nil {
			return err
		}
		if !regular {
			if err := e.feedback(ctx, tx, g, author, "Your reply was not shared: that thread in "+g.Title+" is for its regulars only."); err != nil {
				return err
			}
			return drop("%s replied in a regulars-only thread of %s but is not a regular", author.IRI, g.Name)
		}
		hold, refuse, err := e.moderation.screen(ctx, tx, g, obj, author)
		if err != nil {
			return err
		}
		if refuse != "" {
			return drop("%s", refuse)
		}
		src := &storage.Post{
			ID: storage.NewID(), GroupID: g.ID, IRI: obj.ID, AuthorID: author.ID, Kind: obj.Type,
			URL: obj.URL, Name: plainLine(obj.Name), Summary: plainLine(obj.Summary),
			ContentHTML: e.HTML.Sanitize(obj.Content), Sensitive: obj.Sensitive, InReplyTo: obj.InReplyTo,
			ParentID: parent.ID, RootID: parent.RootID, Visibility: storage.VisibilityRegulars,
			ActivityRaw: string(act.Raw), ObjectRaw: string(obj.Raw),
			PublishedAt: obj.Published, CreatedAt: e.Now().UTC(),
		}
		if src.URL == "" {
			src.URL = obj.ID
		}
		if held, err := e.storeScreened(ctx, tx, g, src, obj, author, hold); err != nil || held {
			return err
		}
		if err := e.relayRegularsReply(ctx, tx, g, src, author); err != nil {
			return err
		}
		return e.reconsiderLevel(ctx, tx, g, author.ID)
	})
}

// relayRegularsReply republishes a regular's published reply in a
// regulars-only thread as the group's Note in the same thread, addressed
// to the regulars, crediting the author.
func (e *Posting) relayRegularsReply(ctx context.Context, tx bun.Tx, g *storage.Group, src *storage.Post, author *storage.RemoteActor) error {
	parent, err := storage.PostByID(ctx, tx, src.ParentID)
	if err != nil {
		return err
	}
	now := e.Stamp(src.PublishedAt)
	p := &storage.Post{
		ID: storage.NewID(), GroupID: g.ID, Kind: "Note", Summary: src.Summary, Sensitive: src.Sensitive,
		ContentHTML: e.HTML.Sanitize(creditHTML(author, src) + src.ContentHTML), Visibility: storage.VisibilityRegulars,
		State: storage.PostPublished, SourceIRI: src.IRI, CreditActorID: author.ID, PublishedAt: now, CreatedAt: now,
		InReplyTo: parent.IRI, ParentID: parent.ID, RootID: parent.RootID,
	}
	// A reply to the member's original continues from the group's copy,
	// the post the regulars see.
	if parent.AuthorID != "" {
		if cp, err := storage.PostBySourceIRI(ctx, tx, g.ID, parent.IRI); err == nil {
			p.InReplyTo, p.ParentID = cp.IRI, cp.ID
		} else if !isNotFound(err) {
			return err
		}
	}
	return e.publishGroupPost(ctx, tx, g, p, PostInput{}, Staff{Name: "kith"}, "relay_regulars_reply")
}

// mayReadRegularsOnly tells whether the verified signer of a GET may read
// the group's regulars-only posts: a regular, or the instance actor of a
// server where the group has a regular (the rule of readers.go, with
// regulars for members). A demoted regular is refused from then on.
func (e *Documents) mayReadRegularsOnly(ctx context.Context, g *storage.Group, signer string) (bool, error) {
	if signer == "" || e.IRI.Owns(signer) {
		return false, nil
	}
	a, err := e.actors.Stored(ctx, signer)
	if isNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	// The primary, not the read pool: a demotion must count at once.
	if ok, err := storage.IsRegular(ctx, e.DB, g.ID, a.ID); err != nil || ok {
		return ok, err
	}
	host := node.HostOf(a.IRI)
	if !isInstanceActor(a) || host == "" {
		return false, nil
	}
	return storage.HasRegularOnHost(ctx, e.DB, g.ID, host)
}

// retractRegularsCopy deletes the group's copy of a regular's reply in a
// regulars-only thread when its author deletes the original: a Delete to
// the regulars, as for the group's own post.
func (e *Posting) retractRegularsCopy(ctx context.Context, tx bun.Tx, src *storage.Post) error {
	if src.Visibility != storage.VisibilityRegulars || src.AuthorID == "" {
		return nil
	}
	cp, err := storage.PostBySourceIRI(ctx, tx, src.GroupID, src.IRI)
	if isNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	g, err := storage.GroupByID(ctx, tx, src.GroupID)
	if err != nil {
		return err
	}
	aud, err := e.audienceOf(ctx, tx, g, cp.Visibility, cp.ObjectRaw, cp.ActivityRaw)
	if err != nil {
		return err
	}
	id := e.IRI.Activity(g.Name, storage.NewID())
	del, err := vocab.DeleteTombstone(id, e.IRI.Group(g.Name), cp.IRI, aud.to, aud.cc)
	if err != nil {
		return fmt.Errorf("build Delete: %w", err)
	}
	if err := storage.DeletePost(ctx, tx, cp.ID); err != nil {
		return err
	}
	return e.out.Publish(ctx, tx, g, outbox.Activity{IRI: id, Type: "Delete", ObjectIRI: cp.IRI, Body: del}, aud.deliver())
}

// creditHTML names the author of a reply the group relays to the regulars,
// with a link to the original.
func creditHTML(author *storage.RemoteActor, src *storage.Post) string {
	profile := author.URL
	if profile == "" {
		profile = author.IRI
	}
	return fmt.Sprintf(`<p><a href="%s" class="u-url mention">%s</a> replied (<a href="%s">original</a>):</p>`,
		html.EscapeString(profile), html.EscapeString(handle(author)), html.EscapeString(src.URL))
}

// updateRegularsCopy carries a regular's edit of their reply in a
// regulars-only thread to the group's copy, and sends its Update to the
// regulars, as for the group's own post.
func (e *Posting) updateRegularsCopy(ctx context.Context, tx bun.Tx, g *storage.Group, src *storage.Post, author *storage.RemoteActor) error {
	cp, err := storage.PostBySourceIRI(ctx, tx, g.ID, src.IRI)
	if isNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	cp.ContentHTML = e.HTML.Sanitize(creditHTML(author, src) + src.ContentHTML)
	cp.Summary, cp.Sensitive, cp.UpdatedAt = src.Summary, src.Sensitive, e.Stamp(cp.PublishedAt)
	aud, err := e.audienceOf(ctx, tx, g, cp.Visibility, cp.ObjectRaw, cp.ActivityRaw)
	if err != nil {
		return err
	}
	note, err := e.note(g, cp, aud, nil)
	if err != nil {
		return err
	}
	cp.ObjectRaw = string(note)
	id := e.IRI.Activity(g.Name, storage.NewID())
	update, err := vocab.Update(id, e.IRI.Group(g.Name), note, aud.to, aud.cc)
	if err != nil {
		return fmt.Errorf("build Update: %w", err)
	}
	if err := storage.UpdatePostContent(ctx, tx, cp); err != nil {
		return err
	}
	return e.out.Publish(ctx, tx, g, outbox.Activity{IRI: id, Type: "Update", ObjectIRI: cp.IRI, Body: update}, aud.deliver())
}

package community

import (
	"context"
	"errors"
	"fmt"
	"html"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/kith-social/kith/federation/outbox"
	"github.com/kith-social/kith/federation/vocab"
	"github.com/kith-social/kith/storage"
)

// noteDraft is a Note the group is about to publish: built (fetching what
// it needs) outside a transaction, then stored and sent inside one.
type noteDraft struct {
	post    *storage.Post
	create  []byte
	public  bool      // listed in the public outbox
	inboxes []string  // beyond the members: the people a reply mentions
	aud     *audience // whom it goes to (the members, or the regulars only)
}

// replyContext is what a reply adds to a Note: the parent and whom to mention.
type replyContext struct {
	parent   *storage.Post
	mentions []vocab.Tag // Mention tags besides the group's
	inboxes  []string
}

// prepareNote builds a group Note from composer input: a new thread, or a
// reply when rc is set. Every Note mentions the group and names it as
// audience, so replies written on Mastodon come back to the group.
func (e *Posting) prepareNote(ctx context.Context, g *storage.Group, in PostInput, rc *replyContext, by Staff, signed bool) (*noteDraft, error) {
	body, err := e.HTML.Markdown(in.Markdown)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidPost, err)
	}
	if signed && strings.TrimSpace(by.Name) != "" {
		body += "<p>— " + html.EscapeString(strings.TrimSpace(by.Name)) + "</p>"
	}
	now := e.Stamp(time.Time{})
	p := &storage.Post{
		ID: storage.NewID(), GroupID: g.ID, Kind: "Note", Summary: strings.TrimSpace(in.ContentWarning),
		ContentHTML: body, Visibility: in.visibility(), State: storage.PostPublished,
		PublishedAt: now, CreatedAt: now,
	}
	p.IRI = e.IRI.Post(g.Name, p.ID)
	p.URL, p.Sensitive = p.IRI, p.Summary != ""
	groupIRI := e.IRI.Group(g.Name)
	aud, err := e.audienceOf(ctx, e.DB, g, p.Visibility)
	if err != nil {
		return nil, err
	}
	if aud.regulars && len(aud.to) == 0 {
		return nil, errNoRegulars
	}
	to, cc := aud.to, aud.cc
	tags := append([]vocab.Tag{{Type: "Mention", Href: groupIRI, Name: "@" + g.Name + "@" + e.IRI.Domain()}}, aud.tags...)
	d := &noteDraft{post: p, public: aud.public, aud: aud}
	if rc != nil {
		p.InReplyTo, p.ParentID, p.RootID = rc.parent.IRI, rc.parent.ID, rc.parent.RootID
		// In a regulars-only thread the regulars are addressed and tagged
		// already, and no one else may be.
		if !aud.regulars {
			for _, m := range rc.mentions {
				tags = append(tags, m)
				cc = append(cc, m.Href)
			}
			d.inboxes = rc.inboxes
		}
	}
	note, err := vocab.NoteJSON(vocab.Note{
		ID: p.IRI, AttributedTo: groupIRI, ContentHTML: p.ContentHTML, Summary: p.Summary, URL: p.IRI,
		InReplyTo: p.InReplyTo, Audience: groupIRI, To: to, Cc: cc, Sensitive: p.Sensitive,
		Tags: tags, Attachments: in.Attachments, Published: p.PublishedAt,
	})
	if err != nil {
		return nil, err
	}
	create, err := vocab.Create(e.IRI.PostActivity(g.Name, p.ID), groupIRI, note, to, cc)
	if err != nil {
		return nil, fmt.Errorf("build Create: %w", err)
	}
	p.ObjectRaw, p.ActivityRaw, d.create = string(note), string(create), create
	return d, nil
}

// commitNote stores a drafted Note and sends its Create to the members and
// the extra inboxes, logging action, all in tx.
func (e *Posting) commitNote(ctx context.Context, tx bun.Tx, g *storage.Group, d *noteDraft, by Staff, action string) error {
	if err := storage.CreatePost(ctx, tx, e.Now(), d.post); err != nil {
		return err
	}
	if err := e.logAction(ctx, tx, g, by, action, d.post.IRI, ""); err != nil {
		return err
	}
	return e.out.Publish(ctx, tx, g, outbox.Activity{IRI: e.IRI.PostActivity(g.Name, d.post.ID), Type: "Create", ObjectIRI: d.post.IRI, Body: d.create, Public: d.public}, d.aud.deliver(d.inboxes...))
}

// ReplyAsGroup publishes staff's answer in a thread as the group: a Note
// in reply to the post, public (members-only or regulars-only when the
// thread is), that
// mentions the post's author and the people the post mentions, sent to the
// members and to the mentioned people's inboxes, and stored in the thread.
// With signed, "— name" of the staff member ends the content (whether to
// sign is the owner's policy, decided by the caller).
func (e *Posting) ReplyAsGroup(ctx context.Context, postID string, in PostInput, by Staff, signed bool) (*storage.Post, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	parent, err := storage.PostByID(ctx, e.DB, postID)
	if err != nil {
		return nil, err
	}
	if parent.State != storage.PostPublished {
		return nil, fmt.Errorf("%w: only published posts can be answered", ErrInvalidPost)
	}
	g, err := storage.GroupByID(ctx, e.DB, parent.GroupID)
	if err != nil {
		return nil, err
	}
	in.MembersOnly = in.MembersOnly || !parent.IsPublicish()
	in.RegularsOnly = in.RegularsOnly || parent.Visibility == storage.VisibilityRegulars
	if root, err := storage.PostByID(ctx, e.DB, parent.RootID); err == nil && !root.IsPublicish() {
		in.MembersOnly = true
		in.RegularsOnly = in.RegularsOnly || root.Visibility == storage.VisibilityRegulars // stays in the tier
	} else if err != nil && !isNotFound(err) {
		return nil, err
	}
	rc, err := e.replyContext(ctx, g, parent)
	if err != nil {
		return nil, err
	}
	d, err := e.prepareNote(ctx, g, in, rc, by, signed)
	if err != nil {
		return nil, err
	}
	err = e.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		return e.commitNote(ctx, tx, g, d, by, "reply_as_group")
	})
	if err != nil {
		return nil, err
	}
	return d.post, nil
}

// replyContext finds whom a reply to parent mentions: its author and the
// accounts it mentions (not the node's own groups), with their inboxes. A
// mentioned account that cannot be fetched is left out, not an error.
func (e *Posting) replyContext(ctx context.Context, g *storage.Group, parent *storage.Post) (*replyContext, error) {
	rc := &replyContext{parent: parent}
	seen := map[string]bool{}
	add := func(a *storage.RemoteActor, name string) {
		if seen[a.IRI] {
			return
		}
		seen[a.IRI] = true
		if name == "" || !strings.Contains(strings.TrimPrefix(name, "@"), "@") {
			name = handle(a)
		}
		rc.mentions = append(rc.mentions, vocab.Tag{Type: "Mention", Href: a.IRI, Name: name})
		rc.inboxes = append(rc.inboxes, a.DeliveryInbox())
	}
	if parent.Author != nil {
		add(parent.Author, "")
	}
	if parent.ObjectRaw == "" {
		return rc, nil
	}
	obj, err := vocab.ParseObject(ctx, []byte(parent.ObjectRaw))
	if err != nil {
		e.Log.InfoContext(ctx, "reply: stored parent does not parse; mentioning its author only", "post", parent.IRI, "err", err)
		return rc, nil
	}
	for _, t := range obj.Tags {
		if t.Type != "Mention" || t.Href == "" || e.IRI.Owns(t.Href) || seen[t.Href] {
			continue
		}
		a, err := e.actors.Actor(ctx, t.Href, false)
		if err != nil {
			e.Log.InfoContext(ctx, "reply: mentioned account not reachable; not mentioned", "actor", t.Href, "err", err)
			continue
		}
		add(a, t.Name)
	}
	return rc, nil
}

// LikeAsGroup likes a member's post as the group: a Like sent to the
// author's inbox and to the members. Liking twice does nothing.
func (e *Posting) LikeAsGroup(ctx context.Context, postID string, by Staff) error {
	p, g, err := e.memberPost(ctx, postID)
	if err != nil {
		return err
	}
	id := e.IRI.Activity(g.Name, "like-"+p.ID)
	to, cc := []string{p.Author.IRI}, []string{e.IRI.GroupFollowers(g.Name)}
	if p.IsPublicish() {
		cc = append(cc, vocab.PublicAddress)
	}
	deliver := outbox.Members(p.Author.DeliveryInbox())
	if p.Visibility == storage.VisibilityRegulars { // a reply in a regulars-only thread: the tier only
		aud, err := e.audienceOf(ctx, e.DB, g, p.Visibility)
		if err != nil {
			return err
		}
		cc, deliver = aud.to, aud.deliver(p.Author.DeliveryInbox())
	}
	like, err := vocab.Like(id, e.IRI.Group(g.Name), p.IRI, to, cc)
	if err != nil {
		return fmt.Errorf("build Like: %w", err)
	}
	return e.sendOnce(ctx, g, func(ctx context.Context, tx bun.Tx) error {
		if err := e.logAction(ctx, tx, g, by, "like_post", p.IRI, ""); err != nil {
			return err
		}
		return e.out.Publish(ctx, tx, g, outbox.Activity{IRI: id, Type: "Like", ObjectIRI: p.IRI, Body: like}, deliver)
	}, id)
}

// BoostAsGroup boosts a member's public or unlisted post as the group: the
// plain Announce Mastodon shows, with the same id as the automatic boost of
// thread starters (so removing the post undoes it). A post boosted already
// is left alone.
func (e *Posting) BoostAsGroup(ctx context.Context, postID string, by Staff) error {
	p, g, err := e.memberPost(ctx, postID)
	if err != nil {
		return err
	}
	if !p.IsPublicish() {
		return fmt.Errorf("%w: only public and unlisted posts can be boosted", ErrInvalidPost)
	}
	id := e.IRI.Announce(g.Name, p.ID)
	followers := e.IRI.GroupFollowers(g.Name)
	boost, err := vocab.Announce(id, e.IRI.Group(g.Name), p.IRI, []string{vocab.PublicAddress}, []string{followers, p.Author.IRI}, e.Stamp(p.PublishedAt))
	if err != nil {
		return fmt.Errorf("build Announce: %w", err)
	}
	return e.sendOnce(ctx, g, func(ctx context.Context, tx bun.Tx) error {
		if err := e.logAction(ctx, tx, g, by, "boost_post", p.IRI, ""); err != nil {
			return err
		}
		return e.out.Publish(ctx, tx, g, outbox.Activity{IRI: id, Type: "Announce", ObjectIRI: p.IRI, Body: boost, Public: true, Shape: outbox.Boost}, outbox.Members(p.Author.DeliveryInbox()))
	}, id)
}

// sendOnce runs send in a transaction unless the group already sent the
// activity id; a concurrent second send (ErrConflict) is no error either.
func (e *Posting) sendOnce(ctx context.Context, g *storage.Group, send func(context.Context, bun.Tx) error, id string) error {
	err := e.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if _, err := storage.OutboxActivityByIRI(ctx, tx, id); err == nil {
			return nil
		} else if !isNotFound(err) {
			return err
		}
		return send(ctx, tx)
	})
	if errors.Is(err, storage.ErrConflict) {
		return nil
	}
	return err
}

// memberPost loads a member's published post and its group.
func (e *Posting) memberPost(ctx context.Context, postID string) (*storage.Post, *storage.Group, error) {
	p, err := storage.PostByID(ctx, e.DB, postID)
	if err != nil {
		return nil, nil, err
	}
	if p.AuthorID == "" || p.Author == nil {
		return nil, nil, fmt.Errorf("%w: this is the group's own post", ErrInvalidPost)
	}
	if p.State != storage.PostPublished {
		return nil, nil, fmt.Errorf("%w: the post is not published", ErrInvalidPost)
	}
	g, err := storage.GroupByID(ctx, e.DB, p.GroupID)
	if err != nil {
		return nil, nil, err
	}
	return p, g, nil
}

package community

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"github.com/kith-social/kith/federation/httpsig"
	"github.com/kith-social/kith/federation/outbox"
	"github.com/kith-social/kith/federation/vocab"
	"github.com/kith-social/kith/storage"
)

// MaxPostLength bounds what staff write in the composer (Markdown runes).
const MaxPostLength = 20000

// PostInput is what staff write in the composer.
type PostInput struct {
	Markdown       string
	ContentWarning string
	MembersOnly    bool // addressed to the group's followers only
	RegularsOnly   bool // addressed to the group's regulars and leaders only (wins over MembersOnly)
	Attachments    []vocab.Attachment
}

// ErrInvalidPost is a composer input that cannot be published, with the reason.
var ErrInvalidPost = errors.New("invalid post")

func (in PostInput) validate() error {
	body := strings.TrimSpace(in.Markdown)
	switch {
	case body == "" && len(in.Attachments) == 0:
		return fmt.Errorf("%w: write something or attach an image", ErrInvalidPost)
	case utf8.RuneCountInString(in.Markdown) > MaxPostLength:
		return fmt.Errorf("%w: at most %d characters", ErrInvalidPost, MaxPostLength)
	case utf8.RuneCountInString(in.ContentWarning) > 500:
		return fmt.Errorf("%w: the content warning is limited to 500 characters", ErrInvalidPost)
	}
	for _, a := range in.Attachments {
		if strings.TrimSpace(a.Name) == "" {
			return fmt.Errorf("%w: every image needs a description (alt text)", ErrInvalidPost)
		}
	}
	return nil
}

// Staff names who did something, for the moderation log.
type Staff struct {
	ID   string
	Name string
}

// addressing returns to/cc for a public or members-only group post (a
// regulars-only one has its own audience: audienceOf, regulars.go).
func (e *core) addressing(g *storage.Group, membersOnly bool) (to, cc []string) {
	followers := e.IRI.GroupFollowers(g.Name)
	if membersOnly {
		return []string{followers}, nil
	}
	return []string{vocab.PublicAddress}, []string{followers}
}

// note builds the Note of a group post. Every object the group publishes
// mentions the group and names it as audience, so replies written on
// Mastodon come back to the group.
func (e *core) note(g *storage.Group, p *storage.Post, aud *audience, attachments []vocab.Attachment) ([]byte, error) {
	tags := append([]vocab.Tag{{Type: "Mention", Href: e.IRI.Group(g.Name), Name: "@" + g.Name + "@" + e.IRI.Domain()}}, aud.tags...)
	return vocab.NoteJSON(vocab.Note{
		ID: p.IRI, AttributedTo: e.IRI.Group(g.Name), ContentHTML: p.ContentHTML, Summary: p.Summary, URL: p.IRI,
		InReplyTo: p.InReplyTo, Audience: e.IRI.Group(g.Name), To: aud.to, Cc: aud.cc, Sensitive: p.Summary != "",
		Tags: tags, Attachments: attachments, Published: p.PublishedAt, Updated: p.UpdatedAt,
	})
}

// PublishPost publishes a post written by staff as the group: a Create of
// a Note, sent to every member. Members-only posts are addressed to the
// group's followers and never appear in the public outbox; regulars-only
// posts are addressed and sent to the regulars only (regulars.go).
func (e *Posting) PublishPost(ctx context.Context, groupName string, in PostInput, by Staff) (*storage.Post, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	g, err := storage.GroupByName(ctx, e.DB, groupName)
	if err != nil {
		return nil, err
	}
	html, err := e.HTML.Markdown(in.Markdown)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidPost, err)
	}
	now := e.Stamp(time.Time{})
	p := &storage.Post{
		ID: storage.NewID(), GroupID: g.ID, Kind: "Note", Summary: strings.TrimSpace(in.ContentWarning),
		ContentHTML: html, SourceMarkdown: in.Markdown, Visibility: in.visibility(), State: storage.PostPublished,
		PublishedAt: now, CreatedAt: now,
	}
	p.Sensitive = p.Summary != ""
	err = e.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		return e.publishGroupPost(ctx, tx, g, p, in, by, "publish_post")
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// EditPost changes a group post and federates an Update of the Note.
func (e *Posting) EditPost(ctx context.Context, postID string, in PostInput, by Staff) error {
	if err := in.validate(); err != nil {
		return err
	}
	p, g, err := e.ownPost(ctx, postID, false)
	if err != nil {
		return err
	}
	html, err := e.HTML.Markdown(in.Markdown)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrInvalidPost, err)
	}
	// The audience cannot change after the fact: the post keeps its visibility.
	prev := []string{p.ObjectRaw, p.ActivityRaw}
	p.ContentHTML, p.SourceMarkdown, p.Summary = html, in.Markdown, strings.TrimSpace(in.ContentWarning)
	p.Sensitive, p.UpdatedAt = p.Summary != "", e.Stamp(p.PublishedAt)
	aud, err := e.audienceOf(ctx, e.DB, g, p.Visibility, prev...)
	if err != nil {
		return err
	}
	note, err := e.note(g, p, aud, in.Attachments)
	if err != nil {
		return err
	}
	p.ObjectRaw = string(note)
	id := e.IRI.Activity(g.Name, storage.NewID())
	update, err := vocab.Update(id, e.IRI.Group(g.Name), note, aud.to, aud.cc)
	if err != nil {
		return fmt.Errorf("build Update: %w", err)
	}
	return e.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := storage.UpdatePostContent(ctx, tx, p); err != nil {
			return err
		}
		if err := e.logAction(ctx, tx, g, by, "edit_post", p.IRI, ""); err != nil {
			return err
		}
		return e.out.Publish(ctx, tx, g, outbox.Activity{IRI: id, Type: "Update", ObjectIRI: p.IRI, Body: update, Public: aud.public}, aud.deliver())
	})
}

// DeleteOwnPost deletes a group post everywhere (Delete with a Tombstone).
func (e *Posting) DeleteOwnPost(ctx context.Context, postID string, by Staff) error {
	p, g, err := e.ownPost(ctx, postID, true)
	if err != nil {
		return err
	}
	aud, err := e.audienceOf(ctx, e.DB, g, p.Visibility, p.ObjectRaw, p.ActivityRaw)
	if err != nil {
		return err
	}
	id := e.IRI.Activity(g.Name, storage.NewID())
	del, err := vocab.DeleteTombstone(id, e.IRI.Group(g.Name), p.IRI, aud.to, aud.cc)
	if err != nil {
		return fmt.Errorf("build Delete: %w", err)
	}
	return e.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := storage.DeletePost(ctx, tx, p.ID); err != nil {
			return err
		}
		if err := e.logAction(ctx, tx, g, by, "delete_post", p.IRI, ""); err != nil {
			return err
		}
		return e.out.Publish(ctx, tx, g, outbox.Activity{IRI: id, Type: "Delete", ObjectIRI: p.IRI, Body: del, Public: p.IsPublicish()}, aud.deliver())
	})
}

// SetPinned pins or unpins a public group post: the featured collection
// changes and an Add or Remove tells the members' servers.
func (e *Posting) SetPinned(ctx context.Context, postID string, pinned bool, by Staff) error {
	p, err := storage.PostByID(ctx, e.DB, postID)
	if err != nil {
		return err
	}
	g, err := storage.GroupByID(ctx, e.DB, p.GroupID)
	if err != nil {
		return err
	}
	if !p.IsPublicish() || p.State != storage.PostPublished {
		return fmt.Errorf("%w: only published public posts can be pinned", ErrInvalidPost)
	}
	if p.Pinned == pinned {
		return nil
	}
	build, typ, action := vocab.Add, "Add", "pin"
	if !pinned {
		build, typ, action = vocab.Remove, "Remove", "unpin"
	}
	id := e.IRI.Activity(g.Name, storage.NewID())
	body, err := build(id, e.IRI.Group(g.Name), p.IRI, e.IRI.GroupFeatured(g.Name),
		[]string{vocab.PublicAddress}, []string{e.IRI.GroupFollowers(g.Name)})
	if err != nil {
		return fmt.Errorf("build %s: %w", typ, err)
	}
	return e.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := storage.SetPostPinned(ctx, tx, p.ID, pinned); err != nil {
			return err
		}
		if err := e.logAction(ctx, tx, g, by, action, p.IRI, ""); err != nil {
			return err
		}
		return e.out.Publish(ctx, tx, g, outbox.Activity{IRI: id, Type: typ, ObjectIRI: p.IRI, Body: body, Public: true}, outbox.Members())
	})
}

// ownPost loads a post the group itself published.
func (e *Posting) ownPost(ctx context.Context, postID string, forDelete bool) (*storage.Post, *storage.Group, error) {
	p, err := storage.PostByID(ctx, e.DB, postID)
	if err != nil {
		return nil, nil, err
	}
	if p.AuthorID != "" {
		return nil, nil, fmt.Errorf("%w: only the group's own posts can be edited or deleted; remove a member's post instead", ErrInvalidPost)
	}
	if p.Kind != "Note" && !forDelete {
		// A poll or an event is changed by its own form, never turned into a Note.
		return nil, nil, fmt.Errorf("%w: a %s cannot be edited as a post", ErrInvalidPost, strings.ToLower(p.Kind))
	}
	g, err := storage.GroupByID(ctx, e.DB, p.GroupID)
	if err != nil {
		return nil, nil, err
	}
	return p, g, nil
}

// PostDocument is the Note of a group post, for GETs of its IRI. Public
// posts are served to anyone (to signed requests only in authorized-fetch
// mode); members-only posts only to requests signed by a member, or by the
// instance actor of a server where the group has a member (readers.go),
// and regulars-only posts likewise with regulars (regulars.go) — to
// everyone else they do not exist (404).
func (e *Documents) PostDocument(ctx context.Context, r *http.Request, groupName, postID string) ([]byte, error) {
	p, err := storage.PostByID(ctx, e.Reads, postID)
	if err != nil {
		return nil, err
	}
	g, err := storage.GroupByID(ctx, e.Reads, p.GroupID)
	if err != nil {
		return nil, err
	}
	notFound := fmt.Errorf("post %s: %w", postID, storage.ErrNotFound)
	if g.Name != groupName || p.AuthorID != "" || p.State != storage.PostPublished {
		return nil, notFound
	}
	if p.IsPublicish() {
		if err := e.actors.AuthorizeFetch(ctx, r); err != nil {
			return nil, err
		}
		return []byte(p.ObjectRaw), nil
	}
	key, err := httpsig.Verify(ctx, r, nil, e.actors, e.Now())
	if err != nil {
		return nil, notFound
	}
	mayRead := e.mayReadMembersOnly // readers.go
	if p.Visibility == storage.VisibilityRegulars {
		mayRead = e.mayReadRegularsOnly // regulars.go
	}
	if ok, err := mayRead(ctx, g, key.Owner); err != nil {
		return nil, err
	} else if !ok {
		return nil, notFound
	}
	return []byte(p.ObjectRaw), nil
}

// logAction writes the moderation log inside the action's transaction.
func (e *core) logAction(ctx context.Context, tx bun.IDB, g *storage.Group, by Staff, action, target, reason string) error {
	entry := &storage.LogEntry{StaffID: by.ID, StaffName: by.Name, Action: action, Target: target, Reason: reason}
	if g != nil {
		entry.GroupID = g.ID
	}
	return storage.AddLogEntry(ctx, tx, e.Now(), entry)
}

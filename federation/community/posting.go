package community

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/uptrace/bun"

	"github.com/kith-social/kith/federation/node"
	"github.com/kith-social/kith/federation/outbox"
	"github.com/kith-social/kith/federation/vocab"
	"github.com/kith-social/kith/storage"
)

// contentTypes are the objects that can be group content.
var contentTypes = map[string]bool{"Note": true, "Article": true, "Page": true, "Question": true, "Event": true}

// actorTypes are the ActivityStreams actor types.
var actorTypes = map[string]bool{"Person": true, "Service": true, "Group": true, "Application": true, "Organization": true}

// OnCreate handles a new post: it is group content for every local group
// it mentions or addresses, and for the group of the post it replies to.
func (e *Posting) OnCreate(ctx context.Context, act *vocab.Activity) error {
	if ok, err := e.maybeVote(ctx, act); ok { // a vote in one of the group's polls (poll.go)
		return err
	}
	obj, err := e.embeddedObject(ctx, act)
	if err != nil {
		return err
	}
	if !contentTypes[obj.Type] {
		return drop("Create of %s is not group content", obj.Type)
	}
	if obj.AttributedTo != "" && obj.AttributedTo != act.Actor {
		return drop("object attributed to %s, but created by %s", obj.AttributedTo, act.Actor)
	}
	if done, err := e.events.rsvpByReply(ctx, act, obj); done || err != nil { // "going" to an event (event.go)
		return err
	}
	groups, err := e.groupsFor(ctx, act, obj)
	if err != nil {
		return err
	}
	if len(groups) == 0 {
		return drop("the post neither mentions a group here nor replies in one")
	}
	author, err := e.actors.Actor(ctx, act.Actor, false)
	if err != nil {
		return fmt.Errorf("author %s: %w", act.Actor, err)
	}
	var reasons []string
	for _, g := range groups {
		if err := e.acceptPost(ctx, g, act, obj, author); err != nil {
			var d *Dropped
			if !errors.As(err, &d) {
				return err
			}
			reasons = append(reasons, g.Name+": "+d.Reason)
		}
	}
	if len(reasons) == len(groups) {
		return drop("%v", reasons)
	}
	return nil
}

// embeddedObject returns the activity's object, fetching it when only its
// id was sent. The object must come from the actor's own server.
func (e *Posting) embeddedObject(ctx context.Context, act *vocab.Activity) (*vocab.Object, error) {
	obj := act.Object
	if obj == nil || obj.ID == "" && !obj.Embedded {
		return nil, drop("%s without an object", act.Type)
	}
	if node.HostOf(obj.ID) != "" && node.HostOf(obj.ID) != node.HostOf(act.Actor) {
		return nil, drop("object %s is not on the actor's server", obj.ID)
	}
	if obj.Embedded {
		return obj, nil
	}
	body, err := e.Client.Get(ctx, obj.ID, &e.InstanceKey)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", obj.ID, err)
	}
	fetched, err := vocab.ParseObject(ctx, body)
	if err != nil {
		return nil, drop("object %s: %v", obj.ID, err)
	}
	if fetched.ID != obj.ID {
		return nil, drop("fetched %s but got %s", obj.ID, fetched.ID)
	}
	return fetched, nil
}

// groupsFor lists the local groups a post concerns: those it addresses
// (to, cc, audience) or mentions, and those holding the post it replies to.
func (e *Posting) groupsFor(ctx context.Context, act *vocab.Activity, obj *vocab.Object) ([]*storage.Group, error) {
	var names []string
	add := func(name string) {
		if name != "" && !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	for _, list := range [][]string{obj.To, obj.Cc, obj.Audience, act.To, act.Cc, act.Audience} {
		for _, id := range list {
			if name, ok := e.IRI.IsGroup(id); ok {
				add(name)
			}
		}
	}
	for _, t := range obj.Tags {
		if name, ok := e.IRI.IsGroup(t.Href); ok && t.Type == "Mention" {
			add(name)
		}
	}
	var groups []*storage.Group
	for _, name := range names {
		g, err := storage.GroupByName(ctx, e.Reads, name)
		if isNotFound(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		groups = append(groups, g)
	}
	if obj.InReplyTo != "" {
		parents, err := storage.PostRefsByIRI(ctx, e.Reads, obj.InReplyTo)
		if err != nil {
			return nil, err
		}
		for _, p := range parents {
			if slices.ContainsFunc(groups, func(g *storage.Group) bool { return g.ID == p.GroupID }) {
				continue
			}
			g, err := storage.GroupByID(ctx, e.Reads, p.GroupID)
			if err != nil {
				return nil, err
			}
			groups = append(groups, g)
		}
	}
	return groups, nil
}

// visibility reads the audience of an object the way Mastodon writes it.
func visibility(obj *vocab.Object, act *vocab.Activity, author *storage.RemoteActor) string {
	to, cc := obj.To, obj.Cc
	if len(to) == 0 && len(cc) == 0 {
		to, cc = act.To, act.Cc
	}
	switch {
	case slices.Contains(to, vocab.PublicAddress):
		return storage.VisibilityPublic
	case slices.Contains(cc, vocab.PublicAddress) || slices.Contains(obj.Audience, vocab.PublicAddress):
		return storage.VisibilityUnlisted
	case author.Followers != "" && (slices.Contains(to, author.Followers) || slices.Contains(cc, author.Followers)):
		return storage.VisibilityFollowers
	default:
		return storage.VisibilityDirect
	}
}

// acceptPost applies a group's posting policy and review queue to a post
// and stores it; a published post is announced to the members.
func (e *Posting) acceptPost(ctx context.Context, g *storage.Group, act *vocab.Activity, obj *vocab.Object, author *storage.RemoteActor) error {
	if g.Moved() {
		return e.answerMoved(ctx, g, author) // move.go
	}
	// A reply in a regulars-only thread stays in the tier, whatever its
	// own addressing (regulars.go).
	if parent, ok, err := e.regularsThread(ctx, e.DB, g, obj.InReplyTo); err != nil {
		return err
	} else if ok {
		return e.acceptRegularsReply(ctx, g, act, obj, author, parent)
	}
	vis := visibility(obj, act, author)
	if vis == storage.VisibilityDirect {
		// A private message to the group: modmail, or a command.
		return e.modmail.onDirectMessage(ctx, g, act, obj, author)
	}
	// Followers-only posts are never boosted (Mastodon cannot show them);
	// once accepted, the group republishes them to its members only.
	return e.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if _, err := storage.PostRefByIRI(ctx, tx, g.ID, obj.ID); err == nil {
			return drop("already in the group")
		} else if !isNotFound(err) {
			return err
		}
		p := &storage.Post{
			ID: storage.NewID(), GroupID: g.ID, IRI: obj.ID, AuthorID: author.ID, Kind: obj.Type,
			URL: obj.URL, Name: plainLine(obj.Name), Summary: plainLine(obj.Summary),
			ContentHTML: e.HTML.Sanitize(obj.Content), Sensitive: obj.Sensitive, InReplyTo: obj.InReplyTo,
			Visibility: vis, ActivityRaw: string(act.Raw), ObjectRaw: string(obj.Raw),
			PublishedAt: obj.Published, CreatedAt: e.Now().UTC(),
		}
		if p.URL == "" {
			p.URL = obj.ID
		}
		if obj.InReplyTo != "" {
			if parent, err := storage.PostRefByIRI(ctx, tx, g.ID, obj.InReplyTo); err == nil {
				p.ParentID, p.RootID = parent.ID, parent.RootID
			} else if !isNotFound(err) {
				return err
			}
		}
		if banned, err := isBanned(ctx, tx, g.ID, author.ID); err != nil {
			return err
		} else if banned {
			return drop("%s is banned from %s", author.IRI, g.Name)
		}
		member := false
		if f, err := storage.FollowOf(ctx, tx, g.ID, author.ID); err == nil {
			member = f.State == storage.FollowAccepted
		} else if !isNotFound(err) {
			return err
		}
		isReply := p.ParentID != ""
		switch {
		case g.PostingPolicy == storage.PostingModerators && !isReply:
			return drop("only moderators start threads in %s", g.Name)
		case g.PostingPolicy != storage.PostingAnyone && !member:
			return drop("%s is not a member of %s", author.IRI, g.Name)
		}
		hold, refuse, err := e.moderation.screen(ctx, tx, g, obj, author)
		if err != nil {
			return err
		}
		if refuse != "" {
			return drop("%s", refuse)
		}
		if held, err := e.storeScreened(ctx, tx, g, p, obj, author, hold); err != nil || held {
			return err
		}
		return e.sharePost(ctx, tx, g, p, author)
	})
}

// storeScreened stores a member's post that passed screen: published, or
// held when screen gave a reason or the group reviews every post. Staff
// are notified either way; the author of a held post is told why, and
// held is true.
func (e *Posting) storeScreened(ctx context.Context, tx bun.Tx, g *storage.Group, p *storage.Post, obj *vocab.Object, author *storage.RemoteActor, hold string) (held bool, err error) {
	p.State = storage.PostPublished
	if g.ReviewQueue && hold == "" {
		hold = "the group reviews every post"
	}
	if hold != "" {
		p.State, p.HeldReason = storage.PostPending, hold
	}
	if err := storage.CreatePost(ctx, tx, e.Now(), p); err != nil {
		return false, err
	}
	if err := e.notifier.postNotice(ctx, tx, g, p, obj, author); err != nil { // staff notifications (notify.go)
		return false, err
	}
	if hold == "" {
		return false, nil
	}
	e.Log.InfoContext(ctx, "post waits in the review queue", "group", g.Name, "post", p.IRI, "why", hold)
	return true, e.feedback(ctx, tx, g, author, heldMessage(g, hold))
}

// heldMessage is what the author of a held post is told; the review queue
// shows moderators the same reason.
func heldMessage(g *storage.Group, reason string) string {
	return "Your post to " + g.Title + " is waiting for a moderator's review (" + reason + ")."
}

// announcePost shares a published post with the members in two shapes:
// Announce{Create} (FEP-1b12, the original activity embedded unchanged)
// for group-aware software, and — for public and unlisted posts — a plain
// boost of the object, which is all Mastodon, Misskey and GoToSocial show.
// The outbox sends each server only the shape its software uses.
// Replies get the plain boost only when the group boosts replies.
func (e *Posting) announcePost(ctx context.Context, tx bun.Tx, g *storage.Group, p *storage.Post, author *storage.RemoteActor) error {
	groupIRI, followers := e.IRI.Group(g.Name), e.IRI.GroupFollowers(g.Name)
	to, cc := []string{vocab.PublicAddress}, []string{followers}
	published := e.Stamp(p.PublishedAt)
	id := e.IRI.AnnounceActivity(g.Name, p.ID, "create")
	body, err := vocab.Announce(id, groupIRI, json.RawMessage(p.ActivityRaw), to, cc, published)
	if err != nil {
		return fmt.Errorf("build Announce{Create}: %w", err)
	}
	if err := e.out.Publish(ctx, tx, g, outbox.Activity{IRI: id, Type: "Announce", ObjectIRI: p.IRI, Body: body, Shape: outbox.Wrapped}, outbox.Members(author.DeliveryInbox())); err != nil {
		return err
	}
	if !p.IsPublicish() || (p.RootID != p.ID && !g.BoostReplies) {
		return nil
	}
	if off, err := e.belonging.plainBoostsOff(ctx, tx, g); off || err != nil { // a group setting (belonging.go)
		return err
	}
	boostID := e.IRI.Announce(g.Name, p.ID)
	boost, err := vocab.Announce(boostID, groupIRI, p.IRI, to, []string{followers, author.IRI}, published)
	if err != nil {
		return fmt.Errorf("build Announce: %w", err)
	}
	return e.out.Publish(ctx, tx, g, outbox.Activity{IRI: boostID, Type: "Announce", ObjectIRI: p.IRI, Body: boost, Public: true, Shape: outbox.Boost}, outbox.Members(author.DeliveryInbox()))
}

// OnUpdate refreshes a changed actor, or updates the group's copies of an
// edited post and re-announces the edit (FEP-1b12).
func (e *Posting) OnUpdate(ctx context.Context, act *vocab.Activity) error {
	if act.Object != nil && (actorTypes[act.Object.Type] || act.Object.ID == act.Actor) {
		if act.Object.ID != act.Actor {
			return drop("Update of another actor")
		}
		if _, err := storage.RemoteActorByIRI(ctx, e.Reads, act.Actor); isNotFound(err) {
			return drop("Update of an actor we do not know")
		}
		_, err := e.actors.Actor(ctx, act.Actor, true)
		return err
	}
	obj, err := e.embeddedObject(ctx, act)
	if err != nil {
		return err
	}
	copies, err := storage.PostRefsByIRI(ctx, e.Reads, obj.ID)
	if err != nil {
		return err
	}
	if len(copies) == 0 {
		return drop("Update of %s, which is in no group", obj.ID)
	}
	author, err := e.actors.Stored(ctx, act.Actor)
	if err != nil && !isNotFound(err) {
		return err
	}
	for i := range copies {
		p := &copies[i]
		if author == nil || p.AuthorID != author.ID {
			return drop("Update of %s by %s, who is not its author", obj.ID, act.Actor)
		}
		err := e.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
			p.Name, p.Summary, p.ContentHTML = plainLine(obj.Name), plainLine(obj.Summary), e.HTML.Sanitize(obj.Content)
			p.Sensitive, p.ObjectRaw, p.UpdatedAt = obj.Sensitive, string(obj.Raw), e.Now().UTC()
			if err := storage.UpdatePostContent(ctx, tx, p); err != nil {
				return err
			}
			if p.State != storage.PostPublished {
				return nil
			}
			g, err := storage.GroupByID(ctx, tx, p.GroupID)
			if err != nil {
				return err
			}
			if p.Visibility == storage.VisibilityRegulars { // the group's copy carries the edit (regulars.go)
				return e.updateRegularsCopy(ctx, tx, g, p, author)
			}
			return e.announceActivity(ctx, tx, g, p, act)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// announceActivity forwards an activity about a group post to the members,
// wrapped in the group's Announce (FEP-1b12).
func (e *Posting) announceActivity(ctx context.Context, tx bun.Tx, g *storage.Group, p *storage.Post, act *vocab.Activity) error {
	if p.Visibility == storage.VisibilityRegulars {
		// Never wrapped for every member: the regulars have the group's
		// copy, which a Delete takes back (retractRegularsCopy).
		return nil
	}
	id := e.IRI.Activity(g.Name, storage.NewID())
	to, cc := []string{vocab.PublicAddress}, []string{e.IRI.GroupFollowers(g.Name)}
	if !p.IsPublicish() {
		to, cc = []string{e.IRI.GroupFollowers(g.Name)}, nil
	}
	body, err := vocab.Announce(id, e.IRI.Group(g.Name), json.RawMessage(act.Raw), to, cc, e.Stamp(time.Time{}))
	if err != nil {
		return fmt.Errorf("build Announce{%s}: %w", act.Type, err)
	}
	return e.out.Publish(ctx, tx, g, outbox.Activity{IRI: id, Type: "Announce", ObjectIRI: p.IRI, Body: body, Shape: outbox.Wrapped}, outbox.Members())
}

// OnDelete removes a deleted account, or the group's copies of a deleted post.
func (e *Posting) OnDelete(ctx context.Context, act *vocab.Activity) error {
	if act.Object == nil {
		return drop("Delete without an object")
	}
	if act.Object.ID == act.Actor {
		actor, err := storage.RemoteActorByIRI(ctx, e.Reads, act.Actor)
		if isNotFound(err) {
			return drop("Delete of an account we do not know")
		}
		if err != nil {
			return err
		}
		return e.membership.RemoveActor(ctx, actor)
	}
	copies, err := storage.PostsByIRI(ctx, e.Reads, act.Object.ID)
	if err != nil {
		return err
	}
	if len(copies) == 0 {
		return drop("Delete of %s, which is in no group", act.Object.ID)
	}
	for i := range copies {
		p := &copies[i]
		if p.Author == nil || p.Author.IRI != act.Actor {
			return drop("Delete of %s by %s, who is not its author", act.Object.ID, act.Actor)
		}
		err := e.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
			if p.State == storage.PostPublished {
				g, err := storage.GroupByID(ctx, tx, p.GroupID)
				if err != nil {
					return err
				}
				if err := e.announceActivity(ctx, tx, g, p, act); err != nil {
					return err
				}
			}
			if err := e.retractPost(ctx, tx, p); err != nil {
				return err
			}
			if err := e.retractRegularsCopy(ctx, tx, p); err != nil {
				return err
			}
			return storage.DeletePost(ctx, tx, p.ID)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// retractPost undoes the group's plain boost of a post, if it made one:
// Mastodon removes a boost only on Undo{Announce}, and Misskey (since
// 2025.8) no longer removes renotes of deleted notes by itself.
func (e *core) retractPost(ctx context.Context, tx bun.Tx, p *storage.Post) error {
	g, err := storage.GroupByID(ctx, tx, p.GroupID)
	if err != nil {
		return err
	}
	boost, err := storage.OutboxActivityByIRI(ctx, tx, e.IRI.Announce(g.Name, p.ID))
	if isNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	id := e.IRI.Undo(boost.IRI)
	body, err := vocab.Undo(id, e.IRI.Group(g.Name), []byte(boost.Body), []string{vocab.PublicAddress}, []string{e.IRI.GroupFollowers(g.Name)})
	if err != nil {
		return fmt.Errorf("build Undo{Announce}: %w", err)
	}
	err = e.out.Publish(ctx, tx, g, outbox.Activity{IRI: id, Type: "Undo", ObjectIRI: boost.IRI, Body: body, Public: true, Shape: outbox.Boost}, outbox.Members())
	if errors.Is(err, storage.ErrConflict) {
		return nil // undone before
	}
	return err
}

// OnReaction counts a Like or Dislike of a group post and announces it
// to the members (FEP-1b12), so group-aware servers show the same counts.
func (e *Posting) OnReaction(ctx context.Context, act *vocab.Activity) error {
	if act.Object == nil {
		return drop("%s without an object", act.Type)
	}
	copies, err := storage.PostRefsByIRI(ctx, e.Reads, act.Object.ID)
	if err != nil {
		return err
	}
	if len(copies) == 0 {
		return drop("%s of %s, which is in no group", act.Type, act.Object.ID)
	}
	actor, err := e.actors.Actor(ctx, act.Actor, false)
	if err != nil {
		return err
	}
	kind := storage.ReactionLike
	if act.Type == "Dislike" {
		kind = storage.ReactionDislike
	}
	for i := range copies {
		p := &copies[i]
		if p.State != storage.PostPublished {
			continue
		}
		// A member's second Like of a post changes nothing: find that out
		// without taking the writer.
		had, err := storage.HasReaction(ctx, e.Reads, p.ID, actor.ID, kind)
		if err != nil {
			return err
		}
		if had {
			continue
		}
		err = e.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
			isNew, err := storage.AddReactionOnce(ctx, tx, e.Now(), &storage.Reaction{PostID: p.ID, ActorID: actor.ID, Kind: kind, ActivityIRI: act.ID})
			if err != nil || !isNew {
				return err
			}
			g, err := storage.GroupByID(ctx, tx, p.GroupID)
			if err != nil {
				return err
			}
			return e.announceActivity(ctx, tx, g, p, act)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// OnUndoReaction takes back a Like or Dislike and announces the Undo.
func (e *Posting) OnUndoReaction(ctx context.Context, act *vocab.Activity, inner *vocab.Object) error {
	actor, err := storage.RemoteActorByIRI(ctx, e.Reads, act.Actor)
	if isNotFound(err) {
		return drop("Undo from an actor we do not know")
	}
	if err != nil {
		return err
	}
	return e.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		r, err := storage.RemoveReaction(ctx, tx, inner.ID, actor.ID)
		if isNotFound(err) {
			// Lemmy embeds a Vote with a fresh id in its Undo: match the
			// reaction by actor, object and kind, as Misskey and Lemmy do.
			var iri string
			if iri, err = e.reactionOf(ctx, tx, actor, inner); err == nil {
				r, err = storage.RemoveReaction(ctx, tx, iri, actor.ID)
			}
		}
		if isNotFound(err) {
			return drop("Undo of %s, which was not counted", inner.ID)
		}
		if err != nil {
			return err
		}
		p, err := storage.PostByID(ctx, tx, r.PostID)
		if err != nil {
			return err
		}
		g, err := storage.GroupByID(ctx, tx, p.GroupID)
		if err != nil {
			return err
		}
		return e.announceActivity(ctx, tx, g, p, act)
	})
}

// reactionOf finds the activity IRI of actor's counted reaction to the
// object an embedded Like or Dislike names, or ErrNotFound: one of the same
// kind, else (Lemmy undoes a dislike with an Undo{Like}: a vote is a vote)
// one of the other kind.
func (e *Posting) reactionOf(ctx context.Context, tx bun.Tx, actor *storage.RemoteActor, inner *vocab.Object) (string, error) {
	if inner.Object == nil || inner.Object.ID == "" || inner.Type != "Like" && inner.Type != "Dislike" {
		return "", storage.ErrNotFound
	}
	kind := storage.ReactionLike
	if inner.Type == "Dislike" {
		kind = storage.ReactionDislike
	}
	return storage.ReactionActivityOf(ctx, tx, actor.ID, inner.Object.ID, kind)
}

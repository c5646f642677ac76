package community

import (
	"context"
	"errors"
	"fmt"
	"html"
	"strings"

	"github.com/uptrace/bun"

	"github.com/kith-social/kith/federation/outbox"
	"github.com/kith-social/kith/federation/vocab"
	"github.com/kith-social/kith/storage"
)

// OnFollow handles a request to join a group: an open group accepts at
// once; a closed one keeps the request for a moderator.
func (e *Membership) OnFollow(ctx context.Context, act *vocab.Activity) error {
	defer e.out.MembersChanged()
	if act.Object == nil {
		return drop("Follow without an object")
	}
	g, err := e.targetGroup(ctx, e.DB, act.Object.ID)
	if isNotFound(err) {
		return drop("Follow of %s, which is not a group here", act.Object.ID)
	}
	if err != nil {
		return err
	}
	actor, err := e.actors.Actor(ctx, act.Actor, false)
	if err != nil {
		return fmt.Errorf("follower %s: %w", act.Actor, err)
	}
	return e.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := storage.Notify(ctx, tx, storage.Invalidation{What: storage.InvalidateMembers}); err != nil {
			return err
		}
		if banned, err := isBanned(ctx, tx, g.ID, actor.ID); err != nil {
			return err
		} else if banned {
			e.Log.InfoContext(ctx, "follow from a banned actor rejected", "group", g.Name, "actor", actor.IRI)
			return e.answerFollow(ctx, tx, g, actor, act, false)
		}
		if g.Moved() {
			// Follows go to the new address; say where (move.go).
			if err := e.answerFollow(ctx, tx, g, actor, act, false); err != nil {
				return err
			}
			text := fmt.Sprintf(`<p>This group has moved to <a href="%s">%s</a>: please follow it there.</p>`, html.EscapeString(g.MovedTo), html.EscapeString(g.MovedToHandle))
			_, err := e.directMessage(ctx, tx, g, actor, text, "")
			return err
		}
		state := storage.FollowAccepted
		if g.Closed {
			state = storage.FollowPending
			// Vouched for by a member: in without questions (invitation.go).
			if inv, err := e.invitedFollow(ctx, tx, g, actor); err != nil {
				return err
			} else if inv != nil {
				state = storage.FollowAccepted
				if err := e.logAction(ctx, tx, g, Staff{Name: "kith"}, "invited_join", actor.IRI, "invited by "+inv.Inviter.IRI); err != nil {
					return err
				}
			}
		}
		f := &storage.Follow{GroupID: g.ID, ActorID: actor.ID, ActivityIRI: act.ID, ActivityRaw: string(act.Raw), State: state}
		// A member of the group's old address (from an imported export)
		// following because of the Move: no join questions, the same
		// membership date (move.go).
		if arriving, err := storage.TakeArrivingMember(ctx, tx, g.ID, actor.IRI); err == nil {
			f.State, f.AcceptedAt = storage.FollowAccepted, arriving.MemberSince
		} else if !isNotFound(err) {
			return err
		}
		if err := storage.UpsertFollow(ctx, tx, e.Now(), f); err != nil {
			return err
		}
		if err := e.notifier.followNotice(ctx, tx, g, actor, f.State); err != nil { // staff notifications (notify.go)
			return err
		}
		if f.State == storage.FollowPending {
			e.Log.InfoContext(ctx, "follow request waits for a moderator", "group", g.Name, "actor", actor.IRI)
			return e.askJoinQuestions(ctx, tx, g, actor)
		}
		// Accept again even for an existing member: their server may have
		// lost the first Accept.
		if err := e.answerFollow(ctx, tx, g, actor, act, true); err != nil {
			return err
		}
		return e.belonging.welcome(ctx, tx, g, actor) // the welcome DM, once (belonging.go)
	})
}

// answerFollow sends Accept or Reject of a Follow to the follower only.
func (e *Membership) answerFollow(ctx context.Context, tx bun.Tx, g *storage.Group, actor *storage.RemoteActor, follow *vocab.Activity, accept bool) error {
	id := e.IRI.Activity(g.Name, storage.NewID())
	build, typ := vocab.Accept, "Accept"
	if !accept {
		build, typ = vocab.Reject, "Reject"
	}
	body, err := build(id, e.IRI.Group(g.Name), follow)
	if err != nil {
		return fmt.Errorf("build %s: %w", typ, err)
	}
	return e.out.Publish(ctx, tx, g, outbox.Activity{IRI: id, Type: typ, ObjectIRI: follow.ID, Body: body}, outbox.To(actor.DeliveryInbox()))
}

// OnUnfollow ends a membership or withdraws a request.
func (e *Membership) OnUnfollow(ctx context.Context, actorIRI, groupIRI string) error {
	defer e.out.MembersChanged()
	g, err := e.targetGroup(ctx, e.DB, groupIRI)
	if isNotFound(err) {
		return drop("Undo{Follow} of %s, which is not a group here", groupIRI)
	}
	if err != nil {
		return err
	}
	actor, err := storage.RemoteActorByIRI(ctx, e.DB, actorIRI)
	if isNotFound(err) {
		return drop("Undo{Follow} from %s, who never followed", actorIRI)
	}
	if err != nil {
		return err
	}
	f, err := storage.FollowOf(ctx, e.DB, g.ID, actor.ID)
	if isNotFound(err) {
		return drop("Undo{Follow} from %s, who does not follow %s", actorIRI, g.Name)
	}
	if err != nil {
		return err
	}
	return e.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := storage.DeleteFollow(ctx, tx, e.Now(), f.ID); err != nil {
			return err
		}
		// A request withdrawn needs no decision any more.
		if err := storage.ResolveNotifications(ctx, tx, e.Now(), g.ID, storage.NotifyFollowRequest, actor.IRI); err != nil {
			return err
		}
		return storage.Notify(ctx, tx, storage.Invalidation{What: storage.InvalidateMembers})
	})
}

// DecideFollow approves or rejects a pending request to join a closed
// group (a moderator's decision, from the CLI or the admin UI) and
// federates the answer.
func (e *Membership) DecideFollow(ctx context.Context, groupName, actorIRI string, approve bool) error {
	defer e.out.MembersChanged()
	g, err := storage.GroupByName(ctx, e.DB, groupName)
	if err != nil {
		return err
	}
	actor, err := storage.RemoteActorByIRI(ctx, e.DB, actorIRI)
	if err != nil {
		return err
	}
	return e.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		f, err := storage.FollowOf(ctx, tx, g.ID, actor.ID)
		if err != nil {
			return err
		}
		if err := storage.Notify(ctx, tx, storage.Invalidation{What: storage.InvalidateMembers}); err != nil {
			return err
		}
		if f.State != storage.FollowPending {
			return fmt.Errorf("%s is already a member of %s: %w", actorIRI, groupName, ErrNotPending)
		}
		follow, err := vocab.ParseActivity(ctx, []byte(f.ActivityRaw))
		if err != nil {
			return fmt.Errorf("stored follow of %s: %w", actorIRI, err)
		}
		if err := storage.ResolveNotifications(ctx, tx, e.Now(), g.ID, storage.NotifyFollowRequest, actor.IRI); err != nil {
			return err
		}
		if approve {
			if err := storage.AcceptFollow(ctx, tx, e.Now(), f.ID); err != nil {
				return err
			}
			if err := e.notifier.followNotice(ctx, tx, g, actor, storage.FollowAccepted); err != nil { // staff notifications (notify.go)
				return err
			}
			if err := e.belonging.welcome(ctx, tx, g, actor); err != nil { // the welcome DM, once (belonging.go)
				return err
			}
		} else if err := storage.DeleteFollow(ctx, tx, e.Now(), f.ID); err != nil {
			return err
		}
		return e.answerFollow(ctx, tx, g, actor, follow, approve)
	})
}

// ErrNotPending means a follow request was already decided.
var ErrNotPending = errors.New("not a pending request")

// RemoveActor forgets an actor that was deleted or is gone: memberships,
// requests and content. Boosts of its public posts are undone.
func (e *Membership) RemoveActor(ctx context.Context, actor *storage.RemoteActor) error {
	defer e.out.MembersChanged()
	defer e.actors.Forget(actor)
	return e.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		posts, err := storage.PublishedPostsByAuthor(ctx, tx, actor.ID)
		if err != nil {
			return err
		}
		for i := range posts {
			if err := e.retractPost(ctx, tx, &posts[i]); err != nil {
				return err
			}
		}
		if _, err := storage.DeleteFollowsByActor(ctx, tx, e.Now(), actor.ID); err != nil {
			return err
		}
		if _, err := storage.DeletePostsByAuthor(ctx, tx, actor.ID); err != nil {
			return err
		}
		// The actor message also empties the member inboxes (federation/invalidate.go).
		if err := storage.Notify(ctx, tx, storage.Invalidation{What: storage.InvalidateActor, IRI: actor.IRI, KeyID: actor.PublicKeyID}); err != nil {
			return err
		}
		return storage.MarkRemoteActorGone(ctx, tx, actor.ID, e.Now())
	})
}

// askJoinQuestions sends a closed group's join questions to an applicant.
func (e *Membership) askJoinQuestions(ctx context.Context, tx bun.Tx, g *storage.Group, applicant *storage.RemoteActor) error {
	if strings.TrimSpace(g.JoinQuestions) == "" {
		return nil
	}
	questions, err := e.HTML.Markdown(g.JoinQuestions)
	if err != nil {
		return err
	}
	intro := "<p>Thanks for asking to join " + html.EscapeString(g.Title) + ". Please answer these questions in a reply to this message (mentioned people only):</p>"
	_, err = e.directMessage(ctx, tx, g, applicant, intro+questions, "")
	return err
}

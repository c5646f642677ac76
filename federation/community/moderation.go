package community

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/uptrace/bun"

	"github.com/kith-social/kith/federation/keys"
	"github.com/kith-social/kith/federation/outbox"
	"github.com/kith-social/kith/federation/vocab"
	"github.com/kith-social/kith/storage"
)

// UpdateGroup saves a group's profile and settings and sends Update{Group}
// to the members, so their servers show the new name, avatar or rules.
func (e *Moderation) UpdateGroup(ctx context.Context, g *storage.Group, by Staff) error {
	return e.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := storage.UpdateGroup(ctx, tx, e.Now(), g); err != nil {
			return err
		}
		doc, err := e.documents.groupDocument(g)
		if err != nil {
			return err
		}
		id := e.IRI.Activity(g.Name, storage.NewID())
		body, err := vocab.Update(id, e.IRI.Group(g.Name), doc, []string{vocab.PublicAddress}, []string{e.IRI.GroupFollowers(g.Name)})
		if err != nil {
			return fmt.Errorf("build Update{Group}: %w", err)
		}
		if err := e.logAction(ctx, tx, g, by, "edit_group", e.IRI.Group(g.Name), ""); err != nil {
			return err
		}
		if err := storage.Notify(ctx, tx, storage.Invalidation{What: storage.InvalidateGroups}); err != nil {
			return err
		}
		return e.out.Publish(ctx, tx, g, outbox.Activity{IRI: id, Type: "Update", ObjectIRI: e.IRI.Group(g.Name), Body: body}, outbox.Members())
	})
}

// ApprovePost publishes a post held in the review queue.
func (e *Posting) ApprovePost(ctx context.Context, postID string, by Staff) error {
	return e.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		p, g, err := e.pendingPost(ctx, tx, postID)
		if err != nil {
			return err
		}
		if err := storage.SetPostState(ctx, tx, p.ID, storage.PostPublished); err != nil {
			return err
		}
		p.State = storage.PostPublished
		if err := storage.ResolveNotifications(ctx, tx, e.Now(), g.ID, storage.NotifyReview, p.IRI); err != nil {
			return err
		}
		if err := e.logAction(ctx, tx, g, by, "approve_post", p.IRI, ""); err != nil {
			return err
		}
		if err := e.feedback(ctx, tx, g, p.Author, "Your post was approved and shared with "+g.Title+"."); err != nil {
			return err
		}
		return e.sharePost(ctx, tx, g, p, p.Author)
	})
}

// RejectPost refuses a post held in the review queue.
func (e *Posting) RejectPost(ctx context.Context, postID, reason string, by Staff) error {
	return e.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		p, g, err := e.pendingPost(ctx, tx, postID)
		if err != nil {
			return err
		}
		if err := storage.SetPostState(ctx, tx, p.ID, storage.PostRejected); err != nil {
			return err
		}
		if err := storage.ResolveNotifications(ctx, tx, e.Now(), g.ID, storage.NotifyReview, p.IRI); err != nil {
			return err
		}
		if err := e.feedback(ctx, tx, g, p.Author, withReason("Your post was not shared with "+g.Title+".", reason)); err != nil {
			return err
		}
		return e.logAction(ctx, tx, g, by, "reject_post", p.IRI, reason)
	})
}

// ErrNotPendingPost means the post is not waiting for review.
var ErrNotPendingPost = errors.New("post is not in the review queue")

func (e *Posting) pendingPost(ctx context.Context, tx bun.IDB, postID string) (*storage.Post, *storage.Group, error) {
	p, err := storage.PostByID(ctx, tx, postID)
	if err != nil {
		return nil, nil, err
	}
	if p.State != storage.PostPending || p.Author == nil {
		return nil, nil, ErrNotPendingPost
	}
	g, err := storage.GroupByID(ctx, tx, p.GroupID)
	if err != nil {
		return nil, nil, err
	}
	return p, g, nil
}

// RemovePost takes a member's post out of the group: it stays on the
// author's server, but the group undoes its boost and tells group-aware
// servers (FEP-1b12: an announced Delete by the group).
func (e *Moderation) RemovePost(ctx context.Context, postID, reason string, by Staff) error {
	return e.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		p, err := storage.PostByID(ctx, tx, postID)
		if err != nil {
			return err
		}
		g, err := storage.GroupByID(ctx, tx, p.GroupID)
		if err != nil {
			return err
		}
		if p.AuthorID == "" {
			return fmt.Errorf("%w: delete the group's own posts instead of removing them", ErrInvalidPost)
		}
		if p.State == storage.PostRemoved {
			return nil
		}
		wasPublished := p.State == storage.PostPublished
		if err := storage.SetPostState(ctx, tx, p.ID, storage.PostRemoved); err != nil {
			return err
		}
		if err := e.logAction(ctx, tx, g, by, "remove_post", p.IRI, reason); err != nil {
			return err
		}
		if err := e.feedback(ctx, tx, g, p.Author, withReason("Your post was removed from "+g.Title+".", reason)); err != nil {
			return err
		}
		if !wasPublished {
			return nil
		}
		if err := e.retractPost(ctx, tx, p); err != nil {
			return err
		}
		groupIRI, followers := e.IRI.Group(g.Name), e.IRI.GroupFollowers(g.Name)
		delID := e.IRI.Activity(g.Name, storage.NewID())
		del, err := vocab.Delete(delID, groupIRI, p.IRI, []string{vocab.PublicAddress}, []string{followers})
		if err != nil {
			return fmt.Errorf("build Delete: %w", err)
		}
		annID := e.IRI.Activity(g.Name, storage.NewID())
		ann, err := vocab.Announce(annID, groupIRI, json.RawMessage(del), []string{vocab.PublicAddress}, []string{followers}, e.Stamp(p.PublishedAt))
		if err != nil {
			return fmt.Errorf("build Announce{Delete}: %w", err)
		}
		return e.out.Publish(ctx, tx, g, outbox.Activity{IRI: annID, Type: "Announce", ObjectIRI: p.IRI, Body: ann, Shape: outbox.Wrapped}, outbox.Members())
	})
}

// Ban keeps an actor out of a group: their membership or request ends,
// their follows and posts are refused from now on, and the group sends
// them a Block (Mastodon then drops the follow on its side too).
func (e *Moderation) Ban(ctx context.Context, groupName, actorIRI, reason string, by Staff) error {
	return e.ban(ctx, groupName, actorIRI, reason, false, by)
}

// BanReviewingInvitees bans as Ban does, and flags for review everyone the
// banned member invited (reviewInvitees).
func (e *Moderation) BanReviewingInvitees(ctx context.Context, groupName, actorIRI, reason string, by Staff) error {
	return e.ban(ctx, groupName, actorIRI, reason, true, by)
}

func (e *Moderation) ban(ctx context.Context, groupName, actorIRI, reason string, reviewInvitees bool, by Staff) error {
	defer e.out.MembersChanged()
	g, err := storage.GroupByName(ctx, e.DB, groupName)
	if err != nil {
		return err
	}
	actor, err := e.actors.Actor(ctx, actorIRI, false)
	if err != nil {
		return err
	}
	id := e.IRI.Activity(g.Name, storage.NewID())
	block, err := vocab.Block(id, e.IRI.Group(g.Name), actor.IRI)
	if err != nil {
		return fmt.Errorf("build Block: %w", err)
	}
	return e.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := storage.CreateBan(ctx, tx, e.Now(), &storage.Ban{GroupID: g.ID, ActorID: actor.ID, Reason: reason, BlockIRI: id, CreatedBy: by.Name}); err != nil {
			return err
		}
		if f, err := storage.FollowOf(ctx, tx, g.ID, actor.ID); err == nil {
			if err := storage.DeleteFollow(ctx, tx, e.Now(), f.ID); err != nil {
				return err
			}
		} else if !isNotFound(err) {
			return err
		}
		if err := storage.ResolveNotifications(ctx, tx, e.Now(), g.ID, storage.NotifyFollowRequest, actor.IRI); err != nil {
			return err
		}
		if err := e.logAction(ctx, tx, g, by, "ban", actor.IRI, reason); err != nil {
			return err
		}
		if reviewInvitees {
			if err := e.reviewInvitees(ctx, tx, g, actor, by); err != nil {
				return err
			}
		}
		if err := storage.Notify(ctx, tx, storage.Invalidation{What: storage.InvalidateMembers}); err != nil {
			return err
		}
		return e.out.Publish(ctx, tx, g, outbox.Activity{IRI: id, Type: "Block", ObjectIRI: actor.IRI, Body: block}, outbox.To(actor.DeliveryInbox()))
	})
}

// reviewInvitees flags for review the people a banned member invited:
// their posts are held, with the reason, until staff clear the flag
// (ClearReviewFlag). Only direct invitees: the ban judges the banned
// member's vouching, and an invitee's own invitees were vouched for by the
// invitee, whom staff can review and ban in turn; flagging the whole
// subtree would hold people two steps removed from someone they may never
// have met. One notification lists them; each flag is in the log.
func (e *Moderation) reviewInvitees(ctx context.Context, tx bun.Tx, g *storage.Group, banned *storage.RemoteActor, by Staff) error {
	invitees, err := storage.InviteesOf(ctx, tx, g.ID, banned.ID)
	if err != nil || len(invitees) == 0 {
		return err
	}
	why := "invited by " + handle(banned) + ", who was banned"
	names := make([]string, 0, len(invitees))
	for i := range invitees {
		a := &invitees[i]
		if err := storage.FlagForReview(ctx, tx, e.Now(), g.ID, a.ID, why); err != nil {
			return err
		}
		if err := e.logAction(ctx, tx, g, by, "review_flag", a.IRI, why); err != nil {
			return err
		}
		names = append(names, handle(a))
	}
	people := "the one person"
	if len(names) > 1 {
		people = fmt.Sprintf("the %d people", len(names))
	}
	text := fmt.Sprintf("%s was banned from %s: posts by %s they invited are held for review until you clear the flag: %s",
		handle(banned), g.Name, people, strings.Join(names, ", "))
	return e.notifier.notify(ctx, tx, g, storage.NotifyReview, banned.IRI, text)
}

// ClearReviewFlag lets a flagged member's posts reach the group again
// without review.
func (e *Moderation) ClearReviewFlag(ctx context.Context, groupName, actorID string, by Staff) error {
	return e.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		g, err := storage.GroupByName(ctx, tx, groupName)
		if err != nil {
			return err
		}
		a, err := storage.RemoteActorByID(ctx, tx, actorID)
		if err != nil {
			return err
		}
		if err := storage.ClearReviewFlag(ctx, tx, g.ID, a.ID); err != nil {
			return err
		}
		return e.logAction(ctx, tx, g, by, "review_flag_cleared", a.IRI, "")
	})
}

// Unban lifts a ban and sends Undo{Block}.
func (e *Moderation) Unban(ctx context.Context, groupName, actorIRI string, by Staff) error {
	g, err := storage.GroupByName(ctx, e.DB, groupName)
	if err != nil {
		return err
	}
	actor, err := storage.RemoteActorByIRI(ctx, e.DB, actorIRI)
	if err != nil {
		return err
	}
	return e.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		b, err := storage.BanOf(ctx, tx, g.ID, actor.ID)
		if err != nil {
			return err
		}
		if err := storage.DeleteBan(ctx, tx, b.ID); err != nil {
			return err
		}
		if err := e.logAction(ctx, tx, g, by, "unban", actor.IRI, ""); err != nil {
			return err
		}
		block, err := vocab.Block(b.BlockIRI, e.IRI.Group(g.Name), actor.IRI)
		if err != nil {
			return err
		}
		id := e.IRI.Undo(b.BlockIRI)
		undo, err := vocab.Undo(id, e.IRI.Group(g.Name), block, []string{actor.IRI}, nil)
		if err != nil {
			return fmt.Errorf("build Undo{Block}: %w", err)
		}
		return e.out.Publish(ctx, tx, g, outbox.Activity{IRI: id, Type: "Undo", ObjectIRI: b.BlockIRI, Body: undo}, outbox.To(actor.DeliveryInbox()))
	})
}

// isBanned tells whether an actor is banned from a group.
func isBanned(ctx context.Context, db bun.IDB, groupID, actorID string) (bool, error) {
	_, err := storage.BanOf(ctx, db, groupID, actorID)
	if isNotFound(err) {
		return false, nil
	}
	return err == nil, err
}

// BlockDomain drops all traffic from a server: its inbox POSTs are
// refused, its members leave every group.
func (e *Moderation) BlockDomain(ctx context.Context, domain, reason string, by Staff) error {
	defer e.out.MembersChanged()
	defer e.actors.BlocksChanged()
	return e.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		b := &storage.DomainBlock{Domain: domain, Reason: reason, CreatedBy: by.Name}
		if err := storage.CreateDomainBlock(ctx, tx, e.Now(), b); err != nil {
			return err
		}
		if err := storage.DeleteFollowsOfDomain(ctx, tx, e.Now(), b.Domain); err != nil {
			return err
		}
		if err := notifyAll(ctx, tx, storage.InvalidateBlocks, storage.InvalidateMembers); err != nil {
			return err
		}
		return e.logAction(ctx, tx, nil, by, "block_domain", b.Domain, reason)
	})
}

// UnblockDomain lifts a domain block.
func (e *Moderation) UnblockDomain(ctx context.Context, domain string, by Staff) error {
	defer e.actors.BlocksChanged()
	return e.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := storage.DeleteDomainBlock(ctx, tx, domain); err != nil {
			return err
		}
		if err := storage.Notify(ctx, tx, storage.Invalidation{What: storage.InvalidateBlocks}); err != nil {
			return err
		}
		return e.logAction(ctx, tx, nil, by, "unblock_domain", storage.NormalizeDomain(domain), "")
	})
}

// OnFlag stores a report. Mastodon sends Flag from its instance actor
// with object [account, statuses…]; the report belongs to the group it
// names or whose posts it names.
func (e *Moderation) OnFlag(ctx context.Context, act *vocab.Activity) error {
	objects := act.ObjectIDs
	if len(objects) == 0 {
		return drop("Flag without objects")
	}
	r := &storage.Report{ActivityIRI: act.ID, ReporterIRI: act.Actor, Reason: strings.TrimSpace(plainLine(act.Content))}
	var others []string
	for _, id := range objects {
		if name, ok := e.IRI.IsGroup(id); ok {
			if g, err := storage.GroupByName(ctx, e.DB, name); err == nil {
				r.GroupID = g.ID
			}
			continue
		}
		posts, err := storage.PostsByIRI(ctx, e.DB, id)
		if err != nil {
			return err
		}
		if len(posts) > 0 {
			if r.GroupID == "" {
				r.GroupID = posts[0].GroupID
			}
			if r.TargetIRI == "" && posts[0].Author != nil {
				r.TargetIRI = posts[0].Author.IRI
			}
			others = append(others, id)
			continue
		}
		if r.TargetIRI == "" {
			r.TargetIRI = id // the reported account comes first
		} else {
			others = append(others, id)
		}
	}
	if r.GroupID == "" {
		return drop("Flag about nothing in any group here")
	}
	oj, _ := json.Marshal(others)
	r.ObjectIRIs = string(oj)
	return e.notifier.storeReport(ctx, r) // and notify staff (notify.go)
}

// ForwardReport sends a report to the reported account's server, as a
// Flag from the group, so that server's moderators see it too.
func (e *Moderation) ForwardReport(ctx context.Context, reportID string, by Staff) error {
	r, err := storage.ReportByID(ctx, e.DB, reportID)
	if err != nil {
		return err
	}
	if r.GroupID == "" || r.TargetIRI == "" {
		return fmt.Errorf("report %s names no group or account to forward to", reportID)
	}
	g, err := storage.GroupByID(ctx, e.DB, r.GroupID)
	if err != nil {
		return err
	}
	target, err := e.actors.Actor(ctx, r.TargetIRI, false)
	if err != nil {
		return err
	}
	var objects []string
	_ = json.Unmarshal([]byte(r.ObjectIRIs), &objects)
	id := e.IRI.Activity(g.Name, storage.NewID())
	flag, err := vocab.Flag(id, e.IRI.Group(g.Name), append([]string{target.IRI}, objects...), r.Reason)
	if err != nil {
		return fmt.Errorf("build Flag: %w", err)
	}
	return e.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := storage.MarkReportForwarded(ctx, tx, e.Now(), r.ID); err != nil {
			return err
		}
		if err := e.logAction(ctx, tx, g, by, "forward_report", target.IRI, ""); err != nil {
			return err
		}
		return e.out.Publish(ctx, tx, g, outbox.Activity{IRI: id, Type: "Flag", ObjectIRI: target.IRI, Body: flag}, outbox.To(target.DeliveryInbox()))
	})
}

// CreateGroup makes a new group with its own key pair; the summary is
// Markdown. A taken name is storage.ErrConflict.
func (e *Moderation) CreateGroup(ctx context.Context, name, title, summaryMarkdown string, closed bool) (*storage.Group, error) {
	if err := storage.ValidateGroupName(name); err != nil {
		return nil, err
	}
	summaryHTML, err := e.HTML.Markdown(summaryMarkdown)
	if err != nil {
		return nil, fmt.Errorf("summary: %w", err)
	}
	priv, pub, err := keys.Generate()
	if err != nil {
		return nil, err
	}
	g := storage.NewGroup(name)
	if t := strings.TrimSpace(title); t != "" {
		g.Title = t
	}
	g.Summary, g.SummaryHTML = summaryMarkdown, summaryHTML
	g.Closed, g.PrivateKeyPEM, g.PublicKeyPEM = closed, priv, pub
	if err := storage.CreateGroup(ctx, e.DB, e.Now(), g); err != nil {
		return nil, err
	}
	return g, nil
}

func withReason(msg, reason string) string {
	if strings.TrimSpace(reason) == "" {
		return msg
	}
	return msg + " Reason: " + strings.TrimSpace(reason)
}

// notifyAll tells the other processes, when tx commits, that the caches
// named by whats are stale (storage.Notify).
func notifyAll(ctx context.Context, tx bun.Tx, whats ...string) error {
	for _, w := range whats {
		if err := storage.Notify(ctx, tx, storage.Invalidation{What: w}); err != nil {
			return err
		}
	}
	return nil
}

package community

// What a signed-in member does on the members' pages instead of a DM
// command: write to the moderators, post anonymously, report, leave. Each
// has the same effect as its federated counterpart.

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"github.com/kith-social/kith/federation/content"
	"github.com/kith-social/kith/federation/vocab"
	"github.com/kith-social/kith/storage"
)

// Limits of what a member writes on the members' pages.
const (
	MaxModmailLength = 5000
	MaxAnonLength    = 5000
	MaxReportNote    = 2000
)

// ReportReasons lists the reasons a member picks from when reporting.
func ReportReasons() []string {
	return []string{"Spam", "Harassment or hate", "Breaks the group's rules", "Something else"}
}

// memberText checks a member's text: not empty, at most max characters.
func memberText(text string, max int, what string) (string, error) {
	text = strings.TrimSpace(text)
	switch {
	case text == "":
		return "", &InputError{"Write " + what + " first."}
	case utf8.RuneCountInString(text) > max:
		return "", &InputError{fmt.Sprintf("Please keep %s under %d characters.", what, max)}
	}
	return text, nil
}

// ConversationWith is a member's modmail conversation with the group: the
// messages they sent and the moderators' answers (never the moderators'
// internal notes), oldest first; none when they never wrote.
func (e *MembersPages) ConversationWith(ctx context.Context, groupID, actorID string) ([]storage.Message, error) {
	c, err := storage.ConversationOf(ctx, e.DB, groupID, actorID)
	if isNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	ms, err := storage.Messages(ctx, e.DB, c.ID)
	if err != nil {
		return nil, err
	}
	out := ms[:0]
	for _, m := range ms {
		if !m.Internal {
			out = append(out, m)
		}
	}
	return out, nil
}

// WriteToModerators opens or continues a member's (or an applicant's)
// modmail conversation, as a DM to the group would; answers still arrive
// by DM.
func (e *MembersPages) WriteToModerators(ctx context.Context, groupID, actorID, text string) error {
	text, err := memberText(text, MaxModmailLength, "your message")
	if err != nil {
		return err
	}
	if st, err := e.StandingOf(ctx, groupID, actorID); err != nil {
		return err
	} else if st == NotAMember {
		return &InputError{"Only members can do that."}
	}
	return e.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		g, author, err := e.groupAndActor(ctx, tx, groupID, actorID)
		if err != nil {
			return err
		}
		c, err := storage.ConversationFor(ctx, tx, g.ID, author.ID, e.Now())
		if err != nil {
			return err
		}
		body := content.EscapeText(text)
		if err := storage.AddMessage(ctx, tx, e.Now(), &storage.Message{ConversationID: c.ID, Incoming: true, ContentHTML: body, CreatedAt: e.Now().UTC()}); err != nil {
			return err
		}
		return e.notifier.notify(ctx, tx, g, storage.NotifyModmail, c.ID, "Modmail from "+actorName(author)+" (members' pages): "+content.Excerpt(body, 120))
	})
}

// PostAnonymously puts a member's anonymous post in the review queue.
// Unlike the "anon:" DM it never passes through the member's server, and
// the group sends them nothing about it (a note would tell their server);
// the link to them is forgotten by the same rules (ForgetAnonymous).
func (e *MembersPages) PostAnonymously(ctx context.Context, groupID, actorID, text string, membersOnly bool) error {
	text, err := memberText(text, MaxAnonLength, "your post")
	if err != nil {
		return err
	}
	if err := e.mustBeMember(ctx, groupID, actorID); err != nil {
		return err
	}
	return e.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		g, err := storage.GroupByID(ctx, tx, groupID)
		if err != nil {
			return err
		}
		r := &storage.AnonRequest{GroupID: g.ID, ActorID: actorID, ContentHTML: content.EscapeText(text), MembersOnly: membersOnly}
		if err := storage.CreateAnonRequest(ctx, tx, e.Now(), r); err != nil {
			return err
		}
		return e.notifier.notify(ctx, tx, g, storage.NotifyReview, r.ID, "An anonymous post waits for review")
	})
}

// reportText checks a member's report: a reason from ReportReasons and an
// optional note; it returns the text staff see.
func reportText(reason, note string) (string, error) {
	if !slices.Contains(ReportReasons(), reason) {
		return "", &InputError{"Choose a reason."}
	}
	note = strings.TrimSpace(note)
	if utf8.RuneCountInString(note) > MaxReportNote {
		return "", &InputError{fmt.Sprintf("Please keep the note under %d characters.", MaxReportNote)}
	}
	if note != "" {
		reason += ": " + note
	}
	return reason, nil
}

// ReportAsMember files a member's report of a post in the group they can
// read (public or members-only), with a reason from ReportReasons and an
// optional note; its author is named as the reported account.
func (e *MembersPages) ReportAsMember(ctx context.Context, groupID, actorID, postID, reason, note string) error {
	return e.fileReport(ctx, groupID, actorID, reason, note, func(ctx context.Context, tx bun.Tx, g *storage.Group, text string) (*storage.Report, string, error) {
		p, err := storage.PostByID(ctx, tx, postID)
		if err != nil || p.GroupID != g.ID || p.State != storage.PostPublished || p.Visibility == storage.VisibilityDirect {
			return nil, "", fmt.Errorf("post %s: %w", postID, storage.ErrNotFound)
		}
		if p.Visibility == storage.VisibilityRegulars { // only a regular knows of it
			if ok, err := storage.IsRegular(ctx, tx, g.ID, actorID); err != nil {
				return nil, "", err
			} else if !ok {
				return nil, "", fmt.Errorf("post %s: %w", postID, storage.ErrNotFound)
			}
		}
		r := &storage.Report{ObjectIRIs: mustJSON([]string{p.IRI})}
		if p.Author != nil {
			r.TargetIRI = p.Author.IRI
		}
		return r, "A member reported a post: " + text, nil
	})
}

// fileReport is what every member's report does: the reason checked, the
// reporter a member, then in one transaction the report that build makes
// (what it is about) stored with the group, the reporter and the reason,
// and staff told with the line build gives.
func (e *MembersPages) fileReport(ctx context.Context, groupID, actorID, reason, note string,
	build func(ctx context.Context, tx bun.Tx, g *storage.Group, text string) (*storage.Report, string, error)) error {
	text, err := reportText(reason, note)
	if err != nil {
		return err
	}
	if err := e.mustBeMember(ctx, groupID, actorID); err != nil {
		return err
	}
	return e.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		g, reporter, err := e.groupAndActor(ctx, tx, groupID, actorID)
		if err != nil {
			return err
		}
		r, line, err := build(ctx, tx, g, text)
		if err != nil {
			return err
		}
		r.GroupID, r.ReporterIRI, r.Reason = g.ID, reporter.IRI, text
		if err := storage.CreateReport(ctx, tx, e.Now(), r); err != nil {
			return err
		}
		return e.notifier.notify(ctx, tx, g, storage.NotifyReport, r.ID, line)
	})
}

// ReportableMember is the account targetID, if the member actorID may
// report it in the group: someone the group shows its members — a
// member, or the named author of a post in the group (who may have left
// since). ErrNotFound for anyone else (so that the form reveals nothing
// about accounts that never showed themselves in the group); an
// InputError for the member themselves.
func (e *MembersPages) ReportableMember(ctx context.Context, groupID, actorID, targetID string) (*storage.RemoteActor, error) {
	if targetID == actorID {
		return nil, &InputError{"You cannot report yourself."}
	}
	return e.reportable(ctx, e.DB, groupID, targetID)
}

func (e *MembersPages) reportable(ctx context.Context, db bun.IDB, groupID, targetID string) (*storage.RemoteActor, error) {
	notFound := fmt.Errorf("reportable member %s: %w", targetID, storage.ErrNotFound)
	f, err := storage.FollowOf(ctx, db, groupID, targetID)
	switch {
	case err == nil && f.State == storage.FollowAccepted:
	case err != nil && !isNotFound(err):
		return nil, err
	default:
		posted, err := storage.HasNamedPostInGroup(ctx, db, groupID, targetID)
		if err != nil {
			return nil, err
		}
		if !posted {
			return nil, notFound
		}
	}
	a, err := storage.RemoteActorByID(ctx, db, targetID)
	if isNotFound(err) {
		return nil, notFound
	}
	return a, err
}

// ReportMember files a member's report of another member (ReportableMember)
// with a reason from ReportReasons and an optional note. It lands in the
// reports staff see, like a report of a post, naming the account and no
// post.
func (e *MembersPages) ReportMember(ctx context.Context, groupID, actorID, targetID, reason, note string) error {
	if targetID == actorID {
		return &InputError{"You cannot report yourself."}
	}
	return e.fileReport(ctx, groupID, actorID, reason, note, func(ctx context.Context, tx bun.Tx, g *storage.Group, text string) (*storage.Report, string, error) {
		target, err := e.reportable(ctx, tx, g.ID, targetID)
		if err != nil {
			return nil, "", err
		}
		return &storage.Report{TargetIRI: target.IRI, ObjectIRIs: "[]"}, "A member reported " + actorName(target) + ": " + text, nil
	})
}

// LeaveGroup ends a membership (or withdraws a request) from the members'
// pages: the follow is removed here and the member's server gets a Reject
// of their Follow, so it stops showing them as following the group.
func (e *MembersPages) LeaveGroup(ctx context.Context, groupID, actorID string) error {
	defer e.out.MembersChanged()
	return e.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		g, actor, err := e.groupAndActor(ctx, tx, groupID, actorID)
		if err != nil {
			return err
		}
		f, err := storage.FollowOf(ctx, tx, g.ID, actor.ID)
		if err != nil {
			return err
		}
		follow, err := vocab.ParseActivity(ctx, []byte(f.ActivityRaw))
		if err != nil {
			return fmt.Errorf("stored follow of %s: %w", actor.IRI, err)
		}
		if err := storage.DeleteFollow(ctx, tx, e.Now(), f.ID); err != nil {
			return err
		}
		if err := storage.Notify(ctx, tx, storage.Invalidation{What: storage.InvalidateMembers}); err != nil {
			return err
		}
		return e.membership.answerFollow(ctx, tx, g, actor, follow, false)
	})
}

// groupAndActor loads a group and an actor by id.
func (e *MembersPages) groupAndActor(ctx context.Context, db bun.IDB, groupID, actorID string) (*storage.Group, *storage.RemoteActor, error) {
	g, err := storage.GroupByID(ctx, db, groupID)
	if err != nil {
		return nil, nil, err
	}
	a, err := storage.RemoteActorByID(ctx, db, actorID)
	if err != nil {
		return nil, nil, err
	}
	return g, a, nil
}

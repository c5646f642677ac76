package community

// Privacy and safety for micro-communities: what happens to direct
// messages (modmail, anonymous posts, reports, join answers), members-only
// posts, feedback to authors, and the anti-spam screening of posts.
//
// Decisions (see docs/owners-guide.md):
//   - A member's followers-only post that mentions the group is members-only
//     discussion: the group republishes it as its own post, addressed to its
//     members only, crediting the author with a link to the original.
//   - A direct message to the group is a command when its text starts with
//     one ("anon:", "anon members:", "report"), the answer to the join
//     questions when the sender's follow request is pending, and modmail
//     otherwise.

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/kith-social/kith/federation/content"
	"github.com/kith-social/kith/federation/outbox"
	"github.com/kith-social/kith/federation/vocab"
	"github.com/kith-social/kith/storage"
)

// feedbackEvery is the shortest interval between two feedback DMs from a
// group to one author, so a busy review session does not flood them.
const feedbackEvery = time.Minute

// sharePost makes a newly published post reach the members: public posts
// are announced; members-only ones are republished by the group.
func (e *Posting) sharePost(ctx context.Context, tx bun.Tx, g *storage.Group, p *storage.Post, author *storage.RemoteActor) error {
	share := e.announcePost
	if !p.IsPublicish() {
		share = e.republishMembersOnly
	}
	if err := share(ctx, tx, g, p, author); err != nil {
		return err
	}
	if author == nil {
		return nil
	}
	return e.reconsiderLevel(ctx, tx, g, author.ID) // a published post may earn a level (trust.go)
}

// republishMembersOnly publishes a member's members-only post as the
// group's own post, addressed to the group's followers only, so every
// member sees it (Mastodon cannot show a boost of a non-public post).
func (e *Posting) republishMembersOnly(ctx context.Context, tx bun.Tx, g *storage.Group, src *storage.Post, author *storage.RemoteActor) error {
	handle := "@" + author.Username + "@" + author.Host
	profile := author.URL
	if profile == "" {
		profile = author.IRI
	}
	credit := fmt.Sprintf(`<p>Shared with the members by <a href="%s" class="u-url mention">%s</a> (<a href="%s">original</a>):</p>`,
		html.EscapeString(profile), html.EscapeString(handle), html.EscapeString(src.URL))
	now := e.Stamp(src.PublishedAt)
	p := &storage.Post{
		ID: storage.NewID(), GroupID: g.ID, Kind: "Note", Summary: src.Summary, Sensitive: src.Sensitive,
		ContentHTML: e.HTML.Sanitize(credit + src.ContentHTML), Visibility: storage.VisibilityFollowers,
		State: storage.PostPublished, SourceIRI: src.IRI, CreditActorID: author.ID, PublishedAt: now, CreatedAt: now,
	}
	return e.publishGroupPost(ctx, tx, g, p, PostInput{MembersOnly: true}, Staff{Name: "kith"}, "republish_members_only")
}

// publishGroupPost stores p (a post by the group itself, its IRI still
// unset) and sends its Create to its audience (p.Visibility: the members,
// or the regulars only); logAction, if set, goes to the moderation log as
// done by `by`.
func (e *core) publishGroupPost(ctx context.Context, tx bun.Tx, g *storage.Group, p *storage.Post, in PostInput, by Staff, logAction string) error {
	p.IRI = e.IRI.Post(g.Name, p.ID)
	p.URL = p.IRI
	if p.RootID == "" {
		p.RootID = p.ID // a new thread; a relayed reply (regulars.go) has its thread
	}
	aud, err := e.audienceOf(ctx, tx, g, p.Visibility)
	if err != nil {
		return err
	}
	if aud.regulars && len(aud.to) == 0 {
		return errNoRegulars
	}
	note, err := e.note(g, p, aud, in.Attachments)
	if err != nil {
		return err
	}
	createID := e.IRI.PostActivity(g.Name, p.ID)
	create, err := vocab.Create(createID, e.IRI.Group(g.Name), note, aud.to, aud.cc)
	if err != nil {
		return fmt.Errorf("build Create: %w", err)
	}
	p.ObjectRaw, p.ActivityRaw = string(note), string(create)
	if err := storage.CreatePost(ctx, tx, e.Now(), p); err != nil {
		return err
	}
	if logAction != "" {
		if err := e.logAction(ctx, tx, g, by, logAction, p.IRI, ""); err != nil {
			return err
		}
	}
	return e.out.Publish(ctx, tx, g, outbox.Activity{IRI: createID, Type: "Create", ObjectIRI: p.IRI, Body: create, Public: aud.public}, aud.deliver())
}

// directMessage sends a private Note from the group to one person; it is
// kept in the group's (non-public) outbox and returns the Note's IRI.
func (e *core) directMessage(ctx context.Context, tx bun.Tx, g *storage.Group, to *storage.RemoteActor, bodyHTML, inReplyTo string) (string, error) {
	handle := "@" + to.Username
	profile := to.URL
	if profile == "" {
		profile = to.IRI
	}
	mention := fmt.Sprintf(`<span class="h-card"><a href="%s" class="u-url mention">%s</a></span> `, html.EscapeString(profile), html.EscapeString(handle))
	actID := storage.NewID()
	id, noteID := e.IRI.Activity(g.Name, actID), e.IRI.ActivityNote(g.Name, actID)
	note, err := vocab.NoteJSON(vocab.Note{
		ID: noteID, AttributedTo: e.IRI.Group(g.Name), ContentHTML: mention + bodyHTML, InReplyTo: inReplyTo,
		To: []string{to.IRI}, Tags: []vocab.Tag{{Type: "Mention", Href: to.IRI, Name: "@" + to.Username + "@" + to.Host}},
		Published: e.Stamp(time.Time{}),
	})
	if err != nil {
		return "", fmt.Errorf("build DM: %w", err)
	}
	create, err := vocab.Create(id, e.IRI.Group(g.Name), note, []string{to.IRI}, nil)
	if err != nil {
		return "", fmt.Errorf("build DM: %w", err)
	}
	return noteID, e.out.Publish(ctx, tx, g, outbox.Activity{IRI: id, Type: "Create", ObjectIRI: noteID, Body: create}, outbox.To(to.DeliveryInbox()))
}

// feedback tells an author by DM what happened to their post, when the
// group wants it and the author was not told something in the last minute.
func (e *core) feedback(ctx context.Context, tx bun.Tx, g *storage.Group, author *storage.RemoteActor, text string) error {
	if !g.FeedbackDMs || author == nil {
		return nil
	}
	ok, err := storage.FeedbackAllowed(ctx, tx, g.ID, author.ID, e.Now(), feedbackEvery)
	if err != nil || !ok {
		return err
	}
	_, err = e.directMessage(ctx, tx, g, author, "<p>"+html.EscapeString(text)+"</p>", "")
	return err
}

// screen applies a group's anti-spam rules to a post: refuse is a reason
// to drop it, hold a reason to send it to the review queue.
func (e *Moderation) screen(ctx context.Context, tx bun.IDB, g *storage.Group, obj *vocab.Object, author *storage.RemoteActor) (hold, refuse string, err error) {
	if g.MaxGroupMentions > 0 {
		n, err := e.countGroupMentions(ctx, tx, obj)
		if err != nil {
			return "", "", err
		}
		if n > g.MaxGroupMentions {
			return "", fmt.Sprintf("mentions %d groups, more than %d", n, g.MaxGroupMentions), nil
		}
	}
	if hold, err := e.flaggedHold(ctx, tx, g, author); err != nil || hold != "" { // trust.go
		return hold, "", err
	}
	trust, err := storage.TrustOf(ctx, tx, author.Host)
	if err != nil {
		return "", "", err
	}
	switch trust {
	case storage.TrustReview:
		return "posts from " + author.Host + " are always reviewed", "", nil
	case storage.TrustTrusted:
		return "", "", nil
	}
	if g.MinAccountAgeDays > 0 && !author.PublishedAt.IsZero() &&
		e.Now().Sub(author.PublishedAt) < time.Duration(g.MinAccountAgeDays)*24*time.Hour {
		return fmt.Sprintf("the account is younger than %d days", g.MinAccountAgeDays), "", nil
	}
	if hold, err := e.newcomerHold(ctx, tx, g, author); err != nil || hold != "" { // trust levels (trust.go)
		return hold, "", err
	}
	if kw := matchKeyword(g.ReviewKeywords, obj); kw != "" {
		return "it contains a word the moderators review (" + kw + ")", "", nil
	}
	return "", "", nil
}

// countGroupMentions counts the Mention tags that name a group, local or
// a remote one we know.
func (e *Moderation) countGroupMentions(ctx context.Context, db bun.IDB, obj *vocab.Object) (int, error) {
	var hrefs []string
	n := 0
	for _, t := range obj.Tags {
		if t.Type != "Mention" || t.Href == "" || slices.Contains(hrefs, t.Href) {
			continue
		}
		hrefs = append(hrefs, t.Href)
		if _, ok := e.IRI.IsGroup(t.Href); ok {
			n++
		}
	}
	remote, err := storage.CountRemoteGroups(ctx, db, hrefs)
	if err != nil {
		return 0, err
	}
	return n + remote, nil
}

// matchKeyword returns the first review keyword (one per line, case-
// insensitive) found in the post's text, or "".
func matchKeyword(rules string, obj *vocab.Object) string {
	if strings.TrimSpace(rules) == "" {
		return ""
	}
	text := strings.ToLower(content.PlainText(obj.Content) + " " + obj.Name + " " + obj.Summary)
	for _, line := range strings.Split(rules, "\n") {
		kw := strings.ToLower(strings.TrimSpace(line))
		if kw != "" && strings.Contains(text, kw) {
			return kw
		}
	}
	return ""
}

// onDirectMessage handles a private message to the group.
func (e *Modmail) onDirectMessage(ctx context.Context, g *storage.Group, act *vocab.Activity, obj *vocab.Object, author *storage.RemoteActor) error {
	text := commandText(obj.Content)
	lower := strings.ToLower(text)
	return e.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		member, pending := false, (*storage.Follow)(nil)
		if f, err := storage.FollowOf(ctx, tx, g.ID, author.ID); err == nil {
			member = f.State == storage.FollowAccepted
			if f.State == storage.FollowPending {
				pending = f
			}
		} else if !isNotFound(err) {
			return err
		}
		switch {
		case strings.HasPrefix(lower, "anon members:"), strings.HasPrefix(lower, "anon-members:"):
			return e.moderation.anonRequest(ctx, tx, g, act, author, member, strings.TrimSpace(text[len("anon members:"):]), true)
		case strings.HasPrefix(lower, "anon:"):
			return e.moderation.anonRequest(ctx, tx, g, act, author, member, strings.TrimSpace(text[len("anon:"):]), false)
		case lower == "report" || strings.HasPrefix(lower, "report ") || strings.HasPrefix(lower, "report:"):
			reason := strings.TrimSpace(strings.TrimLeft(text[len("report"):], ": "))
			return e.moderation.memberReport(ctx, tx, g, act, obj, author, reason)
		case isInviteCommand(lower): // invite (invitation.go)
			return e.belonging.inviteCommand(ctx, tx, g, obj.ID, author)
		case trustCommand(lower): // level on/off (trust.go)
			return e.belonging.levelCommand(ctx, tx, g, obj.ID, author, member, lower)
		case belongingCommand(lower): // directory on/off, intro (belonging.go)
			return e.belonging.memberCommand(ctx, tx, g, obj, author, member, lower)
		case pending != nil:
			answer := strings.TrimSpace(strings.TrimSpace(pending.JoinAnswer) + "\n\n" + text)
			return storage.SetJoinAnswer(ctx, tx, pending.ID, answer)
		default:
			return e.modmailIn(ctx, tx, g, obj, author)
		}
	})
}

// commandText is a DM's text without the leading mentions of the group.
func commandText(contentHTML string) string {
	text := strings.TrimSpace(content.PlainText(contentHTML))
	for strings.HasPrefix(text, "@") {
		_, rest, ok := strings.Cut(text, " ")
		if !ok {
			return ""
		}
		text = strings.TrimSpace(rest)
	}
	return text
}

// anonRequest keeps a member's anonymous post for review.
func (e *Moderation) anonRequest(ctx context.Context, tx bun.Tx, g *storage.Group, act *vocab.Activity, author *storage.RemoteActor, member bool, text string, membersOnly bool) error {
	if !member {
		_, err := e.directMessage(ctx, tx, g, author, "<p>Only members can post anonymously through this group.</p>", "")
		return err
	}
	if text == "" {
		_, err := e.directMessage(ctx, tx, g, author, "<p>Write your post after “anon:”, for example: anon: I need advice about…</p>", "")
		return err
	}
	r := &storage.AnonRequest{GroupID: g.ID, ActorID: author.ID, IRI: act.ID, ContentHTML: content.EscapeText(text), MembersOnly: membersOnly}
	if err := storage.CreateAnonRequest(ctx, tx, e.Now(), r); err != nil {
		return err
	}
	if err := e.notifier.notify(ctx, tx, g, storage.NotifyReview, r.ID, "An anonymous post waits for review"); err != nil {
		return err
	}
	return e.anonReply(ctx, tx, g, r, author, "<p>Thank you. The moderators will review your anonymous post; if they approve it, the group publishes it without your name.</p>") // anonymous.go
}

// DecideAnonymous approves (the group publishes the post without naming
// anyone) or rejects an anonymous post request.
func (e *Moderation) DecideAnonymous(ctx context.Context, requestID string, approve bool, reason string, by Staff) (*storage.Post, error) {
	var published *storage.Post
	err := e.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		r, err := storage.AnonRequestByID(ctx, tx, requestID)
		if err != nil {
			return err
		}
		g, err := storage.GroupByID(ctx, tx, r.GroupID)
		if err != nil {
			return err
		}
		if r.State != storage.AnonPending {
			return fmt.Errorf("anonymous request %s was already decided", requestID)
		}
		if err := storage.ResolveNotifications(ctx, tx, e.Now(), g.ID, storage.NotifyReview, r.ID); err != nil {
			return err
		}
		if !approve {
			if err := storage.DecideAnonRequest(ctx, tx, e.Now(), r.ID, storage.AnonRejected, "", reason); err != nil {
				return err
			}
			if err := e.logAction(ctx, tx, g, by, "reject_anonymous", r.ID, reason); err != nil {
				return err
			}
			return e.anonFeedback(ctx, tx, g, r, "The moderators did not publish your anonymous post. "+reason)
		}
		now := e.Stamp(time.Time{})
		p := &storage.Post{
			ID: storage.NewID(), GroupID: g.ID, Kind: "Note", ContentHTML: e.HTML.Sanitize(r.ContentHTML),
			Visibility: storage.VisibilityPublic, State: storage.PostPublished, Anonymous: true, PublishedAt: now, CreatedAt: now,
		}
		if r.MembersOnly {
			p.Visibility = storage.VisibilityFollowers
		}
		if err := e.publishGroupPost(ctx, tx, g, p, PostInput{MembersOnly: r.MembersOnly}, by, ""); err != nil {
			return err
		}
		if err := storage.DecideAnonRequest(ctx, tx, e.Now(), r.ID, storage.AnonApproved, p.ID, reason); err != nil {
			return err
		}
		if err := e.logAction(ctx, tx, g, by, "approve_anonymous", p.IRI, reason); err != nil {
			return err
		}
		published = p
		return e.anonFeedback(ctx, tx, g, r, "Your anonymous post was published by the group.")
	})
	return published, err
}

// memberReport turns "report <reason>" in a DM that replies to a post
// into a report; Mastodon sends its own reports to the author's server,
// so this is how members reach the group's moderators.
func (e *Moderation) memberReport(ctx context.Context, tx bun.Tx, g *storage.Group, act *vocab.Activity, obj *vocab.Object, author *storage.RemoteActor, reason string) error {
	if obj.InReplyTo == "" {
		_, err := e.directMessage(ctx, tx, g, author, "<p>To report a post, reply to it, mention the group, choose “mentioned people only”, and write: report and the reason.</p>", obj.ID)
		return err
	}
	r := &storage.Report{GroupID: g.ID, ActivityIRI: act.ID, ReporterIRI: author.IRI, Reason: reason}
	objects := []string{obj.InReplyTo}
	if posts, err := storage.PostsByIRI(ctx, tx, obj.InReplyTo); err == nil && len(posts) > 0 && posts[0].Author != nil {
		r.TargetIRI = posts[0].Author.IRI
	}
	oj, _ := json.Marshal(objects)
	r.ObjectIRIs = string(oj)
	if err := storage.CreateReport(ctx, tx, e.Now(), r); err != nil {
		return err
	}
	if err := e.notifier.notify(ctx, tx, g, storage.NotifyReport, r.ID, "A member reported a post: "+reason); err != nil {
		return err
	}
	_, err := e.directMessage(ctx, tx, g, author, "<p>Thank you, the moderators have your report.</p>", obj.ID)
	return err
}

// SubmitWebReport stores a report made with the form on a public thread
// page (the reporter may leave a contact handle).
func (e *Moderation) SubmitWebReport(ctx context.Context, groupName, postID, reason, contact string) error {
	g, err := storage.GroupByName(ctx, e.DB, groupName)
	if err != nil {
		return err
	}
	p, err := storage.PostByID(ctx, e.DB, postID)
	if err != nil || p.GroupID != g.ID || p.State != storage.PostPublished || !p.IsPublicish() {
		return fmt.Errorf("post %s: %w", postID, storage.ErrNotFound)
	}
	reason = strings.TrimSpace(reason)
	if reason == "" || len(reason) > 2000 {
		return fmt.Errorf("%w: say in up to 2000 characters what is wrong", ErrInvalidPost)
	}
	r := &storage.Report{GroupID: g.ID, ReporterIRI: strings.TrimSpace(contact), Reason: reason, ObjectIRIs: mustJSON([]string{p.IRI})}
	if p.Author != nil {
		r.TargetIRI = p.Author.IRI
	}
	return storage.CreateReport(ctx, e.DB, e.Now(), r)
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// modmailIn files a DM in the group's modmail.
func (e *Modmail) modmailIn(ctx context.Context, tx bun.Tx, g *storage.Group, obj *vocab.Object, author *storage.RemoteActor) error {
	c, err := storage.ConversationFor(ctx, tx, g.ID, author.ID, e.Now())
	if err != nil {
		return err
	}
	err = storage.AddMessage(ctx, tx, e.Now(), &storage.Message{
		ConversationID: c.ID, Incoming: true, IRI: obj.ID, ContentHTML: e.HTML.Sanitize(obj.Content), CreatedAt: e.Now().UTC(),
	})
	if err != nil {
		return err
	}
	return e.notifier.notify(ctx, tx, g, storage.NotifyModmail, obj.ID, "Modmail from "+actorName(author)+": "+content.Excerpt(obj.Content, 120))
}

func actorName(a *storage.RemoteActor) string {
	if a.Name != "" {
		return a.Name
	}
	return "@" + a.Username + "@" + a.Host
}

// ReplyModmail answers a modmail conversation as the group: a DM the
// person sees in their own client. internal keeps it as a note between
// moderators instead.
func (e *Modmail) ReplyModmail(ctx context.Context, conversationID, markdown string, internal bool, by Staff) error {
	if strings.TrimSpace(markdown) == "" {
		return fmt.Errorf("%w: write a message", ErrInvalidPost)
	}
	body, err := e.HTML.Markdown(markdown)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrInvalidPost, err)
	}
	return e.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		c, err := storage.ConversationByID(ctx, tx, conversationID)
		if err != nil {
			return err
		}
		m := &storage.Message{ConversationID: c.ID, ContentHTML: body, StaffName: by.Name, Internal: internal, CreatedAt: e.Now().UTC()}
		if !internal {
			g, err := storage.GroupByID(ctx, tx, c.GroupID)
			if err != nil {
				return err
			}
			last := ""
			if ms, err := storage.Messages(ctx, tx, c.ID); err == nil {
				for i := len(ms) - 1; i >= 0; i-- {
					if ms[i].Incoming {
						last = ms[i].IRI
						break
					}
				}
			}
			if m.IRI, err = e.directMessage(ctx, tx, g, c.Actor, body, last); err != nil {
				return err
			}
			// Answered: its notifications are dealt with.
			if err := storage.ResolveConversationNotifications(ctx, tx, e.Now(), c); err != nil {
				return err
			}
		}
		return storage.AddMessage(ctx, tx, e.Now(), m)
	})
}

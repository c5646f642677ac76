package community

// Belonging: the welcome DM, member commands by DM (directory
// on/off, intro), badges the group announces, the periodic digest and the
// plain-boost switch. Events are in event.go.
//
// Decisions (see docs/owners-guide.md, "Belonging"):
//   - DM commands, like "anon:" and "report": "directory on" / "directory
//     off" list or unlist the member in the group's directory; "intro" in
//     a DM that replies to one of their own posts in the group makes that
//     post their intro (without a chosen post, the intro is their answer to
//     the join questions).
//   - A badge award can be announced: the group publishes a public Note
//     that mentions and congratulates the member (so their server notifies
//     them).
//   - The digest is a group Note (public): the period's top threads by
//     replies + likes and the upcoming events. A periodic job checks every
//     quarter of an hour which groups are due; storage.ClaimDigest makes one
//     process publish it once.
//   - With plain boosts off, members' posts are still announced per
//     FEP-1b12 (group-aware software shows them), but Mastodon-family
//     timelines only get the group's own posts and the digest.

import (
	"context"
	"errors"
	"fmt"
	"html"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/riverqueue/river"
	"github.com/uptrace/bun"

	"github.com/kith-social/kith/federation/outbox"
	"github.com/kith-social/kith/federation/vocab"
	"github.com/kith-social/kith/storage"
)

// digestCheckEvery is how often the periodic job looks for due digests.
const digestCheckEvery = 15 * time.Minute

// addBelongingWorkers registers the jobs of events and digests and returns
// their periodic jobs.
func (c *Community) addBelongingWorkers(workers *river.Workers) []*river.PeriodicJob {
	river.AddWorker(workers, &eventReminderWorker{e: c.Events})
	river.AddWorker(workers, &digestWorker{e: c.Belonging})
	return []*river.PeriodicJob{river.NewPeriodicJob(river.PeriodicInterval(digestCheckEvery),
		func() (river.JobArgs, *river.InsertOpts) { return digestArgs{}, nil }, nil)}
}

// BelongingSettings returns a group's belonging settings.
func (e *Belonging) BelongingSettings(ctx context.Context, groupName string) (*storage.BelongingSettings, error) {
	g, err := storage.GroupByName(ctx, e.DB, groupName)
	if err != nil {
		return nil, err
	}
	return storage.BelongingSettingsOf(ctx, e.DB, g.ID)
}

// MaxWelcomeLength bounds the welcome template.
const MaxWelcomeLength = 2000

// DefaultWelcomeTemplate is the welcome message the admin suggests before
// staff write their own: what a new member can do, in their own app.
const DefaultWelcomeTemplate = `Welcome to {group}, {name}!

To post to everyone, write a public post that mentions {handle}. Replies in a thread reach the group too; a followers-only post that mentions the group goes to the members only.

By direct message to the group:
- "anon: your text" posts without your name (a moderator reviews it first);
- "intro", as a reply to one of your own posts, makes it your introduction;
- "directory on" lists you in the member directory ("directory off" to leave it);
- "report: the reason", as a reply to a post, reports it to the moderators;
- anything else reaches the moderators, who answer as the group.`

// SaveBelongingSettings stores a group's belonging settings and logs it.
func (e *Belonging) SaveBelongingSettings(ctx context.Context, groupName string, s *storage.BelongingSettings, by Staff) error {
	if err := storage.ValidateDigest(s.Digest); err != nil {
		return fmt.Errorf("%w: %v", ErrInvalidPost, err)
	}
	if utf8.RuneCountInString(s.WelcomeTemplate) > MaxWelcomeLength {
		return fmt.Errorf("%w: the welcome message is limited to %d characters", ErrInvalidPost, MaxWelcomeLength)
	}
	g, err := storage.GroupByName(ctx, e.DB, groupName)
	if err != nil {
		return err
	}
	s.GroupID = g.ID
	return e.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := storage.SaveBelongingSettings(ctx, tx, e.Now(), s); err != nil {
			return err
		}
		return e.logAction(ctx, tx, g, by, "belonging_settings", g.Name, "")
	})
}

// plainBoostsOff tells whether a group sends no plain boosts (announcePost).
func (e *Belonging) plainBoostsOff(ctx context.Context, tx bun.IDB, g *storage.Group) (bool, error) {
	s, err := storage.BelongingSettingsOf(ctx, tx, g.ID)
	if err != nil {
		return false, err
	}
	return !s.PlainBoosts, nil
}

// welcome sends a new member the group's welcome DM, once per membership
// (storage.MarkWelcomed), when the group has a welcome template. It is
// called where a follow becomes accepted.
func (e *Belonging) welcome(ctx context.Context, tx bun.Tx, g *storage.Group, actor *storage.RemoteActor) error {
	s, err := storage.BelongingSettingsOf(ctx, tx, g.ID)
	if err != nil || strings.TrimSpace(s.WelcomeTemplate) == "" {
		return err
	}
	welcomed, err := storage.IsWelcomed(ctx, tx, g.ID, actor.ID)
	if err != nil || welcomed {
		return err
	}
	name := actor.Name
	if strings.TrimSpace(name) == "" {
		name = actor.Username
	}
	handle := "@" + g.Name + "@" + e.IRI.Domain()
	text := strings.NewReplacer("{name}", name, "{group}", g.Title, "{handle}", handle).Replace(s.WelcomeTemplate)
	if _, err := e.directMessage(ctx, tx, g, actor, textParagraphs(text), ""); err != nil {
		return err
	}
	return storage.MarkWelcomed(ctx, tx, g.ID, actor.ID, e.Now())
}

// textParagraphs turns plain text into escaped HTML paragraphs.
func textParagraphs(text string) string {
	var b strings.Builder
	for _, para := range strings.Split(strings.ReplaceAll(strings.TrimSpace(text), "\r\n", "\n"), "\n\n") {
		if para = strings.TrimSpace(para); para != "" {
			b.WriteString("<p>" + strings.ReplaceAll(html.EscapeString(para), "\n", "<br>") + "</p>")
		}
	}
	return b.String()
}

// belongingCommand reports whether a DM's text (lower case) is one of the
// member commands handled by memberCommand.
func belongingCommand(lower string) bool {
	switch strings.TrimRight(lower, ".! ") {
	case "directory on", "directory off", "intro":
		return true
	}
	return false
}

// memberCommand runs a member's DM command: "directory on", "directory
// off", or "intro" (in reply to one of their posts in the group).
func (e *Belonging) memberCommand(ctx context.Context, tx bun.Tx, g *storage.Group, obj *vocab.Object, author *storage.RemoteActor, member bool, lower string) error {
	reply := func(msg string) error {
		_, err := e.directMessage(ctx, tx, g, author, "<p>"+html.EscapeString(msg)+"</p>", obj.ID)
		return err
	}
	if !member {
		return reply("Only members of " + g.Title + " can do that.")
	}
	switch strings.TrimRight(lower, ".! ") {
	case "directory on":
		if err := storage.SetInDirectory(ctx, tx, e.Now(), g.ID, author.ID, true); err != nil {
			return err
		}
		return reply("You are now listed in the member directory of " + g.Title + ". Send “directory off” to leave it.")
	case "directory off":
		if err := storage.SetInDirectory(ctx, tx, e.Now(), g.ID, author.ID, false); err != nil {
			return err
		}
		return reply("You are no longer listed in the member directory of " + g.Title + ".")
	default: // intro
		if obj.InReplyTo == "" {
			return reply("To choose your intro, reply to one of your posts in the group with “intro” (mentioned people only).")
		}
		p, err := storage.PostByIRI(ctx, tx, g.ID, obj.InReplyTo)
		if isNotFound(err) || err == nil && (p.AuthorID != author.ID || p.State != storage.PostPublished) {
			return reply("That post is not one of your posts in " + g.Title + ".")
		}
		if err != nil {
			return err
		}
		if err := storage.SetIntroPost(ctx, tx, e.Now(), g.ID, author.ID, p.ID); err != nil {
			return err
		}
		return reply("Thanks! That post is now your intro in " + g.Title + ".")
	}
}

// AwardBadge gives a member a badge. With announce, the group publishes a
// public Note that mentions and congratulates them.
func (e *Belonging) AwardBadge(ctx context.Context, groupName, badgeID, actorID, note string, announce bool, by Staff) error {
	note = strings.TrimSpace(note)
	if utf8.RuneCountInString(note) > 500 {
		return fmt.Errorf("%w: the note is limited to 500 characters", ErrInvalidPost)
	}
	g, err := storage.GroupByName(ctx, e.DB, groupName)
	if err != nil {
		return err
	}
	b, err := storage.BadgeByID(ctx, e.DB, g.ID, badgeID)
	if err != nil {
		return err
	}
	actor, err := storage.RemoteActorByID(ctx, e.DB, actorID)
	if err != nil {
		return err
	}
	err = e.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		f, err := storage.FollowOf(ctx, tx, g.ID, actor.ID)
		if isNotFound(err) || err == nil && f.State != storage.FollowAccepted {
			return fmt.Errorf("%w: %s is not a member", ErrInvalidPost, handle(actor))
		} else if err != nil {
			return err
		}
		award := &storage.BadgeAward{BadgeID: b.ID, ActorID: actor.ID, Note: note, StaffName: by.Name, CreatedAt: e.Now().UTC()}
		if err := storage.AwardBadge(ctx, tx, e.Now(), award); err != nil {
			return err
		}
		if err := e.logAction(ctx, tx, g, by, "award_badge", actor.IRI, b.Label); err != nil {
			return err
		}
		if !announce {
			return nil
		}
		profile := actor.URL
		if profile == "" {
			profile = actor.IRI
		}
		body := fmt.Sprintf(`<p>Congratulations <span class="h-card"><a href="%s" class="u-url mention">@%s</a></span>! You've earned the %s badge in %s.</p>`,
			html.EscapeString(profile), html.EscapeString(actor.Username), html.EscapeString(strings.TrimSpace(b.Emoji+" "+b.Label)), html.EscapeString(g.Title))
		if note != "" {
			body += "<p>" + html.EscapeString(note) + "</p>"
		}
		p, err := e.publishMentioning(ctx, tx, g, body, actor, "announce_badge")
		if err != nil {
			return err
		}
		return storage.SetAwardPost(ctx, tx, award.ID, p.ID)
	})
	if errors.Is(err, storage.ErrConflict) {
		return fmt.Errorf("%w: %s has this badge already", ErrInvalidPost, handle(actor))
	}
	return err
}

// publishMentioning publishes a public group Note that mentions someone
// (cc'd and sent to their inbox, so their server notifies them).
func (e *Belonging) publishMentioning(ctx context.Context, tx bun.Tx, g *storage.Group, bodyHTML string, who *storage.RemoteActor, action string) (*storage.Post, error) {
	now := e.Stamp(time.Time{})
	p := &storage.Post{
		ID: storage.NewID(), GroupID: g.ID, Kind: "Note", ContentHTML: e.HTML.Sanitize(bodyHTML),
		Visibility: storage.VisibilityPublic, State: storage.PostPublished, PublishedAt: now, CreatedAt: now,
	}
	p.IRI = e.IRI.Post(g.Name, p.ID)
	p.URL, p.RootID = p.IRI, p.ID
	groupIRI := e.IRI.Group(g.Name)
	to, cc := e.addressing(g, false)
	cc = append(cc, who.IRI)
	note, err := vocab.NoteJSON(vocab.Note{
		ID: p.IRI, AttributedTo: groupIRI, ContentHTML: p.ContentHTML, URL: p.IRI, Audience: groupIRI, To: to, Cc: cc,
		Tags: []vocab.Tag{
			{Type: "Mention", Href: groupIRI, Name: "@" + g.Name + "@" + e.IRI.Domain()},
			{Type: "Mention", Href: who.IRI, Name: handle(who)},
		},
		Published: now,
	})
	if err != nil {
		return nil, err
	}
	createID := e.IRI.PostActivity(g.Name, p.ID)
	create, err := vocab.Create(createID, groupIRI, note, to, cc)
	if err != nil {
		return nil, fmt.Errorf("build Create: %w", err)
	}
	p.ObjectRaw, p.ActivityRaw = string(note), string(create)
	if err := storage.CreatePost(ctx, tx, e.Now(), p); err != nil {
		return nil, err
	}
	if err := e.logAction(ctx, tx, g, Staff{Name: "kith"}, action, p.IRI, ""); err != nil {
		return nil, err
	}
	return p, e.out.Publish(ctx, tx, g, outbox.Activity{IRI: createID, Type: "Create", ObjectIRI: p.IRI, Body: create, Public: true}, outbox.Members(who.DeliveryInbox()))
}

// digestPeriod is the length of a digest period.
func digestPeriod(d string) time.Duration {
	if d == storage.DigestDaily {
		return 24 * time.Hour
	}
	return 7 * 24 * time.Hour
}

// digestArgs is the periodic job that publishes due digests.
type digestArgs struct{}

func (digestArgs) Kind() string { return "group_digest" }

func (digestArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 3} }

type digestWorker struct {
	river.WorkerDefaults[digestArgs]
	e *Belonging
}

func (w *digestWorker) Work(ctx context.Context, _ *river.Job[digestArgs]) error {
	_, err := w.e.SendDueDigests(ctx)
	return err
}

// SendDueDigests publishes the digest of every group whose digest is on
// and whose last one is a period old (or that never had one). It returns
// how many it published; a group with nothing to tell is skipped (and
// checked again next time).
func (e *Belonging) SendDueDigests(ctx context.Context) (int, error) {
	settings, err := storage.GroupsWithDigest(ctx, e.DB)
	if err != nil {
		return 0, err
	}
	n := 0
	var errs []error
	for _, s := range settings {
		now := e.Now()
		period := digestPeriod(s.Digest)
		// A little slack, so a check every quarter of an hour does not
		// push each digest a quarter of an hour later than the last.
		due := now.Add(-period + digestCheckEvery)
		g, err := storage.GroupByID(ctx, e.DB, s.GroupID)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if g.Moved() {
			continue // its members follow the new group now (move.go)
		}
		var published bool
		err = e.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
			claimed, err := storage.ClaimDigest(ctx, tx, g.ID, due, now)
			if err != nil || !claimed {
				return err
			}
			p, err := e.digestPost(ctx, tx, g, now.Add(-period), now, period)
			if err != nil {
				return err
			}
			if p == nil {
				return errNothingToTell // roll the claim back
			}
			published = true
			if err := e.publishGroupPost(ctx, tx, g, p, PostInput{}, Staff{Name: "kith"}, "publish_digest"); err != nil {
				return err
			}
			return e.digestByDM(ctx, tx, g, p) // memberweb_profile.go
		})
		if err != nil && !errors.Is(err, errNothingToTell) {
			errs = append(errs, fmt.Errorf("digest of %s: %w", g.Name, err))
			continue
		}
		if published {
			n++
		}
	}
	return n, errors.Join(errs...)
}

// errNothingToTell rolls back the claim of a digest with nothing in it.
var errNothingToTell = errors.New("nothing to tell")

// PublishDigest publishes a group's digest of the last period now,
// whatever its schedule (staff's "send now"). It returns nil, nil when
// there is nothing to tell.
func (e *Belonging) PublishDigest(ctx context.Context, groupName string, by Staff) (*storage.Post, error) {
	g, err := storage.GroupByName(ctx, e.DB, groupName)
	if err != nil {
		return nil, err
	}
	s, err := storage.BelongingSettingsOf(ctx, e.DB, g.ID)
	if err != nil {
		return nil, err
	}
	period := digestPeriod(s.Digest)
	now := e.Now()
	var out *storage.Post
	err = e.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		p, err := e.digestPost(ctx, tx, g, now.Add(-period), now, period)
		if err != nil || p == nil {
			return err
		}
		out = p
		if err := e.publishGroupPost(ctx, tx, g, p, PostInput{}, Staff{Name: "kith"}, "publish_digest"); err != nil {
			return err
		}
		return e.digestByDM(ctx, tx, g, p) // memberweb_profile.go
	})
	return out, err
}

// digestPost builds (does not store) the digest of [from, to): the top
// threads and the events starting within the next period. nil when there
// is nothing to tell.
func (e *Belonging) digestPost(ctx context.Context, tx bun.IDB, g *storage.Group, from, to time.Time, period time.Duration) (*storage.Post, error) {
	threads, err := storage.TopThreads(ctx, tx, g.ID, from, to, 5)
	if err != nil {
		return nil, err
	}
	notCancelled := false
	events, err := storage.ListEvents(ctx, tx, storage.EventFilter{
		GroupID: g.ID, PublicOnly: true, StartsFrom: to, StartsTo: to.Add(2 * period), Cancelled: &notCancelled, Limit: 10,
	})
	if err != nil {
		return nil, err
	}
	if len(threads) == 0 && len(events) == 0 {
		return nil, nil
	}
	word := "week"
	if period < 7*24*time.Hour {
		word = "day"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "<p>This %s in %s</p>", word, html.EscapeString(g.Title))
	if len(threads) > 0 {
		b.WriteString("<p><strong>Top threads</strong></p><ul>")
		for _, t := range threads {
			title := t.Post.Name
			if title == "" {
				title = excerpt(t.Post.ContentHTML, 80)
			}
			who := "the group"
			if t.Post.Author != nil {
				who = handle(t.Post.Author)
			}
			fmt.Fprintf(&b, `<li><a href="%s">%s</a> by %s — %d %s, %d %s</li>`,
				html.EscapeString(t.Post.URL), html.EscapeString(title), html.EscapeString(who),
				t.Replies, pluralWord(t.Replies, "reply", "replies"), t.Likes, pluralWord(t.Likes, "like", "likes"))
		}
		b.WriteString("</ul>")
	}
	if len(events) > 0 {
		b.WriteString("<p><strong>Coming up</strong></p><ul>")
		for _, ev := range events {
			fmt.Fprintf(&b, `<li><a href="%s">%s</a> — %s</li>`, html.EscapeString(ev.Post.IRI), html.EscapeString(ev.Title), html.EscapeString(ev.When()))
		}
		b.WriteString("</ul>")
	}
	now := e.Stamp(time.Time{})
	return &storage.Post{
		ID: storage.NewID(), GroupID: g.ID, Kind: "Note", ContentHTML: e.HTML.Sanitize(b.String()),
		Visibility: storage.VisibilityPublic, State: storage.PostPublished, PublishedAt: now, CreatedAt: now,
	}, nil
}

func pluralWord(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// excerpt is the first n characters of an HTML text, as plain text.
func excerpt(contentHTML string, n int) string {
	s := strings.Join(strings.Fields(commandText(contentHTML)), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

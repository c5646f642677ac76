package community

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/riverqueue/river"
	"github.com/uptrace/bun"

	"github.com/kith-social/kith/federation/content"
	"github.com/kith-social/kith/federation/node"
	"github.com/kith-social/kith/federation/outbox"
	"github.com/kith-social/kith/federation/vocab"
	"github.com/kith-social/kith/storage"
)

// Poll limits, close to Mastodon's defaults so every server shows them.
const (
	MinPollOptions      = 2
	MaxPollOptions      = 10
	MaxPollOptionLength = 100
	MaxPollDuration     = 30 * 24 * time.Hour
	minPollDuration     = time.Second
)

// PollInput is a poll staff write in the composer.
type PollInput struct {
	Question    string // Markdown
	Options     []string
	Multiple    bool // anyOf (several answers) instead of oneOf
	Closes      time.Time
	MembersOnly bool
	LiveCounts  bool // the public page shows the counts while voting is open
}

// validate checks a poll published at start (now, or a scheduled time).
func (in PollInput) validate(start time.Time) error {
	switch {
	case strings.TrimSpace(in.Question) == "":
		return fmt.Errorf("%w: write the question", ErrInvalidPost)
	case utf8.RuneCountInString(in.Question) > MaxPostLength:
		return fmt.Errorf("%w: the question is limited to %d characters", ErrInvalidPost, MaxPostLength)
	case len(in.Options) < MinPollOptions || len(in.Options) > MaxPollOptions:
		return fmt.Errorf("%w: a poll has %d to %d options", ErrInvalidPost, MinPollOptions, MaxPollOptions)
	case !in.Closes.After(start.Add(minPollDuration - time.Nanosecond)):
		return fmt.Errorf("%w: the poll must close in the future", ErrInvalidPost)
	case in.Closes.Sub(start) > MaxPollDuration:
		return fmt.Errorf("%w: a poll runs for at most %d days", ErrInvalidPost, int(MaxPollDuration.Hours()/24))
	}
	seen := map[string]bool{}
	for _, o := range in.Options {
		name := strings.TrimSpace(o)
		switch {
		case name == "":
			return fmt.Errorf("%w: an option is empty", ErrInvalidPost)
		case utf8.RuneCountInString(name) > MaxPollOptionLength:
			return fmt.Errorf("%w: options are limited to %d characters", ErrInvalidPost, MaxPollOptionLength)
		case seen[strings.ToLower(name)]:
			return fmt.Errorf("%w: option %q appears twice", ErrInvalidPost, name)
		}
		seen[strings.ToLower(name)] = true
	}
	return nil
}

// options returns the trimmed option names.
func (in PollInput) options() []string {
	out := make([]string, 0, len(in.Options))
	for _, o := range in.Options {
		out = append(out, strings.TrimSpace(o))
	}
	return out
}

// PublishPoll publishes a poll as the group: a Create of a Question, sent
// to every member, shaped like Mastodon's polls. Votes (Create{Note} with
// name and inReplyTo) are counted as they arrive; an Update with the new
// counts follows each burst of votes, and a final Update with `closed` is
// sent when the poll closes (a job scheduled at in.Closes).
func (e *Posting) PublishPoll(ctx context.Context, groupName string, in PollInput, by Staff) (*storage.Post, error) {
	if err := in.validate(e.Now()); err != nil {
		return nil, err
	}
	g, err := storage.GroupByName(ctx, e.DB, groupName)
	if err != nil {
		return nil, err
	}
	d, err := e.preparePoll(g, in)
	if err != nil {
		return nil, err
	}
	err = e.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		return e.commitPoll(ctx, tx, g, d, by)
	})
	if err != nil {
		return nil, err
	}
	return d.post, nil
}

// pollDraft is a poll ready to be stored and sent.
type pollDraft struct {
	post   *storage.Post
	poll   *storage.Poll
	names  []string
	create []byte
	public bool
}

func (e *Posting) preparePoll(g *storage.Group, in PollInput) (*pollDraft, error) {
	html, err := e.HTML.Markdown(in.Question)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidPost, err)
	}
	now := e.Stamp(time.Time{})
	p := &storage.Post{
		ID: storage.NewID(), GroupID: g.ID, Kind: "Question", ContentHTML: html,
		Visibility: storage.VisibilityPublic, State: storage.PostPublished, PublishedAt: now, CreatedAt: now,
	}
	if in.MembersOnly {
		p.Visibility = storage.VisibilityFollowers
	}
	p.IRI = e.IRI.Post(g.Name, p.ID)
	p.URL = p.IRI
	poll := &storage.Poll{ID: storage.NewID(), PostID: p.ID, GroupID: g.ID, Multiple: in.Multiple, LiveCounts: in.LiveCounts, ClosesAt: in.Closes.UTC().Truncate(time.Millisecond), CreatedAt: now}
	names := in.options()
	for i, n := range names {
		poll.Options = append(poll.Options, storage.PollOption{Position: i, Name: n})
	}
	doc, err := e.questionDocument(g, p, poll)
	if err != nil {
		return nil, err
	}
	to, cc := e.addressing(g, in.MembersOnly)
	create, err := vocab.Create(e.IRI.PostActivity(g.Name, p.ID), e.IRI.Group(g.Name), doc, to, cc)
	if err != nil {
		return nil, fmt.Errorf("build Create{Question}: %w", err)
	}
	p.ObjectRaw, p.ActivityRaw = string(doc), string(create)
	return &pollDraft{post: p, poll: poll, names: names, create: create, public: !in.MembersOnly}, nil
}

// commitPoll stores the poll and its post, sends the Create and schedules
// the closing, all in tx.
func (e *Posting) commitPoll(ctx context.Context, tx bun.Tx, g *storage.Group, d *pollDraft, by Staff) error {
	if err := storage.CreatePost(ctx, tx, e.Now(), d.post); err != nil {
		return err
	}
	if err := storage.CreatePoll(ctx, tx, e.Now(), d.poll, d.names); err != nil {
		return err
	}
	if err := e.logAction(ctx, tx, g, by, "publish_poll", d.post.IRI, ""); err != nil {
		return err
	}
	if err := e.Queue.InsertTx(ctx, tx, pollCloseArgs{PollID: d.poll.ID}, &river.InsertOpts{ScheduledAt: d.poll.ClosesAt}); err != nil {
		return err
	}
	return e.out.Publish(ctx, tx, g, outbox.Activity{IRI: e.IRI.PostActivity(g.Name, d.post.ID), Type: "Create", ObjectIRI: d.post.IRI, Body: d.create, Public: d.public}, outbox.Members())
}

// questionDocument builds the Question of a poll with its current counts.
func (e *Posting) questionDocument(g *storage.Group, p *storage.Post, poll *storage.Poll) ([]byte, error) {
	membersOnly := p.Visibility == storage.VisibilityFollowers
	to, cc := e.addressing(g, membersOnly)
	q := vocab.Question{
		Note: vocab.Note{
			ID: p.IRI, AttributedTo: e.IRI.Group(g.Name), ContentHTML: p.ContentHTML, URL: p.IRI,
			Audience: e.IRI.Group(g.Name), To: to, Cc: cc,
			Tags:      []vocab.Tag{{Type: "Mention", Href: e.IRI.Group(g.Name), Name: "@" + g.Name + "@" + e.IRI.Domain()}},
			Published: p.PublishedAt,
		},
		Multiple: poll.Multiple, EndTime: poll.ClosesAt, Closed: poll.ClosedAt, VotersCount: poll.VotersCount,
	}
	for _, o := range poll.Options {
		q.Options = append(q.Options, vocab.PollOption{Name: o.Name, Votes: o.VotesCount})
	}
	doc, err := vocab.QuestionJSON(q)
	if err != nil {
		return nil, fmt.Errorf("build Question: %w", err)
	}
	return doc, nil
}

// maybeVote handles a Create that is a vote in one of the group's polls:
// a Note with a name (the option) and no content, in reply to the
// Question — how Mastodon, Misskey and GoToSocial vote. It reports whether
// the activity was a vote; if so, err is the outcome.
func (e *Posting) maybeVote(ctx context.Context, act *vocab.Activity) (bool, error) {
	obj := act.Object
	if obj == nil || !obj.Embedded || obj.Type != "Note" || strings.TrimSpace(obj.Name) == "" ||
		obj.InReplyTo == "" || strings.TrimSpace(content.PlainText(obj.Content)) != "" {
		return false, nil
	}
	_, postID := e.IRI.PostID(obj.InReplyTo)
	if postID == "" {
		return false, nil
	}
	p, err := storage.PostByID(ctx, e.DB, postID)
	if isNotFound(err) || err == nil && p.Kind != "Question" {
		return false, nil
	}
	if err != nil {
		return true, err
	}
	if obj.AttributedTo != "" && obj.AttributedTo != act.Actor || obj.ID != "" && node.HostOf(obj.ID) != node.HostOf(act.Actor) {
		return true, drop("vote not made by %s", act.Actor)
	}
	poll, err := storage.PollByPost(ctx, e.DB, p.ID)
	if err != nil {
		return true, err
	}
	return true, e.vote(ctx, act, strings.TrimSpace(obj.Name), p, poll)
}

// vote counts one vote. Single-choice polls count an actor's first vote
// only: a second one (another option, or the same again) is ignored, as
// Mastodon does for its own polls. Multiple-choice polls count one vote per
// actor and option. Votes for a closed poll, for an option that does not
// exist, by banned actors, or by non-members in a members-only poll are
// dropped. Each counted vote schedules a coalesced Update of the Question.
func (e *Posting) vote(ctx context.Context, act *vocab.Activity, choice string, p *storage.Post, poll *storage.Poll) error {
	if poll.Closed(e.Now()) {
		return drop("the poll %s is closed", p.IRI)
	}
	var optionID string
	for _, o := range poll.Options {
		if o.Name == choice {
			optionID = o.ID
		}
	}
	if optionID == "" {
		return drop("the poll %s has no option %q", p.IRI, choice)
	}
	actor, err := e.actors.Actor(ctx, act.Actor, false)
	if err != nil {
		return fmt.Errorf("voter %s: %w", act.Actor, err)
	}
	return e.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		// Votes of one poll are counted one after the other.
		if err := storage.LockPoll(ctx, tx, poll.ID); err != nil {
			return err
		}
		if banned, err := isBanned(ctx, tx, p.GroupID, actor.ID); err != nil {
			return err
		} else if banned {
			return drop("%s is banned", actor.IRI)
		}
		if !p.IsPublicish() {
			f, err := storage.FollowOf(ctx, tx, p.GroupID, actor.ID)
			if isNotFound(err) || err == nil && f.State != storage.FollowAccepted {
				return drop("%s voted in a members-only poll without being a member", actor.IRI)
			}
			if err != nil {
				return err
			}
		}
		counted, err := storage.AddPollVote(ctx, tx, e.Now(), poll, optionID, actor.ID, act.ID)
		if err != nil {
			return err
		}
		if !counted {
			return drop("%s voted in %s before", actor.IRI, p.IRI)
		}
		return e.Queue.InsertTx(ctx, tx, pollUpdateArgs{PollID: poll.ID}, e.pollUpdateOpts(e.Now()))
	})
}

// pollUpdateOpts schedules the Update for the votes of the current window
// just after the window ends, unique per poll and window: a burst of votes
// gives one Update with the counts at that time. The job runs a quarter
// window after the window's end, so every vote of the window has committed.
func (e *Posting) pollUpdateOpts(now time.Time) *river.InsertOpts {
	w := e.engage.PollUpdateWindow
	at := now.UTC().Truncate(w).Add(w + w/4)
	return &river.InsertOpts{
		ScheduledAt: at,
		UniqueOpts:  river.UniqueOpts{ByArgs: true, ByPeriod: w},
	}
}

// pollUpdateArgs sends the current counts of a poll.
type pollUpdateArgs struct {
	PollID string `json:"poll_id"`
}

func (pollUpdateArgs) Kind() string { return "poll_update" }

func (pollUpdateArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 5} }

type pollUpdateWorker struct {
	river.WorkerDefaults[pollUpdateArgs]
	e *Posting
}

func (w *pollUpdateWorker) Work(ctx context.Context, job *river.Job[pollUpdateArgs]) error {
	err := w.e.sendPollUpdate(ctx, job.Args.PollID, false)
	if isNotFound(err) {
		return river.JobCancel(err)
	}
	return err
}

// pollCloseArgs closes a poll at its end time and sends the final counts.
type pollCloseArgs struct {
	PollID string `json:"poll_id"`
}

func (pollCloseArgs) Kind() string { return "poll_close" }

func (pollCloseArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 20} }

type pollCloseWorker struct {
	river.WorkerDefaults[pollCloseArgs]
	e *Posting
}

func (w *pollCloseWorker) Work(ctx context.Context, job *river.Job[pollCloseArgs]) error {
	err := w.e.sendPollUpdate(ctx, job.Args.PollID, true)
	if isNotFound(err) {
		return river.JobCancel(err)
	}
	return err
}

// sendPollUpdate federates an Update of a poll's Question with the current
// counts; with closing, it first marks the poll closed (the Question then
// carries `closed`). Nothing is sent for an open-poll update once the poll
// is closed: the closing Update had the final counts.
func (e *Posting) sendPollUpdate(ctx context.Context, pollID string, closing bool) error {
	return e.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		// An Update and the closing must not interleave: a stale one sent
		// last would reopen the poll on the members' servers.
		if err := storage.LockPoll(ctx, tx, pollID); err != nil {
			return err
		}
		poll, err := storage.PollByID(ctx, tx, pollID)
		if err != nil {
			return err
		}
		if !poll.ClosedAt.IsZero() {
			return nil
		}
		if closing {
			if wait := poll.ClosesAt.Sub(e.Now()); wait > 0 {
				return river.JobSnooze(wait)
			}
			if _, err := storage.ClosePoll(ctx, tx, poll.ID, poll.ClosesAt); err != nil {
				return err
			}
			poll.ClosedAt = poll.ClosesAt
		}
		p, err := storage.PostByID(ctx, tx, poll.PostID)
		if err != nil {
			return err
		}
		if p.State != storage.PostPublished {
			return nil
		}
		g, err := storage.GroupByID(ctx, tx, p.GroupID)
		if err != nil {
			return err
		}
		doc, err := e.questionDocument(g, p, poll)
		if err != nil {
			return err
		}
		if err := storage.SetPostObject(ctx, tx, p.ID, string(doc)); err != nil {
			return err
		}
		membersOnly := !p.IsPublicish()
		to, cc := e.addressing(g, membersOnly)
		id := e.IRI.Activity(g.Name, storage.NewID())
		update, err := vocab.Update(id, e.IRI.Group(g.Name), doc, to, cc)
		if err != nil {
			return fmt.Errorf("build Update{Question}: %w", err)
		}
		voters, err := storage.PollVoterInboxes(ctx, tx, poll.ID)
		if err != nil {
			return err
		}
		return e.out.Publish(ctx, tx, g, outbox.Activity{IRI: id, Type: "Update", ObjectIRI: p.IRI, Body: update, Public: !membersOnly}, outbox.Members(voters...))
	})
}

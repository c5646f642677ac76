package community

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"github.com/uptrace/bun"

	"github.com/kith-social/kith/federation/mailer"
	"github.com/kith-social/kith/federation/vocab"
	"github.com/kith-social/kith/storage"
)

// EngagementConfig configures polls, scheduled posts and staff
// notifications. The zero value works: no e-mail, default timings.
type EngagementConfig struct {
	// Mailer sends notification e-mail; nil sends none (the in-app list
	// still works). cmd builds it from --smtp-url and --smtp-from.
	Mailer mailer.Sender
	// MailInterval is how often pending notification e-mail goes out
	// (immediate ones; daily summaries are checked at the same time).
	// Default one minute.
	MailInterval time.Duration
	// PollUpdateWindow coalesces poll Updates: the votes of one window give
	// one Update, sent just after the window ends. Default 2 s, at least 1 s
	// (River's unique-by-period granularity).
	PollUpdateWindow time.Duration
}

func (c EngagementConfig) withDefaults() EngagementConfig {
	if c.MailInterval <= 0 {
		c.MailInterval = time.Minute
	}
	if c.PollUpdateWindow <= 0 {
		c.PollUpdateWindow = 2 * time.Second
	}
	c.PollUpdateWindow = max(c.PollUpdateWindow.Truncate(time.Second), time.Second)
	return c
}

// addEngagementWorkers registers the jobs of polls, scheduled posts and
// notification e-mail, and returns their periodic jobs.
func (c *Community) addEngagementWorkers(workers *river.Workers) []*river.PeriodicJob {
	river.AddWorker(workers, &pollUpdateWorker{e: c.Posting})
	river.AddWorker(workers, &pollCloseWorker{e: c.Posting})
	river.AddWorker(workers, &scheduledPostWorker{e: c.Posting})
	river.AddWorker(workers, &notificationMailWorker{e: c.Notifier})
	if c.core.engage.Mailer == nil {
		return nil
	}
	return []*river.PeriodicJob{river.NewPeriodicJob(river.PeriodicInterval(c.core.engage.MailInterval),
		func() (river.JobArgs, *river.InsertOpts) { return notificationMailArgs{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true})}
}

// notifyDedupe is how long a second notification of the same kind about the
// same subject is folded into the first (a follow request sent twice).
const notifyDedupe = 24 * time.Hour

// notify tells everyone who manages g that something happened, inside the
// transaction that made it happen. subject is the IRI it is about (an
// actor, a post, a report); text is one line of plain text.
func (e *Notifier) notify(ctx context.Context, tx bun.IDB, g *storage.Group, kind, subject, text string) error {
	return e.notifySince(ctx, tx, g, kind, subject, text, time.Now().Add(-notifyDedupe))
}

// notifySince notifies unless a notification of kind about subject was
// created at or after since.
func (e *Notifier) notifySince(ctx context.Context, tx bun.IDB, g *storage.Group, kind, subject, text string, since time.Time) error {
	if subject != "" {
		exists, err := storage.NotificationExists(ctx, tx, g.ID, kind, subject, since)
		if err != nil || exists {
			return err
		}
	}
	return storage.CreateNotification(ctx, tx, e.Now(), &storage.Notification{GroupID: g.ID, Kind: kind, SubjectIRI: subject, Text: text})
}

// handle is how staff read an actor's name: @user@host.
func handle(a *storage.RemoteActor) string {
	if a == nil {
		return "someone"
	}
	if a.Username != "" && a.Host != "" {
		return "@" + a.Username + "@" + a.Host
	}
	return a.IRI
}

// followNotice notifies of a follow request (state pending) or a new
// member (accepted). A member who follows again is not new: a new member
// is one whose latest membership event is a join not notified yet.
func (e *Notifier) followNotice(ctx context.Context, tx bun.IDB, g *storage.Group, actor *storage.RemoteActor, state string) error {
	if state == storage.FollowPending {
		return e.notify(ctx, tx, g, storage.NotifyFollowRequest, actor.IRI, handle(actor)+" asks to join "+g.Name)
	}
	ev, err := storage.LastMembershipEvent(ctx, tx, g.ID, actor.ID)
	if isNotFound(err) {
		return nil
	}
	if err != nil || ev.Kind != storage.MemberJoined {
		return err
	}
	return e.notifySince(ctx, tx, g, storage.NotifyNewMember, actor.IRI, handle(actor)+" joined "+g.Name, ev.At)
}

// postNotice notifies of a member's post just stored: held for review; a
// reply in a thread the group started; or a post that mentions the group
// (outside a group thread, where every reply mentions it).
func (e *Notifier) postNotice(ctx context.Context, tx bun.IDB, g *storage.Group, p *storage.Post, obj *vocab.Object, author *storage.RemoteActor) error {
	who := handle(author)
	if p.State == storage.PostPending {
		return e.notify(ctx, tx, g, storage.NotifyReview, p.IRI, "A post by "+who+" waits for review in "+g.Name)
	}
	if p.State != storage.PostPublished {
		return nil
	}
	if p.ParentID != "" {
		root, err := storage.PostByID(ctx, tx, p.RootID)
		if err != nil {
			return err
		}
		if root.AuthorID == "" {
			return e.notify(ctx, tx, g, storage.NotifyReply, p.IRI, who+" replied in a thread "+g.Name+" started")
		}
		return nil
	}
	groupIRI := e.IRI.Group(g.Name)
	if obj != nil && slices.ContainsFunc(obj.Tags, func(t vocab.Tag) bool { return t.Type == "Mention" && t.Href == groupIRI }) {
		return e.notify(ctx, tx, g, storage.NotifyMention, p.IRI, who+" mentioned "+g.Name)
	}
	return nil
}

// storeReport stores a received report and notifies the group's staff in
// one transaction (a retried Flag must not store the report twice without
// the notice, or the reverse).
func (e *Notifier) storeReport(ctx context.Context, r *storage.Report) error {
	return e.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := storage.CreateReport(ctx, tx, e.Now(), r); err != nil {
			return err
		}
		g, err := storage.GroupByID(ctx, tx, r.GroupID)
		if err != nil {
			return err
		}
		text := "New report in " + g.Name
		if r.TargetIRI != "" {
			text += " about " + r.TargetIRI
		}
		if r.Reason != "" {
			text += ": " + r.Reason
		}
		subject := r.ActivityIRI
		if subject == "" {
			subject = r.TargetIRI
		}
		return e.notify(ctx, tx, g, storage.NotifyReport, subject, text)
	})
}

// notificationMailArgs is the periodic job that mails notifications.
type notificationMailArgs struct{}

func (notificationMailArgs) Kind() string { return "notification_mail" }

func (notificationMailArgs) InsertOpts() river.InsertOpts {
	// The next run picks up what this one could not send.
	return river.InsertOpts{MaxAttempts: 1}
}

type notificationMailWorker struct {
	river.WorkerDefaults[notificationMailArgs]
	e *Notifier
}

func (w *notificationMailWorker) Work(ctx context.Context, _ *river.Job[notificationMailArgs]) error {
	return w.e.SendNotificationMail(ctx)
}

// SendNotificationMail mails pending notifications: one message per staff
// member for those who chose immediate e-mail, and a daily summary for
// those who chose it and got none in the last 24 hours. The periodic job
// calls it; without a mailer it does nothing. A notification is marked
// mailed after its message was accepted by the SMTP server, so a crash in
// between can send it twice, never lose it.
func (e *Notifier) SendNotificationMail(ctx context.Context) error {
	if e.engage.Mailer == nil {
		return nil
	}
	var errs []error
	for _, mode := range []string{storage.EmailImmediate, storage.EmailDaily} {
		now := time.Now()
		pending, err := storage.PendingEmails(ctx, e.DB, mode, now.Add(-24*time.Hour), 1000)
		if err != nil {
			return err
		}
		for len(pending) > 0 {
			n := 1
			for n < len(pending) && pending[n].StaffID == pending[0].StaffID {
				n++
			}
			batch := pending[:n]
			pending = pending[n:]
			if err := e.mailBatch(ctx, mode, batch, now); err != nil {
				e.Log.WarnContext(ctx, "notification e-mail not sent", "staff", batch[0].Username, "err", err)
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// mailBatch sends one staff member their pending notifications in one message.
func (e *Notifier) mailBatch(ctx context.Context, mode string, batch []storage.PendingEmail, now time.Time) error {
	first := batch[0]
	var subject string
	switch {
	case mode == storage.EmailDaily:
		subject = fmt.Sprintf("Kith daily summary: %d notification%s", len(batch), plural(len(batch)))
	case len(batch) == 1:
		subject = "Kith: " + first.Text
	default:
		subject = fmt.Sprintf("Kith: %d new notifications", len(batch))
	}
	var body strings.Builder
	fmt.Fprintf(&body, "Hello %s,\n\n", first.Username)
	ids := make([]string, 0, len(batch))
	for _, p := range batch {
		ids = append(ids, p.NotificationID)
		fmt.Fprintf(&body, "- [%s] %s\n", p.GroupName, p.Text)
		if p.SubjectIRI != "" {
			fmt.Fprintf(&body, "  %s\n", p.SubjectIRI)
		}
	}
	fmt.Fprintf(&body, "\nSee them all: %s/admin/notifications\n\nChange what you receive in your notification settings.\n", e.IRI.Base())
	msg := mailer.Message{To: []string{first.Address}, Subject: subject, Text: body.String()}
	if err := e.engage.Mailer.Send(ctx, msg); err != nil {
		return fmt.Errorf("mail %d notifications to %s: %w", len(batch), first.Username, err)
	}
	return e.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		return storage.MarkNotificationsEmailed(ctx, tx, first.StaffID, ids, mode == storage.EmailDaily, now)
	})
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

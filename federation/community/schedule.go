package community

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/uptrace/bun"

	"github.com/kith-social/kith/storage"
)

// MaxScheduleAhead bounds how far ahead a post can be scheduled.
const MaxScheduleAhead = 366 * 24 * time.Hour

// SchedulePost stores a post to be published as the group at the given
// time and queues the job that publishes it (River, scheduled at `at`, in
// the same transaction): it survives restarts, and with several processes
// exactly one publishes it. It returns the scheduled post's id.
func (e *Posting) SchedulePost(ctx context.Context, groupName string, in PostInput, at time.Time, by Staff) (string, error) {
	if err := in.validate(); err != nil {
		return "", err
	}
	if _, err := e.HTML.Markdown(in.Markdown); err != nil {
		return "", fmt.Errorf("%w: %v", ErrInvalidPost, err)
	}
	return e.schedule(ctx, groupName, storage.ScheduledKindPost, in, at, by)
}

// SchedulePoll is SchedulePost for a poll. in.Closes is checked against
// `at`: the poll runs from `at` until in.Closes. If the node was down when
// it was due and publishes it late, the poll keeps its duration.
func (e *Posting) SchedulePoll(ctx context.Context, groupName string, in PollInput, at time.Time, by Staff) (string, error) {
	if err := in.validate(at); err != nil {
		return "", err
	}
	return e.schedule(ctx, groupName, storage.ScheduledKindPoll, in, at, by)
}

func (e *Posting) schedule(ctx context.Context, groupName, kind string, input any, at time.Time, by Staff) (string, error) {
	now := e.Now()
	switch {
	case !at.After(now):
		return "", fmt.Errorf("%w: the publication time must be in the future", ErrInvalidPost)
	case at.Sub(now) > MaxScheduleAhead:
		return "", fmt.Errorf("%w: posts can be scheduled at most a year ahead", ErrInvalidPost)
	}
	g, err := storage.GroupByName(ctx, e.DB, groupName)
	if err != nil {
		return "", err
	}
	raw, err := json.Marshal(input)
	if err != nil {
		return "", fmt.Errorf("encode scheduled %s: %w", kind, err)
	}
	s := &storage.ScheduledPost{GroupID: g.ID, Kind: kind, InputJSON: string(raw), RunAt: at.UTC(), StaffID: by.ID, StaffName: by.Name}
	err = e.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := storage.CreateScheduledPost(ctx, tx, e.Now(), s); err != nil {
			return err
		}
		if err := e.logAction(ctx, tx, g, by, "schedule_"+kind, s.ID, at.UTC().Format(time.RFC3339)); err != nil {
			return err
		}
		return e.Queue.InsertTx(ctx, tx, scheduledPostArgs{ID: s.ID}, &river.InsertOpts{ScheduledAt: s.RunAt})
	})
	if err != nil {
		return "", err
	}
	return s.ID, nil
}

// CancelScheduled cancels a scheduled post or poll of a group that has not
// been published yet; its job then does nothing. One already published or
// cancelled is storage.ErrNotFound.
func (e *Posting) CancelScheduled(ctx context.Context, groupName, id string, by Staff) error {
	g, err := storage.GroupByName(ctx, e.DB, groupName)
	if err != nil {
		return err
	}
	return e.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := storage.CancelScheduledPost(ctx, tx, g.ID, id, e.Now()); err != nil {
			return err
		}
		return e.logAction(ctx, tx, g, by, "cancel_scheduled", id, "")
	})
}

// ListScheduled lists a group's posts and polls waiting to be published,
// soonest first. DecodeScheduled reads one's input.
func (e *Posting) ListScheduled(ctx context.Context, groupName string) ([]storage.ScheduledPost, error) {
	g, err := storage.GroupByName(ctx, e.DB, groupName)
	if err != nil {
		return nil, err
	}
	return storage.ListScheduledPosts(ctx, e.DB, g.ID, storage.ScheduledWaiting, 200)
}

// DecodeScheduled returns the input of a scheduled post: a PostInput or a
// PollInput, by its Kind.
func DecodeScheduled(s *storage.ScheduledPost) (any, error) {
	switch s.Kind {
	case storage.ScheduledKindPost:
		var in PostInput
		if err := json.Unmarshal([]byte(s.InputJSON), &in); err != nil {
			return nil, fmt.Errorf("scheduled post %s: %w", s.ID, err)
		}
		return in, nil
	case storage.ScheduledKindPoll:
		var in PollInput
		if err := json.Unmarshal([]byte(s.InputJSON), &in); err != nil {
			return nil, fmt.Errorf("scheduled poll %s: %w", s.ID, err)
		}
		return in, nil
	default:
		return nil, fmt.Errorf("scheduled post %s: unknown kind %q", s.ID, s.Kind)
	}
}

// scheduledPostArgs publishes one scheduled post at its time.
type scheduledPostArgs struct {
	ID string `json:"id"`
}

func (scheduledPostArgs) Kind() string { return "scheduled_post" }

func (scheduledPostArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 10} }

type scheduledPostWorker struct {
	river.WorkerDefaults[scheduledPostArgs]
	e *Posting
}

func (w *scheduledPostWorker) Work(ctx context.Context, job *river.Job[scheduledPostArgs]) error {
	err := w.e.publishScheduled(ctx, job.Args.ID)
	if isNotFound(err) {
		return river.JobCancel(err)
	}
	return err
}

// publishScheduled publishes a waiting scheduled post and marks it
// published in the same transaction: a retry after a crash publishes it
// once. Input that no longer validates (a poll whose group changed, say)
// marks it failed with the reason instead of retrying.
func (e *Posting) publishScheduled(ctx context.Context, id string) error {
	s, err := storage.ScheduledPostByID(ctx, e.DB, id)
	if err != nil {
		return err
	}
	if s.State != storage.ScheduledWaiting {
		return nil
	}
	g, err := storage.GroupByID(ctx, e.DB, s.GroupID)
	if err != nil {
		return err
	}
	if g.Moved() {
		return e.failScheduled(ctx, s, fmt.Errorf("the group has moved to %s", g.MovedToHandle))
	}
	by := Staff{ID: s.StaffID, Name: s.StaffName}
	input, err := DecodeScheduled(s)
	if err != nil {
		return e.failScheduled(ctx, s, err)
	}
	var (
		postID string
		commit func(ctx context.Context, tx bun.Tx) error
	)
	switch in := input.(type) {
	case PostInput:
		if err := in.validate(); err != nil {
			return e.failScheduled(ctx, s, err)
		}
		d, err := e.prepareNote(ctx, g, in, nil, by, false)
		if err != nil {
			return e.failScheduled(ctx, s, err)
		}
		postID = d.post.ID
		commit = func(ctx context.Context, tx bun.Tx) error { return e.commitNote(ctx, tx, g, d, by, "publish_post") }
	case PollInput:
		now := e.Now()
		if !in.Closes.After(now) {
			in.Closes = now.Add(in.Closes.Sub(s.RunAt)) // published late: keep the duration
		}
		if err := in.validate(now); err != nil {
			return e.failScheduled(ctx, s, err)
		}
		d, err := e.preparePoll(g, in)
		if err != nil {
			return e.failScheduled(ctx, s, err)
		}
		postID = d.post.ID
		commit = func(ctx context.Context, tx bun.Tx) error { return e.commitPoll(ctx, tx, g, d, by) }
	}
	return e.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		claimed, err := storage.ClaimScheduledPost(ctx, tx, s.ID, storage.ScheduledPublished, postID, "", e.Now())
		if err != nil || !claimed {
			return err // not waiting any more: cancelled, or published by an earlier run
		}
		return commit(ctx, tx)
	})
}

// failScheduled records why a scheduled post could not be published.
func (e *Posting) failScheduled(ctx context.Context, s *storage.ScheduledPost, cause error) error {
	e.Log.WarnContext(ctx, "scheduled post not published", "id", s.ID, "err", cause)
	_, err := storage.ClaimScheduledPost(ctx, e.DB, s.ID, storage.ScheduledFailed, "", cause.Error(), e.Now())
	return err
}

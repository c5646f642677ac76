package public

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/kith-social/kith/storage"
)

// pollView is a poll as a visitor sees it: the options always, the counts
// once voting has ended, or while it runs when the poll says so.
type pollView struct {
	Options    []pollOptionView
	Multiple   bool
	Closed     bool
	Closes     time.Time
	ShowCounts bool
	Voters     int
}

// pollOptionView is one answer; Percent is of all votes cast (for the bar).
type pollOptionView struct {
	Name    string
	Votes   int
	Percent int
}

// attachPolls adds their polls to the Question posts among views.
func attachPolls(ctx context.Context, db bun.IDB, now time.Time, posts []*storage.Post, views []*postView) error {
	for i, post := range posts {
		if post.Kind != "Question" {
			continue
		}
		poll, err := storage.PollByPost(ctx, db, post.ID)
		if errors.Is(err, storage.ErrNotFound) {
			continue // a Question that reached the group without a poll of ours
		}
		if err != nil {
			return fmt.Errorf("poll of post %s: %w", post.ID, err)
		}
		views[i].Poll = newPollView(poll, now)
	}
	return nil
}

func newPollView(poll *storage.Poll, now time.Time) *pollView {
	v := &pollView{Multiple: poll.Multiple, Closed: poll.Closed(now), Closes: poll.ClosesAt, Voters: poll.VotersCount}
	v.ShowCounts = v.Closed || poll.LiveCounts
	total := 0
	for _, o := range poll.Options {
		total += o.VotesCount
	}
	for _, o := range poll.Options {
		ov := pollOptionView{Name: o.Name}
		if v.ShowCounts {
			ov.Votes = o.VotesCount
			if total > 0 {
				ov.Percent = o.VotesCount * 100 / total
			}
		}
		v.Options = append(v.Options, ov)
	}
	if !v.ShowCounts {
		v.Voters = 0
	}
	return v
}

// pointers lets attachPolls fill views in place.
func pointers(views []postView) []*postView {
	out := make([]*postView, len(views))
	for i := range views {
		out[i] = &views[i]
	}
	return out
}

package admin

import (
	"context"
	"errors"
	"time"

	"github.com/kith-social/kith/storage"
)

// pollView is a poll's results as the pages show them.
type pollView struct {
	*storage.Poll
	Votes  int // all votes (more than the voters in a multiple-choice poll)
	Closed bool
}

// pollOf loads the poll of a Question post, or nil for other posts.
func (a *Admin) pollOf(ctx context.Context, p *storage.Post, now time.Time) (*pollView, error) {
	if p.Kind != "Question" {
		return nil, nil
	}
	poll, err := storage.PollByPost(ctx, a.db, p.ID)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, nil // a Question without a poll row: show the post alone
	}
	if err != nil {
		return nil, err
	}
	v := &pollView{Poll: poll, Closed: poll.Closed(now)}
	for _, o := range poll.Options {
		v.Votes += o.VotesCount
	}
	return v, nil
}

package community

// Voting from the members' pages: one vote per member (per option in a
// multiple-choice poll), counted and federated as a vote from their
// server is (poll.go).

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/uptrace/bun"

	"github.com/kith-social/kith/storage"
)

// MemberPoll is a poll of the group as a member sees it.
type MemberPoll struct {
	Poll     *storage.Poll
	Question string   // the post's text, sanitised HTML
	Closed   bool     // voting has ended
	Voted    []string // the option ids the member voted for
}

// PollsFor lists the group's recent polls with the member's votes.
func (e *MembersPages) PollsFor(ctx context.Context, groupID, actorID string) ([]MemberPoll, error) {
	polls, err := storage.RecentPolls(ctx, e.DB, groupID, 20)
	if err != nil {
		return nil, err
	}
	out := make([]MemberPoll, 0, len(polls))
	for i := range polls {
		p, err := storage.PostByID(ctx, e.DB, polls[i].PostID)
		if err != nil {
			return nil, err
		}
		voted, err := storage.PollChoicesOf(ctx, e.DB, polls[i].ID, actorID)
		if err != nil {
			return nil, err
		}
		out = append(out, MemberPoll{Poll: &polls[i], Question: p.ContentHTML, Closed: polls[i].Closed(e.Now()), Voted: voted})
	}
	return out, nil
}

// VoteAsMember records a member's vote: one option in a single-choice
// poll (a second vote is refused, as over federation), any of the options
// in a multiple-choice one. The Question's Update goes out as for votes
// from other servers.
func (e *MembersPages) VoteAsMember(ctx context.Context, groupID, actorID, pollID string, optionIDs []string) error {
	if err := e.mustBeMember(ctx, groupID, actorID); err != nil {
		return err
	}
	if len(optionIDs) == 0 {
		return &InputError{"Choose an answer."}
	}
	return e.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		poll, err := storage.PollByID(ctx, tx, pollID)
		if err != nil || poll.GroupID != groupID {
			return fmt.Errorf("poll %s: %w", pollID, storage.ErrNotFound)
		}
		if poll.Closed(e.Now()) {
			return &InputError{"This poll has ended."}
		}
		if !poll.Multiple && len(optionIDs) > 1 {
			return &InputError{"Choose one answer."}
		}
		for _, id := range optionIDs {
			if !slices.ContainsFunc(poll.Options, func(o storage.PollOption) bool { return o.ID == id }) {
				return &InputError{"That answer is not in the poll."}
			}
		}
		if err := storage.LockPoll(ctx, tx, poll.ID); err != nil {
			return err
		}
		counted := false
		for _, id := range optionIDs {
			ok, err := storage.AddPollVote(ctx, tx, e.Now(), poll, id, actorID, "")
			if err != nil {
				return err
			}
			counted = counted || ok
		}
		if !counted {
			return &InputError{"You have voted in this poll already."}
		}
		return e.Queue.InsertTx(ctx, tx, pollUpdateArgs{PollID: poll.ID}, e.posting.pollUpdateOpts(time.Now()))
	})
}

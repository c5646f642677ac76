package community

// Voting from the members' pages: one vote per member (per option in a
// multiple-choice poll), counted and federated as a vote from their
// server is (poll.go).
//
// A member may change a vote they cast here while the poll is open: the
// new choice replaces the old, so they still count once, and the new
// counts go out in the same coalesced Update as any vote. A vote their
// server sent stays as it is. Over federation a vote is never changed —
// Mastodon, Misskey and GoToSocial offer no way to, and the group ignores
// a second vote from a server (poll.go: vote) — and their server goes on
// showing the choice it sent, so changing it here would make the two
// disagree.

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
	// FromServer: the member voted from their own account; that vote
	// cannot be changed here.
	FromServer bool
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
		votes, err := storage.PollVotesOf(ctx, e.DB, polls[i].ID, actorID)
		if err != nil {
			return nil, err
		}
		mp := MemberPoll{Poll: &polls[i], Question: p.ContentHTML, Closed: polls[i].Closed(e.Now())}
		for _, v := range votes {
			mp.Voted = append(mp.Voted, v.OptionID)
			mp.FromServer = mp.FromServer || v.ActivityIRI != ""
		}
		out = append(out, mp)
	}
	return out, nil
}

// ErrVotedFromServer refuses to change a vote the member's server sent.
var ErrVotedFromServer = &InputError{"You voted from your own account. A vote sent by your server cannot be changed: your server keeps showing the answer it sent."}

// VoteAsMember records a member's vote: one option in a single-choice
// poll, any of the options in a multiple-choice one. A member who voted
// here before changes their vote: the options chosen now replace the
// earlier ones (see the top of this file for why a vote their server sent
// cannot be). It reports whether an earlier vote was changed. The
// Question's Update goes out as for votes from other servers.
func (e *MembersPages) VoteAsMember(ctx context.Context, groupID, actorID, pollID string, optionIDs []string) (changed bool, err error) {
	if err := e.mustBeMember(ctx, groupID, actorID); err != nil {
		return false, err
	}
	if len(optionIDs) == 0 {
		return false, &InputError{"Choose an answer."}
	}
	slices.Sort(optionIDs)
	optionIDs = slices.Compact(optionIDs)
	err = e.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
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
		before, err := storage.PollVotesOf(ctx, tx, poll.ID, actorID)
		if err != nil {
			return err
		}
		var had []string
		for _, v := range before {
			if v.ActivityIRI != "" {
				return ErrVotedFromServer
			}
			had = append(had, v.OptionID)
		}
		slices.Sort(had)
		if slices.Equal(had, optionIDs) {
			changed = false // the same answer again: nothing to count or send
			return nil
		}
		if changed = len(had) > 0; changed {
			if err := storage.DeletePollVotes(ctx, tx, poll.ID, actorID); err != nil {
				return err
			}
		}
		for _, id := range optionIDs {
			if _, err := storage.AddPollVote(ctx, tx, e.Now(), poll, id, actorID, ""); err != nil {
				return err
			}
		}
		return e.Queue.InsertTx(ctx, tx, pollUpdateArgs{PollID: poll.ID}, e.posting.pollUpdateOpts(time.Now()))
	})
	return changed, err
}

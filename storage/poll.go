package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// Poll is a question the group published (its post has Kind "Question"):
// the options members vote on and when voting ends.
type Poll struct {
	bun.BaseModel `bun:"table:polls,alias:pl"`

	ID          string    `bun:"id,pk"`
	PostID      string    `bun:"post_id,notnull"`
	GroupID     string    `bun:"group_id,notnull"`
	Multiple    bool      `bun:"multiple,notnull"` // anyOf: one vote per option; else oneOf: one vote in all
	ClosesAt    time.Time `bun:"closes_at,notnull"`
	ClosedAt    time.Time `bun:"closed_at,nullzero"` // set when the closing Update was sent
	VotersCount int       `bun:"voters_count,notnull"`
	LiveCounts  bool      `bun:"live_counts,notnull"` // public pages show the counts before the poll closes
	CreatedAt   time.Time `bun:"created_at,notnull"`

	Options []PollOption `bun:"rel:has-many,join:id=poll_id"`
}

// Closed tells whether voting has ended at now.
func (p *Poll) Closed(now time.Time) bool { return !p.ClosedAt.IsZero() || !now.Before(p.ClosesAt) }

// PollOption is one answer of a poll, with its count.
type PollOption struct {
	bun.BaseModel `bun:"table:poll_options,alias:po"`

	ID         string `bun:"id,pk"`
	PollID     string `bun:"poll_id,notnull"`
	Position   int    `bun:"position,notnull"`
	Name       string `bun:"name,notnull"`
	VotesCount int    `bun:"votes_count,notnull"`
}

// PollVote is one actor's vote for one option.
type PollVote struct {
	bun.BaseModel `bun:"table:poll_votes,alias:pv"`

	ID          string    `bun:"id,pk"`
	PollID      string    `bun:"poll_id,notnull"`
	OptionID    string    `bun:"option_id,notnull"`
	ActorID     string    `bun:"actor_id,notnull"`
	ChoiceKey   string    `bun:"choice_key,notnull"`
	ActivityIRI string    `bun:"activity_iri,notnull"`
	CreatedAt   time.Time `bun:"created_at,notnull"`
}

// CreatePoll stores a poll and its options (in the order given) for a
// post stored in the same transaction.
func CreatePoll(ctx context.Context, db bun.IDB, now time.Time, p *Poll, options []string) error {
	if p.ID == "" {
		p.ID = NewID()
	}
	if p.CreatedAt.IsZero() {
		p.CreatedAt = now.UTC()
	}
	if _, err := db.NewInsert().Model(p).Exec(ctx); err != nil {
		return fmt.Errorf("store poll of post %s: %w", p.PostID, err)
	}
	p.Options = make([]PollOption, 0, len(options))
	for i, name := range options {
		p.Options = append(p.Options, PollOption{ID: NewID(), PollID: p.ID, Position: i, Name: name})
	}
	if len(p.Options) == 0 {
		return nil
	}
	if _, err := db.NewInsert().Model(&p.Options).Exec(ctx); err != nil {
		if isUniqueViolation(err) {
			return fmt.Errorf("options of poll %s: %w", p.ID, ErrConflict)
		}
		return fmt.Errorf("store options of poll %s: %w", p.ID, err)
	}
	return nil
}

// PollByID loads a poll with its options in order.
func PollByID(ctx context.Context, db bun.IDB, id string) (*Poll, error) {
	return pollWhere(ctx, db, "pl.id = ?", id)
}

// PollByPost loads the poll of a post.
func PollByPost(ctx context.Context, db bun.IDB, postID string) (*Poll, error) {
	return pollWhere(ctx, db, "pl.post_id = ?", postID)
}

func pollWhere(ctx context.Context, db bun.IDB, where string, arg string) (*Poll, error) {
	p := new(Poll)
	err := db.NewSelect().Model(p).
		Relation("Options", func(q *bun.SelectQuery) *bun.SelectQuery { return q.Order("po.position") }).
		Where(where, arg).Scan(ctx)
	if err != nil {
		return nil, notFound(err, "poll "+arg)
	}
	return p, nil
}

// AddPollVote records actor's vote for option and recounts the poll. A
// repeated vote for the same option, or — in a single-choice poll — any
// second vote, is ignored: it reports false.
func AddPollVote(ctx context.Context, db bun.IDB, now time.Time, p *Poll, optionID, actorID, activityIRI string) (bool, error) {
	v := &PollVote{ID: NewID(), PollID: p.ID, OptionID: optionID, ActorID: actorID, ActivityIRI: activityIRI, CreatedAt: now.UTC()}
	if p.Multiple {
		v.ChoiceKey = optionID
	}
	res, err := db.NewInsert().Model(v).On("CONFLICT (poll_id, actor_id, choice_key) DO NOTHING").Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("store vote in poll %s: %w", p.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, nil
	}
	return true, RecountPoll(ctx, db, p.ID)
}

// RecountPoll sets the option and voter counts of a poll from its votes.
func RecountPoll(ctx context.Context, db bun.IDB, pollID string) error {
	_, err := db.NewUpdate().Model((*PollOption)(nil)).
		Set("votes_count = (SELECT COUNT(*) FROM poll_votes AS pv WHERE pv.option_id = po.id)").
		Where("po.poll_id = ?", pollID).Exec(ctx)
	if err != nil {
		return fmt.Errorf("recount options of poll %s: %w", pollID, err)
	}
	_, err = db.NewUpdate().Model((*Poll)(nil)).
		Set("voters_count = (SELECT COUNT(DISTINCT pv.actor_id) FROM poll_votes AS pv WHERE pv.poll_id = pl.id)").
		Where("pl.id = ?", pollID).Exec(ctx)
	if err != nil {
		return fmt.Errorf("recount voters of poll %s: %w", pollID, err)
	}
	return nil
}

// ClosePoll marks a poll closed at the given time; it reports false when it
// was closed before.
func ClosePoll(ctx context.Context, db bun.IDB, pollID string, at time.Time) (bool, error) {
	res, err := db.NewUpdate().Model((*Poll)(nil)).Set("closed_at = ?", at.UTC()).
		Where("pl.id = ? AND pl.closed_at IS NULL", pollID).Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("close poll %s: %w", pollID, err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// SetPostObject replaces the stored object of a post (a poll's Question
// with new counts), which GETs of its IRI serve.
func SetPostObject(ctx context.Context, db bun.IDB, postID, objectRaw string) error {
	res, err := db.NewUpdate().Model((*Post)(nil)).Set("object_raw = ?", objectRaw).Where("id = ?", postID).Exec(ctx)
	if err != nil {
		return fmt.Errorf("update object of post %s: %w", postID, err)
	}
	return mustAffect(res, "post "+postID)
}

// PollVoterInboxes returns the delivery inboxes of a poll's voters (one
// per server with a shared inbox): they see the new counts even when they
// are not members.
func PollVoterInboxes(ctx context.Context, db bun.IDB, pollID string) ([]string, error) {
	var inboxes []string
	err := db.NewSelect().
		ColumnExpr("DISTINCT CASE WHEN ra.shared_inbox <> '' THEN ra.shared_inbox ELSE ra.inbox END AS inbox").
		TableExpr("poll_votes AS pv").
		Join("JOIN remote_actors AS ra ON ra.id = pv.actor_id").
		Where("pv.poll_id = ? AND ra.gone_at IS NULL", pollID).
		OrderExpr("inbox").Scan(ctx, &inboxes)
	if err != nil {
		return nil, fmt.Errorf("voter inboxes of poll %s: %w", pollID, err)
	}
	return inboxes, nil
}

// LockPoll takes the poll's row lock until the transaction ends (a no-op
// update: portable, and SQLite's transactions are serialised anyway), so
// that votes and Updates of one poll see each other's counts on PostgreSQL.
func LockPoll(ctx context.Context, db bun.IDB, pollID string) error {
	res, err := db.NewUpdate().Model((*Poll)(nil)).Set("voters_count = voters_count").Where("id = ?", pollID).Exec(ctx)
	if err != nil {
		return fmt.Errorf("lock poll %s: %w", pollID, err)
	}
	return mustAffect(res, "poll "+pollID)
}

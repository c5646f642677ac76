package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// Scheduled post kinds and states.
const (
	ScheduledKindPost = "post"
	ScheduledKindPoll = "poll"

	ScheduledWaiting   = "scheduled" // waiting for its time
	ScheduledPublished = "published"
	ScheduledCancelled = "cancelled"
	ScheduledFailed    = "failed" // the input could not be published when its time came
)

// ScheduledPost is a post or poll staff wrote to be published later. The
// job that publishes it is in the queue, inserted with the row.
type ScheduledPost struct {
	bun.BaseModel `bun:"table:scheduled_posts,alias:sp"`

	ID        string    `bun:"id,pk"`
	GroupID   string    `bun:"group_id,notnull"`
	Kind      string    `bun:"kind,notnull"`
	InputJSON string    `bun:"input_json,notnull"` // the composer's input, as the engine encodes it
	RunAt     time.Time `bun:"run_at,notnull"`
	State     string    `bun:"state,notnull"`
	StaffID   string    `bun:"staff_id,notnull"`
	StaffName string    `bun:"staff_name,notnull"`
	PostID    string    `bun:"post_id,nullzero"` // the published post
	Error     string    `bun:"error,notnull"`
	CreatedAt time.Time `bun:"created_at,notnull"`
	DoneAt    time.Time `bun:"done_at,nullzero"`
}

// CreateScheduledPost stores a scheduled post in the waiting state.
func CreateScheduledPost(ctx context.Context, db bun.IDB, now time.Time, s *ScheduledPost) error {
	if s.ID == "" {
		s.ID = NewID()
	}
	if s.CreatedAt.IsZero() {
		s.CreatedAt = now.UTC()
	}
	s.State = ScheduledWaiting
	if _, err := db.NewInsert().Model(s).Exec(ctx); err != nil {
		return fmt.Errorf("store scheduled post: %w", err)
	}
	return nil
}

// ScheduledPostByID loads a scheduled post.
func ScheduledPostByID(ctx context.Context, db bun.IDB, id string) (*ScheduledPost, error) {
	s := new(ScheduledPost)
	if err := db.NewSelect().Model(s).Where("id = ?", id).Scan(ctx); err != nil {
		return nil, notFound(err, "scheduled post "+id)
	}
	return s, nil
}

// ClaimScheduledPost moves a waiting scheduled post to state (published or
// failed); it reports false when it was not waiting any more (cancelled,
// or done by an earlier run). Call it in the transaction that publishes.
func ClaimScheduledPost(ctx context.Context, db bun.IDB, id, state, postID, errText string, at time.Time) (bool, error) {
	q := db.NewUpdate().Model((*ScheduledPost)(nil)).
		Set("state = ?", state).Set("error = ?", errText).Set("done_at = ?", at.UTC()).
		Where("id = ? AND state = ?", id, ScheduledWaiting)
	if postID != "" {
		q = q.Set("post_id = ?", postID)
	}
	res, err := q.Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("mark scheduled post %s %s: %w", id, state, err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// CancelScheduledPost cancels a waiting scheduled post of a group. One
// that is not waiting (published, cancelled) is ErrNotFound.
func CancelScheduledPost(ctx context.Context, db bun.IDB, groupID, id string, at time.Time) error {
	res, err := db.NewUpdate().Model((*ScheduledPost)(nil)).
		Set("state = ?", ScheduledCancelled).Set("done_at = ?", at.UTC()).
		Where("id = ? AND group_id = ? AND state = ?", id, groupID, ScheduledWaiting).Exec(ctx)
	if err != nil {
		return fmt.Errorf("cancel scheduled post %s: %w", id, err)
	}
	return mustAffect(res, "waiting scheduled post "+id)
}

// ListScheduledPosts lists a group's scheduled posts in a state (empty:
// waiting), soonest first.
func ListScheduledPosts(ctx context.Context, db bun.IDB, groupID, state string, limit int) ([]ScheduledPost, error) {
	if state == "" {
		state = ScheduledWaiting
	}
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	var ss []ScheduledPost
	err := db.NewSelect().Model(&ss).Where("group_id = ? AND state = ?", groupID, state).
		Order("run_at", "id").Limit(int64(limit)).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("list scheduled posts of group %s: %w", groupID, err)
	}
	return ss, nil
}

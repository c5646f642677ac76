package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// OutboxActivity is an activity a group sent: the body every delivery job
// signs and posts (stored once, not once per recipient), and the group's
// outbox collection.
type OutboxActivity struct {
	bun.BaseModel `bun:"table:outbox_activities,alias:oa"`

	ID        string    `bun:"id,pk"`
	GroupID   string    `bun:"group_id,notnull"`
	IRI       string    `bun:"iri,notnull"`
	Type      string    `bun:"type,notnull"`
	ObjectIRI string    `bun:"object_iri,notnull"`
	Public    bool      `bun:"public,notnull"` // listed in the public outbox
	Body      string    `bun:"body,notnull"`
	CreatedAt time.Time `bun:"created_at,notnull"`
}

// CreateOutboxActivity stores a sent activity. Re-sending the same IRI
// (an Undo of the same Announce, say) is ErrConflict.
func CreateOutboxActivity(ctx context.Context, db bun.IDB, now time.Time, a *OutboxActivity) error {
	if a.ID == "" {
		a.ID = NewID()
	}
	if a.CreatedAt.IsZero() {
		a.CreatedAt = now.UTC()
	}
	if _, err := db.NewInsert().Model(a).Exec(ctx); err != nil {
		if isUniqueViolation(err) {
			return fmt.Errorf("outbox activity %s: %w", a.IRI, ErrConflict)
		}
		return fmt.Errorf("store outbox activity %s: %w", a.IRI, err)
	}
	return nil
}

// OutboxActivityByID loads a sent activity.
func OutboxActivityByID(ctx context.Context, db bun.IDB, id string) (*OutboxActivity, error) {
	a := new(OutboxActivity)
	if err := db.NewSelect().Model(a).Where("id = ?", id).Scan(ctx); err != nil {
		return nil, notFound(err, "outbox activity "+id)
	}
	return a, nil
}

// OutboxActivityByIRI loads a sent activity by its IRI.
func OutboxActivityByIRI(ctx context.Context, db bun.IDB, iri string) (*OutboxActivity, error) {
	a := new(OutboxActivity)
	if err := db.NewSelect().Model(a).Where("iri = ?", iri).Scan(ctx); err != nil {
		return nil, notFound(err, "outbox activity "+iri)
	}
	return a, nil
}

// ListOutbox lists a group's public activities, newest first, before the
// id `before` (empty: from the newest).
func ListOutbox(ctx context.Context, db bun.IDB, groupID, before string, limit int) ([]OutboxActivity, error) {
	var as []OutboxActivity
	q := db.NewSelect().Model(&as).Where("group_id = ? AND public", groupID)
	if before != "" {
		q = q.Where("id < ?", before)
	}
	if err := q.Order("id DESC").Limit(int64(limit)).Scan(ctx); err != nil {
		return nil, fmt.Errorf("outbox of group %s: %w", groupID, err)
	}
	return as, nil
}

// CountOutbox counts a group's public activities.
func CountOutbox(ctx context.Context, db bun.IDB, groupID string) (int, error) {
	n, err := db.NewSelect().Model((*OutboxActivity)(nil)).Where("group_id = ? AND public", groupID).Count(ctx)
	if err != nil {
		return 0, fmt.Errorf("count outbox of group %s: %w", groupID, err)
	}
	return int(n), nil
}

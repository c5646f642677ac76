package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// ReceivedActivity remembers the id of an activity the inbox accepted, so
// that a repeated delivery of the same activity has one effect.
type ReceivedActivity struct {
	bun.BaseModel `bun:"table:received_activities,alias:rac"`

	IRI        string    `bun:"iri,pk"`
	ReceivedAt time.Time `bun:"received_at,notnull"`
}

// RecordActivity stores iri and reports whether it is new. Run it in the
// same transaction as the job that processes the activity.
func RecordActivity(ctx context.Context, db bun.IDB, iri string, at time.Time) (bool, error) {
	res, err := db.NewInsert().Model(&ReceivedActivity{IRI: iri, ReceivedAt: at.UTC()}).
		On("CONFLICT (iri) DO NOTHING").Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("record activity %s: %w", iri, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("record activity %s: %w", iri, err)
	}
	return n == 1, nil
}

// PruneActivities forgets activity ids received before cutoff and returns
// how many it forgot. Servers stop retrying long before the cutoff.
func PruneActivities(ctx context.Context, db bun.IDB, cutoff time.Time) (int, error) {
	res, err := db.NewDelete().Model((*ReceivedActivity)(nil)).Where("received_at < ?", cutoff.UTC()).Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("prune received activities: %w", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

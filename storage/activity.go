package storage

import (
	"context"
	"fmt"
	"strings"
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
	fresh, err := RecordActivities(ctx, db, []string{iri}, at)
	return fresh[iri], err
}

// ActivityReceived tells whether an activity id was recorded.
func ActivityReceived(ctx context.Context, db bun.IDB, iri string) (bool, error) {
	n, err := db.NewSelect().Model((*ReceivedActivity)(nil)).Where("iri = ?", iri).Count(ctx)
	if err != nil {
		return false, fmt.Errorf("look up received activity %s: %w", iri, err)
	}
	return n > 0, nil
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

// RecordActivities records many received activity ids at once and returns
// those that were new (an id may repeat in iris).
func RecordActivities(ctx context.Context, db bun.IDB, iris []string, at time.Time) (map[string]bool, error) {
	fresh := map[string]bool{}
	if len(iris) == 0 {
		return fresh, nil
	}
	var q strings.Builder
	q.WriteString("INSERT INTO received_activities (iri, received_at) VALUES ")
	args := make([]any, 0, 2*len(iris))
	for i, iri := range iris {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString("(?, ?)")
		args = append(args, iri, at.UTC())
	}
	q.WriteString(" ON CONFLICT (iri) DO NOTHING RETURNING iri")
	var inserted []string
	if err := db.NewRaw(q.String(), args...).Scan(ctx, &inserted); err != nil {
		return nil, fmt.Errorf("record %d activities: %w", len(iris), err)
	}
	for _, iri := range inserted {
		fresh[iri] = true
	}
	return fresh, nil
}

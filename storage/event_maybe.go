package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// eventMaybe is a member's "maybe" for an event: no attendee, no place.
type eventMaybe struct {
	bun.BaseModel `bun:"table:event_maybes,alias:em"`

	EventID   string    `bun:"event_id,pk"`
	ActorID   string    `bun:"actor_id,pk"`
	CreatedAt time.Time `bun:"created_at,notnull"`
}

// SetEventMaybe records or clears an actor's "maybe" for an event.
func SetEventMaybe(ctx context.Context, db bun.IDB, now time.Time, eventID, actorID string, on bool) error {
	var err error
	if on {
		_, err = db.NewInsert().Model(&eventMaybe{EventID: eventID, ActorID: actorID, CreatedAt: now.UTC()}).
			On("CONFLICT (event_id, actor_id) DO NOTHING").Exec(ctx)
	} else {
		_, err = db.NewDelete().Model((*eventMaybe)(nil)).Where("event_id = ? AND actor_id = ?", eventID, actorID).Exec(ctx)
	}
	if err != nil {
		return fmt.Errorf("maybe of %s for event %s: %w", actorID, eventID, err)
	}
	return nil
}

// IsEventMaybe tells whether an actor said maybe to an event.
func IsEventMaybe(ctx context.Context, db bun.IDB, eventID, actorID string) (bool, error) {
	n, err := db.NewSelect().Model((*eventMaybe)(nil)).Where("event_id = ? AND actor_id = ?", eventID, actorID).Count(ctx)
	if err != nil {
		return false, fmt.Errorf("maybe of %s for event %s: %w", actorID, eventID, err)
	}
	return n > 0, nil
}

// CountEventMaybes counts the maybes of an event.
func CountEventMaybes(ctx context.Context, db bun.IDB, eventID string) (int, error) {
	n, err := db.NewSelect().Model((*eventMaybe)(nil)).Where("event_id = ?", eventID).Count(ctx)
	if err != nil {
		return 0, fmt.Errorf("maybes of event %s: %w", eventID, err)
	}
	return int(n), nil
}

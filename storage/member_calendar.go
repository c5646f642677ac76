package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// MemberCalendar is a member's private calendar link for one group: the
// hash of the secret token in its URL.
type MemberCalendar struct {
	bun.BaseModel `bun:"table:member_calendars,alias:mc"`

	ID        string    `bun:"id,pk"`
	TokenHash string    `bun:"token_hash,notnull"`
	GroupID   string    `bun:"group_id,notnull"`
	ActorID   string    `bun:"actor_id,notnull"`
	CreatedAt time.Time `bun:"created_at,notnull"`
}

// ReplaceMemberCalendar gives a member a new calendar link; the one they
// had stops working. Run it in a transaction.
func ReplaceMemberCalendar(ctx context.Context, db bun.IDB, now time.Time, groupID, actorID, tokenHash string) error {
	if err := DeleteMemberCalendar(ctx, db, groupID, actorID); err != nil {
		return err
	}
	c := &MemberCalendar{ID: NewID(), TokenHash: tokenHash, GroupID: groupID, ActorID: actorID, CreatedAt: now.UTC()}
	if _, err := db.NewInsert().Model(c).Exec(ctx); err != nil {
		return fmt.Errorf("calendar link of %s: %w", actorID, err)
	}
	return nil
}

// DeleteMemberCalendar turns a member's calendar link off; none is no error.
func DeleteMemberCalendar(ctx context.Context, db bun.IDB, groupID, actorID string) error {
	if _, err := db.NewDelete().Model((*MemberCalendar)(nil)).Where("group_id = ? AND actor_id = ?", groupID, actorID).Exec(ctx); err != nil {
		return fmt.Errorf("delete the calendar link of %s: %w", actorID, err)
	}
	return nil
}

// MemberCalendarOf loads a member's calendar link; ErrNotFound for none.
func MemberCalendarOf(ctx context.Context, db bun.IDB, groupID, actorID string) (*MemberCalendar, error) {
	c := new(MemberCalendar)
	if err := db.NewSelect().Model(c).Where("group_id = ? AND actor_id = ?", groupID, actorID).Scan(ctx); err != nil {
		return nil, notFound(err, "calendar link")
	}
	return c, nil
}

// MemberCalendarByTokenHash finds the calendar link of a group with this
// token hash; ErrNotFound for none.
func MemberCalendarByTokenHash(ctx context.Context, db bun.IDB, groupID, tokenHash string) (*MemberCalendar, error) {
	c := new(MemberCalendar)
	if err := db.NewSelect().Model(c).Where("group_id = ? AND token_hash = ?", groupID, tokenHash).Scan(ctx); err != nil {
		return nil, notFound(err, "calendar link")
	}
	return c, nil
}

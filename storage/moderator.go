package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// GroupModerator appoints a staff member as a moderator of one group.
type GroupModerator struct {
	bun.BaseModel `bun:"table:group_moderators,alias:gm"`

	GroupID   string    `bun:"group_id,pk"`
	StaffID   string    `bun:"staff_id,pk"`
	CreatedAt time.Time `bun:"created_at,notnull"`
}

// AddModerator makes staffID a moderator of groupID; doing it twice is not an error.
func AddModerator(ctx context.Context, db bun.IDB, now time.Time, groupID, staffID string) error {
	m := &GroupModerator{GroupID: groupID, StaffID: staffID, CreatedAt: now.UTC()}
	if _, err := db.NewInsert().Model(m).On("CONFLICT (group_id, staff_id) DO NOTHING").Exec(ctx); err != nil {
		return fmt.Errorf("add moderator %s to group %s: %w", staffID, groupID, err)
	}
	return nil
}

// RemoveModerator ends staffID's appointment to groupID.
func RemoveModerator(ctx context.Context, db bun.IDB, groupID, staffID string) error {
	res, err := db.NewDelete().Model((*GroupModerator)(nil)).
		Where("group_id = ? AND staff_id = ?", groupID, staffID).Exec(ctx)
	if err != nil {
		return fmt.Errorf("remove moderator %s from group %s: %w", staffID, groupID, err)
	}
	return mustAffect(res, "moderator "+staffID+" of group "+groupID)
}

// IsModerator tells whether staffID moderates groupID.
func IsModerator(ctx context.Context, db bun.IDB, groupID, staffID string) (bool, error) {
	ok, err := db.NewSelect().Model((*GroupModerator)(nil)).
		Where("group_id = ? AND staff_id = ?", groupID, staffID).Exists(ctx)
	if err != nil {
		return false, fmt.Errorf("check moderator %s of group %s: %w", staffID, groupID, err)
	}
	return ok, nil
}

// ListModerators returns a group's moderators, by username.
func ListModerators(ctx context.Context, db bun.IDB, groupID string) ([]Staff, error) {
	var ss []Staff
	err := db.NewSelect().Model(&ss).
		Join("JOIN group_moderators AS gm ON gm.staff_id = st.id").
		Where("gm.group_id = ?", groupID).Order("st.username").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("list moderators of group %s: %w", groupID, err)
	}
	return ss, nil
}

// ModeratedGroups returns the groups staffID moderates, by name.
func ModeratedGroups(ctx context.Context, db bun.IDB, staffID string) ([]Group, error) {
	var gs []Group
	err := db.NewSelect().Model(&gs).
		Join("JOIN group_moderators AS gm ON gm.group_id = g.id").
		Where("gm.staff_id = ?", staffID).Order("g.name").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("list groups of moderator %s: %w", staffID, err)
	}
	return gs, nil
}

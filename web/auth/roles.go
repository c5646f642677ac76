package auth

import (
	"context"

	"github.com/uptrace/bun"

	"github.com/kith-social/kith/storage"
)

// IsOwner tells whether s may do everything on the node.
func IsOwner(s *storage.Staff) bool { return s != nil && s.Role == storage.RoleOwner }

// CanManageGroup tells whether s may act on the group: the owner may act on
// every group, a moderator on the groups they were appointed to.
func CanManageGroup(ctx context.Context, db bun.IDB, s *storage.Staff, groupID string) (bool, error) {
	if s == nil {
		return false, nil
	}
	if IsOwner(s) {
		return true, nil
	}
	if s.Role != storage.RoleModerator {
		return false, nil
	}
	return storage.IsModerator(ctx, db, groupID, s.ID)
}

// ManagedGroups lists the groups s may act on, by name.
func ManagedGroups(ctx context.Context, db bun.IDB, s *storage.Staff) ([]storage.Group, error) {
	if IsOwner(s) {
		return storage.ListGroups(ctx, db)
	}
	if s == nil || s.Role != storage.RoleModerator {
		return nil, nil
	}
	return storage.ModeratedGroups(ctx, db, s.ID)
}

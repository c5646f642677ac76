package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// Invite is a one-time link the owner gives someone to become a moderator
// of one group. Only the hash of its token is stored.
type Invite struct {
	bun.BaseModel `bun:"table:moderator_invites,alias:mi"`

	ID        string    `bun:"id,pk"`
	GroupID   string    `bun:"group_id,notnull"`
	TokenHash string    `bun:"token_hash,notnull"` // hex SHA-256 of the link's token
	CreatedBy string    `bun:"created_by,nullzero"`
	CreatedAt time.Time `bun:"created_at,notnull"`
	ExpiresAt time.Time `bun:"expires_at,notnull"`
	UsedAt    time.Time `bun:"used_at,nullzero"`
	UsedBy    string    `bun:"used_by,nullzero"`

	Group *Group `bun:"rel:belongs-to,join:group_id=id"`
}

// Usable tells whether the invite can still be accepted at t.
func (i *Invite) Usable(t time.Time) bool { return i.UsedAt.IsZero() && t.Before(i.ExpiresAt) }

// CreateInvite inserts i, filling ID and CreatedAt; ExpiresAt must be set.
func CreateInvite(ctx context.Context, db bun.IDB, now time.Time, i *Invite) error {
	if i.GroupID == "" || i.TokenHash == "" || i.ExpiresAt.IsZero() {
		return fmt.Errorf("create invite: group, token hash and expiry are required")
	}
	if i.ID == "" {
		i.ID = NewID()
	}
	if i.CreatedAt.IsZero() {
		i.CreatedAt = now.UTC()
	}
	if _, err := db.NewInsert().Model(i).Exec(ctx); err != nil {
		return fmt.Errorf("create invite for group %s: %w", i.GroupID, err)
	}
	return nil
}

// InviteByTokenHash loads an invite and its group by the hash of its token,
// used or not; see Usable.
func InviteByTokenHash(ctx context.Context, db bun.IDB, tokenHash string) (*Invite, error) {
	i := new(Invite)
	if err := db.NewSelect().Model(i).Relation("Group").Where("mi.token_hash = ?", tokenHash).Scan(ctx); err != nil {
		return nil, notFound(err, "invite")
	}
	return i, nil
}

// UseInvite marks the invite used by staffID at t, provided it is still
// unused and unexpired; otherwise ErrNotFound. The UPDATE's condition makes
// the link single-use even when two people submit it at once.
func UseInvite(ctx context.Context, db bun.IDB, id, staffID string, t time.Time) error {
	res, err := db.NewUpdate().Model((*Invite)(nil)).
		Set("used_at = ?", t.UTC()).Set("used_by = ?", staffID).
		Where("id = ? AND used_at IS NULL AND expires_at > ?", id, t.UTC()).Exec(ctx)
	if err != nil {
		return fmt.Errorf("use invite %s: %w", id, err)
	}
	return mustAffect(res, "usable invite "+id)
}

// ListOpenInvites lists a group's invites that are unused and unexpired at t, newest first.
func ListOpenInvites(ctx context.Context, db bun.IDB, groupID string, t time.Time) ([]Invite, error) {
	var is []Invite
	err := db.NewSelect().Model(&is).
		Where("group_id = ? AND used_at IS NULL AND expires_at > ?", groupID, t.UTC()).
		Order("created_at DESC", "id DESC").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("list invites of group %s: %w", groupID, err)
	}
	return is, nil
}

// DeleteInvite revokes an invite of a group.
func DeleteInvite(ctx context.Context, db bun.IDB, groupID, id string) error {
	res, err := db.NewDelete().Model((*Invite)(nil)).Where("group_id = ? AND id = ?", groupID, id).Exec(ctx)
	if err != nil {
		return fmt.Errorf("delete invite %s: %w", id, err)
	}
	return mustAffect(res, "invite "+id)
}

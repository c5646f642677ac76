package storage

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// InvitationLifetime is how long a member's invitation link works.
const InvitationLifetime = 7 * 24 * time.Hour

// Invitation is a member vouching for someone to join a closed group: a
// one-time link (only its token's hash is kept), claimed by the handle the
// invitee typed on its page, used when that account's follow arrived.
type Invitation struct {
	bun.BaseModel `bun:"table:member_invitations,alias:inv"`

	ID            string    `bun:"id,pk"`
	GroupID       string    `bun:"group_id,notnull"`
	InviterID     string    `bun:"inviter_id,notnull"`
	TokenHash     string    `bun:"token_hash,notnull"`
	CreatedAt     time.Time `bun:"created_at,notnull"`
	ExpiresAt     time.Time `bun:"expires_at,notnull"`
	InviteeHandle string    `bun:"invitee_handle,notnull"` // user@host, lowercase; "" until claimed
	ClaimedAt     time.Time `bun:"claimed_at,nullzero"`
	InviteeID     string    `bun:"invitee_id,nullzero"`
	UsedAt        time.Time `bun:"used_at,nullzero"`

	Inviter *RemoteActor `bun:"rel:belongs-to,join:inviter_id=id"`
	Invitee *RemoteActor `bun:"rel:belongs-to,join:invitee_id=id"`
}

// Open tells whether the invitation still admits someone at t.
func (i *Invitation) Open(t time.Time) bool { return i.UsedAt.IsZero() && t.Before(i.ExpiresAt) }

// NormalizeHandle turns "@User@Host" into "user@host"; "" when it is not
// a handle.
func NormalizeHandle(h string) string {
	h = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(h), "@"))
	user, host, ok := strings.Cut(h, "@")
	if !ok || user == "" || host == "" || strings.ContainsAny(h, " /:") || strings.Contains(host, "@") {
		return ""
	}
	return h
}

// CreateInvitation stores a new invitation valid InvitationLifetime from now.
func CreateInvitation(ctx context.Context, db bun.IDB, now time.Time, inv *Invitation) error {
	if inv.ID == "" {
		inv.ID = NewID()
	}
	inv.CreatedAt = now.UTC()
	inv.ExpiresAt = inv.CreatedAt.Add(InvitationLifetime)
	if _, err := db.NewInsert().Model(inv).Exec(ctx); err != nil {
		return fmt.Errorf("create invitation by %s: %w", inv.InviterID, err)
	}
	return nil
}

// CountInvitationsSince counts the invitations a member made in a group
// since a time (the rate limit).
func CountInvitationsSince(ctx context.Context, db bun.IDB, groupID, inviterID string, since time.Time) (int, error) {
	n, err := db.NewSelect().Model((*Invitation)(nil)).
		Where("group_id = ? AND inviter_id = ? AND created_at >= ?", groupID, inviterID, since.UTC()).Count(ctx)
	if err != nil {
		return 0, fmt.Errorf("count invitations by %s: %w", inviterID, err)
	}
	return int(n), nil
}

// InvitationByToken loads a group's invitation by its token's hash, with
// the inviter.
func InvitationByToken(ctx context.Context, db bun.IDB, groupID, tokenHash string) (*Invitation, error) {
	inv := new(Invitation)
	err := db.NewSelect().Model(inv).Relation("Inviter").
		Where("inv.group_id = ? AND inv.token_hash = ?", groupID, tokenHash).Scan(ctx)
	if err != nil {
		return nil, notFound(err, "invitation")
	}
	return inv, nil
}

// ClaimInvitation records the handle that will use an open invitation
// (typed again, it replaces the first: a typo can be corrected).
func ClaimInvitation(ctx context.Context, db bun.IDB, now time.Time, id, handle string) error {
	res, err := db.NewUpdate().Model((*Invitation)(nil)).
		Set("invitee_handle = ?, claimed_at = ?", handle, now.UTC()).
		Where("id = ? AND used_at IS NULL AND expires_at > ?", id, now.UTC()).Exec(ctx)
	if err != nil {
		return fmt.Errorf("claim invitation %s: %w", id, err)
	}
	return mustAffect(res, "open invitation "+id)
}

// ClaimedInvitationFor finds the open invitation a handle claimed in a
// group, the newest if several, with its inviter.
func ClaimedInvitationFor(ctx context.Context, db bun.IDB, groupID, handle string, now time.Time) (*Invitation, error) {
	inv := new(Invitation)
	err := db.NewSelect().Model(inv).Relation("Inviter").
		Where("inv.group_id = ? AND inv.invitee_handle = ? AND inv.used_at IS NULL AND inv.expires_at > ?", groupID, handle, now.UTC()).
		Order("inv.claimed_at DESC").Limit(1).Scan(ctx)
	if err != nil {
		return nil, notFound(err, "invitation for "+handle)
	}
	return inv, nil
}

// UseInvitation records that the invitee's follow arrived and was accepted.
func UseInvitation(ctx context.Context, db bun.IDB, now time.Time, id, inviteeID string) error {
	res, err := db.NewUpdate().Model((*Invitation)(nil)).
		Set("invitee_id = ?, used_at = ?", inviteeID, now.UTC()).Where("id = ? AND used_at IS NULL", id).Exec(ctx)
	if err != nil {
		return fmt.Errorf("use invitation %s: %w", id, err)
	}
	return mustAffect(res, "open invitation "+id)
}

// InvitationsBy lists a member's invitations in a group, newest first.
func InvitationsBy(ctx context.Context, db bun.IDB, groupID, inviterID string, limit int) ([]Invitation, error) {
	var out []Invitation
	err := db.NewSelect().Model(&out).Relation("Invitee").
		Where("inv.group_id = ? AND inv.inviter_id = ?", groupID, inviterID).
		Order("inv.created_at DESC").Limit(int64(limit)).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("invitations by %s: %w", inviterID, err)
	}
	return out, nil
}

// UsedInvitations lists a group's used invitations, oldest first, with
// both people: who came through whom.
func UsedInvitations(ctx context.Context, db bun.IDB, groupID string) ([]Invitation, error) {
	var out []Invitation
	err := db.NewSelect().Model(&out).Relation("Inviter").Relation("Invitee").
		Where("inv.group_id = ? AND inv.used_at IS NOT NULL AND inv.invitee_id IS NOT NULL", groupID).
		Order("inv.used_at", "inv.id").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("invitation tree of group %s: %w", groupID, err)
	}
	return out, nil
}

// BannedActorIDs returns which of a group's actors are banned.
func BannedActorIDs(ctx context.Context, db bun.IDB, groupID string) (map[string]bool, error) {
	var ids []string
	if err := db.NewSelect().Model((*Ban)(nil)).Column("actor_id").Where("group_id = ?", groupID).Scan(ctx, &ids); err != nil && !isNoRows(err) {
		return nil, fmt.Errorf("bans of group %s: %w", groupID, err)
	}
	out := make(map[string]bool, len(ids))
	for _, id := range ids {
		out[id] = true
	}
	return out, nil
}

// SetInviteRevoked takes away or gives back a member's right to invite.
func SetInviteRevoked(ctx context.Context, db bun.IDB, groupID, actorID string, revoked bool) error {
	ml := &MemberLevel{GroupID: groupID, ActorID: actorID, Level: LevelNewcomer, InviteRevoked: revoked}
	_, err := db.NewInsert().Model(ml).On("CONFLICT (group_id, actor_id) DO UPDATE").
		Set("invite_revoked = EXCLUDED.invite_revoked").Exec(ctx)
	if err != nil {
		return fmt.Errorf("right to invite of %s in group %s: %w", actorID, groupID, err)
	}
	return nil
}

// InviteesOf lists the people a member's used invitations admitted to a
// group, oldest first, leaving out those banned from it.
func InviteesOf(ctx context.Context, db bun.IDB, groupID, inviterID string) ([]RemoteActor, error) {
	var out []RemoteActor
	err := db.NewSelect().Model(&out).
		Join("JOIN member_invitations AS inv ON inv.invitee_id = ra.id").
		Where("inv.group_id = ? AND inv.inviter_id = ? AND inv.used_at IS NOT NULL", groupID, inviterID).
		Where("NOT EXISTS (SELECT 1 FROM bans AS b WHERE b.group_id = inv.group_id AND b.actor_id = ra.id)").
		Order("inv.used_at", "inv.id").Scan(ctx)
	if err != nil && !isNoRows(err) {
		return nil, fmt.Errorf("invitees of %s in group %s: %w", inviterID, groupID, err)
	}
	return out, nil
}

// FlagForReview holds a member's posts in a group for review, with reason
// shown to moderators, until ClearReviewFlag. Flagged again, the newer
// reason stands.
func FlagForReview(ctx context.Context, db bun.IDB, now time.Time, groupID, actorID, reason string) error {
	if reason == "" {
		return fmt.Errorf("flag %s for review without a reason: %w", actorID, ErrInvalid)
	}
	ml := &MemberLevel{GroupID: groupID, ActorID: actorID, Level: LevelNewcomer, ReviewReason: reason, FlaggedAt: now.UTC()}
	_, err := db.NewInsert().Model(ml).On("CONFLICT (group_id, actor_id) DO UPDATE").
		Set("review_reason = EXCLUDED.review_reason, flagged_at = EXCLUDED.flagged_at").Exec(ctx)
	if err != nil {
		return fmt.Errorf("flag %s for review in group %s: %w", actorID, groupID, err)
	}
	return nil
}

// ClearReviewFlag lets a flagged member's posts through again; ErrNotFound
// when they are not flagged.
func ClearReviewFlag(ctx context.Context, db bun.IDB, groupID, actorID string) error {
	res, err := db.NewUpdate().Model((*MemberLevel)(nil)).Set("review_reason = ?, flagged_at = NULL", "").
		Where("group_id = ? AND actor_id = ? AND review_reason <> ?", groupID, actorID, "").Exec(ctx)
	if err != nil {
		return fmt.Errorf("clear the review flag of %s in group %s: %w", actorID, groupID, err)
	}
	return mustAffect(res, "review flag of "+actorID)
}

// ReviewFlags returns a group's flagged actors with the reason of each.
func ReviewFlags(ctx context.Context, db bun.IDB, groupID string) (map[string]string, error) {
	var rows []MemberLevel
	err := db.NewSelect().Model(&rows).Column("actor_id", "review_reason").
		Where("ml.group_id = ? AND ml.review_reason <> ?", groupID, "").Scan(ctx)
	if err != nil && !isNoRows(err) {
		return nil, fmt.Errorf("review flags of group %s: %w", groupID, err)
	}
	out := make(map[string]string, len(rows))
	for _, r := range rows {
		out[r.ActorID] = r.ReviewReason
	}
	return out, nil
}

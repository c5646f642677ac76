package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// MemberSession is a member signed in to their group's members' pages
// from one browser. Like a staff session, the browser holds a random
// token and the database its SHA-256; unlike one, it belongs to a remote
// actor and one group, and grants nothing in the admin UI.
type MemberSession struct {
	bun.BaseModel `bun:"table:member_sessions,alias:ms"`

	ID         string    `bun:"id,pk"`
	TokenHash  string    `bun:"token_hash,notnull"`
	GroupID    string    `bun:"group_id,notnull"`
	ActorID    string    `bun:"actor_id,notnull"`
	UserAgent  string    `bun:"user_agent,notnull"` // shown in the member's list of sessions
	CreatedAt  time.Time `bun:"created_at,notnull"`
	LastSeenAt time.Time `bun:"last_seen_at,notnull"`

	Actor *RemoteActor `bun:"rel:belongs-to,join:actor_id=id"`
}

// CreateMemberSession inserts s, filling its ID; CreatedAt must be set.
func CreateMemberSession(ctx context.Context, db bun.IDB, s *MemberSession) error {
	if s.TokenHash == "" || s.GroupID == "" || s.ActorID == "" || s.CreatedAt.IsZero() {
		return fmt.Errorf("create member session: token hash, group, actor and time are required")
	}
	if s.ID == "" {
		s.ID = NewID()
	}
	if s.LastSeenAt.IsZero() {
		s.LastSeenAt = s.CreatedAt
	}
	if _, err := db.NewInsert().Model(s).Exec(ctx); err != nil {
		return fmt.Errorf("create member session for %s: %w", s.ActorID, err)
	}
	return nil
}

// MemberSessionByTokenHash loads a session of groupID and its member by
// the hash of the token. It does not check idleness: the caller decides,
// with its clock.
func MemberSessionByTokenHash(ctx context.Context, db bun.IDB, groupID, tokenHash string) (*MemberSession, error) {
	s := new(MemberSession)
	err := db.NewSelect().Model(s).Relation("Actor").
		Where("ms.token_hash = ? AND ms.group_id = ?", tokenHash, groupID).Scan(ctx)
	if err != nil {
		return nil, notFound(err, "member session")
	}
	return s, nil
}

// TouchMemberSession records that the session was used at t.
func TouchMemberSession(ctx context.Context, db bun.IDB, id string, t time.Time) error {
	res, err := db.NewUpdate().Model((*MemberSession)(nil)).
		Set("last_seen_at = ?", t.UTC()).Where("id = ?", id).Exec(ctx)
	if err != nil {
		return fmt.Errorf("touch member session %s: %w", id, err)
	}
	return mustAffect(res, "member session "+id)
}

// ListMemberSessions returns a member's sessions in a group, the most
// recently used first.
func ListMemberSessions(ctx context.Context, db bun.IDB, groupID, actorID string) ([]MemberSession, error) {
	var out []MemberSession
	err := db.NewSelect().Model(&out).Where("group_id = ? AND actor_id = ?", groupID, actorID).
		OrderExpr("last_seen_at DESC, id DESC").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("sessions of %s: %w", actorID, err)
	}
	return out, nil
}

// DeleteMemberSession ends one of a member's sessions (signing out, or
// revoking it from another); ErrNotFound if it is not theirs.
func DeleteMemberSession(ctx context.Context, db bun.IDB, groupID, actorID, id string) error {
	res, err := db.NewDelete().Model((*MemberSession)(nil)).
		Where("id = ? AND group_id = ? AND actor_id = ?", id, groupID, actorID).Exec(ctx)
	if err != nil {
		return fmt.Errorf("delete member session %s: %w", id, err)
	}
	return mustAffect(res, "member session "+id)
}

// DeleteMemberSessions ends every session of a member in a group ("sign
// out everywhere", or a member who is one no longer) and returns how many.
func DeleteMemberSessions(ctx context.Context, db bun.IDB, groupID, actorID string) (int, error) {
	res, err := db.NewDelete().Model((*MemberSession)(nil)).
		Where("group_id = ? AND actor_id = ?", groupID, actorID).Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("delete sessions of %s: %w", actorID, err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// DeleteIdleMemberSessions removes sessions last used before idleBefore
// and returns how many.
func DeleteIdleMemberSessions(ctx context.Context, db bun.IDB, idleBefore time.Time) (int, error) {
	res, err := db.NewDelete().Model((*MemberSession)(nil)).Where("last_seen_at < ?", idleBefore.UTC()).Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("delete idle member sessions: %w", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// Session is a staff member logged in to the admin UI. The browser holds a
// random token; the database holds only its SHA-256 hash, so a copy of the
// database cannot be used to log in.
type Session struct {
	bun.BaseModel `bun:"table:staff_sessions,alias:ss"`

	ID         string    `bun:"id,pk"`
	TokenHash  string    `bun:"token_hash,notnull"` // hex SHA-256 of the cookie's token
	StaffID    string    `bun:"staff_id,notnull"`
	CreatedAt  time.Time `bun:"created_at,notnull"`
	LastSeenAt time.Time `bun:"last_seen_at,notnull"`
	ExpiresAt  time.Time `bun:"expires_at,notnull"` // absolute end, whatever the activity

	Staff *Staff `bun:"rel:belongs-to,join:staff_id=id"`
}

// CreateSession inserts s, filling its ID. CreatedAt and LastSeenAt default
// to now; ExpiresAt must be set.
func CreateSession(ctx context.Context, db bun.IDB, now time.Time, s *Session) error {
	if s.TokenHash == "" || s.StaffID == "" || s.ExpiresAt.IsZero() {
		return fmt.Errorf("create session: token hash, staff and expiry are required")
	}
	if s.ID == "" {
		s.ID = NewID()
	}
	now = now.UTC()
	if s.CreatedAt.IsZero() {
		s.CreatedAt = now
	}
	if s.LastSeenAt.IsZero() {
		s.LastSeenAt = s.CreatedAt
	}
	if _, err := db.NewInsert().Model(s).Exec(ctx); err != nil {
		return fmt.Errorf("create session for staff %s: %w", s.StaffID, err)
	}
	return nil
}

// SessionByTokenHash loads a session and its staff member by the hash of
// the token. It does not check expiry: the caller decides, with its clock.
func SessionByTokenHash(ctx context.Context, db bun.IDB, tokenHash string) (*Session, error) {
	s := new(Session)
	err := db.NewSelect().Model(s).Relation("Staff").Where("ss.token_hash = ?", tokenHash).Scan(ctx)
	if err != nil {
		return nil, notFound(err, "session")
	}
	return s, nil
}

// TouchSession records that the session was used at t.
func TouchSession(ctx context.Context, db bun.IDB, id string, t time.Time) error {
	res, err := db.NewUpdate().Model((*Session)(nil)).
		Set("last_seen_at = ?", t.UTC()).Where("id = ?", id).Exec(ctx)
	if err != nil {
		return fmt.Errorf("touch session %s: %w", id, err)
	}
	return mustAffect(res, "session "+id)
}

// DeleteSession ends one session (logout, expiry); a missing one is not an error.
func DeleteSession(ctx context.Context, db bun.IDB, id string) error {
	if _, err := db.NewDelete().Model((*Session)(nil)).Where("id = ?", id).Exec(ctx); err != nil {
		return fmt.Errorf("delete session %s: %w", id, err)
	}
	return nil
}

// DeleteStaffSessions ends every session of a staff member except keepID
// (empty: all of them), as after a password change.
func DeleteStaffSessions(ctx context.Context, db bun.IDB, staffID, keepID string) (int, error) {
	q := db.NewDelete().Model((*Session)(nil)).Where("staff_id = ?", staffID)
	if keepID != "" {
		q = q.Where("id <> ?", keepID)
	}
	res, err := q.Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("delete sessions of staff %s: %w", staffID, err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// DeleteSessionsBefore removes sessions that expired before t or were last
// used before idleBefore (a periodic clean-up); it returns how many.
func DeleteSessionsBefore(ctx context.Context, db bun.IDB, t, idleBefore time.Time) (int, error) {
	res, err := db.NewDelete().Model((*Session)(nil)).
		Where("expires_at < ? OR last_seen_at < ?", t.UTC(), idleBefore.UTC()).Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("delete expired sessions: %w", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// StaffByID loads a staff account by its id.
// (Staff queries belong in staff.go; these two live here, next to the
// sessions they serve, until the lead moves them.)
func StaffByID(ctx context.Context, db bun.IDB, id string) (*Staff, error) {
	s := new(Staff)
	if err := db.NewSelect().Model(s).Where("id = ?", id).Scan(ctx); err != nil {
		return nil, notFound(err, "staff "+id)
	}
	return s, nil
}

// SetStaffPassword replaces a staff member's password hash.
func SetStaffPassword(ctx context.Context, db bun.IDB, staffID, hash string) error {
	res, err := db.NewUpdate().Model((*Staff)(nil)).
		Set("password_hash = ?", hash).Where("id = ?", staffID).Exec(ctx)
	if err != nil {
		return fmt.Errorf("set password of staff %s: %w", staffID, err)
	}
	return mustAffect(res, "staff "+staffID)
}

package storage

import (
	"context"
	"fmt"
	"regexp"
	"time"

	"github.com/uptrace/bun"
)

// Staff roles. The owner can do everything; a moderator acts on the groups
// they were appointed to.
const (
	RoleOwner     = "owner"
	RoleModerator = "moderator"
)

// Staff is a person who logs in to the admin UI.
type Staff struct {
	bun.BaseModel `bun:"table:staff,alias:st"`

	ID           string    `bun:"id,pk"`
	Username     string    `bun:"username,notnull"`
	PasswordHash string    `bun:"password_hash,notnull"` // argon2id, PHC string format
	Role         string    `bun:"role,notnull"`
	CreatedAt    time.Time `bun:"created_at,notnull"`
}

var usernameRE = regexp.MustCompile(`^[a-zA-Z0-9_.-]{1,40}$`)

// ValidateUsername says why u cannot be a staff username, or nil.
func ValidateUsername(u string) error {
	if !usernameRE.MatchString(u) {
		return fmt.Errorf("username %q: use 1 to 40 letters, digits, '.', '-' or '_'", u)
	}
	return nil
}

// CreateStaff inserts s. A taken username is ErrConflict.
func CreateStaff(ctx context.Context, db bun.IDB, now time.Time, s *Staff) error {
	if err := ValidateUsername(s.Username); err != nil {
		return err
	}
	if s.Role != RoleOwner && s.Role != RoleModerator {
		return fmt.Errorf("staff role %q: want %s or %s", s.Role, RoleOwner, RoleModerator)
	}
	if s.ID == "" {
		s.ID = NewID()
	}
	s.CreatedAt = now.UTC()
	if _, err := db.NewInsert().Model(s).Exec(ctx); err != nil {
		if isUniqueViolation(err) {
			return fmt.Errorf("username %q: %w", s.Username, ErrConflict)
		}
		return fmt.Errorf("create staff %q: %w", s.Username, err)
	}
	return nil
}

// StaffByUsername loads a staff account by its username.
func StaffByUsername(ctx context.Context, db bun.IDB, username string) (*Staff, error) {
	s := new(Staff)
	if err := db.NewSelect().Model(s).Where("username = ?", username).Scan(ctx); err != nil {
		return nil, notFound(err, "staff "+username)
	}
	return s, nil
}

// CountOwners tells whether the node has been set up (an owner exists).
func CountOwners(ctx context.Context, db bun.IDB) (int, error) {
	n, err := db.NewSelect().Model((*Staff)(nil)).Where("role = ?", RoleOwner).Count(ctx)
	if err != nil {
		return 0, fmt.Errorf("count owners: %w", err)
	}
	return int(n), nil
}

package storage

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"
)

// Role is a custom role the owner defines in a group ("Gardener",
// "Event host"), shown beside members who hold it. Owner and moderator are
// staff roles (staff, group_moderators); every accepted follower is a member.
type Role struct {
	bun.BaseModel `bun:"table:member_roles,alias:mr"`

	ID        string    `bun:"id,pk"`
	GroupID   string    `bun:"group_id,notnull"`
	Name      string    `bun:"name,notnull"`
	Colour    string    `bun:"colour,notnull"` // #rrggbb, or ""
	CreatedAt time.Time `bun:"created_at,notnull"`
}

// RoleAssignment gives a member a role.
type RoleAssignment struct {
	bun.BaseModel `bun:"table:member_role_assignments,alias:mra"`

	RoleID    string    `bun:"role_id,pk"`
	ActorID   string    `bun:"actor_id,pk"`
	CreatedAt time.Time `bun:"created_at,notnull"`
}

var colourRE = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

// validLabel checks a role name or badge label: 1 to 40 characters.
func validLabel(what, s string) error {
	if n := utf8.RuneCountInString(strings.TrimSpace(s)); n == 0 || n > 40 {
		return fmt.Errorf("%s %q: use 1 to 40 characters: %w", what, s, ErrInvalid)
	}
	return nil
}

// ErrInvalid is a value storage refuses (a role name too long, a bad colour).
var ErrInvalid = errors.New("invalid value")

// CreateRole defines a custom role; a name taken in the group is ErrConflict.
func CreateRole(ctx context.Context, db bun.IDB, now time.Time, r *Role) error {
	r.Name = strings.TrimSpace(r.Name)
	if err := validLabel("role", r.Name); err != nil {
		return err
	}
	if r.Colour != "" && !colourRE.MatchString(r.Colour) {
		return fmt.Errorf("colour %q: want #rrggbb: %w", r.Colour, ErrInvalid)
	}
	if r.ID == "" {
		r.ID = NewID()
	}
	r.CreatedAt = now.UTC()
	if _, err := db.NewInsert().Model(r).Exec(ctx); err != nil {
		if isUniqueViolation(err) {
			return fmt.Errorf("role %q: %w", r.Name, ErrConflict)
		}
		return fmt.Errorf("create role %q: %w", r.Name, err)
	}
	return nil
}

// DeleteRole removes a custom role of a group and its assignments.
func DeleteRole(ctx context.Context, db bun.IDB, groupID, id string) error {
	if _, err := db.NewDelete().Model((*RoleAssignment)(nil)).Where("role_id = ?", id).
		Where("EXISTS (SELECT 1 FROM member_roles AS r WHERE r.id = role_id AND r.group_id = ?)", groupID).Exec(ctx); err != nil {
		return fmt.Errorf("unassign role %s: %w", id, err)
	}
	res, err := db.NewDelete().Model((*Role)(nil)).Where("id = ? AND group_id = ?", id, groupID).Exec(ctx)
	if err != nil {
		return fmt.Errorf("delete role %s: %w", id, err)
	}
	return mustAffect(res, "role "+id)
}

// ListRoles lists a group's custom roles by name.
func ListRoles(ctx context.Context, db bun.IDB, groupID string) ([]Role, error) {
	var rs []Role
	if err := db.NewSelect().Model(&rs).Where("mr.group_id = ?", groupID).Order("mr.name").Scan(ctx); err != nil {
		return nil, fmt.Errorf("roles of group %s: %w", groupID, err)
	}
	return rs, nil
}

// RoleByID loads a role of a group.
func RoleByID(ctx context.Context, db bun.IDB, groupID, id string) (*Role, error) {
	r := new(Role)
	if err := db.NewSelect().Model(r).Where("mr.id = ? AND mr.group_id = ?", id, groupID).Scan(ctx); err != nil {
		return nil, notFound(err, "role "+id)
	}
	return r, nil
}

// SetRole gives (on) or takes away a role from a member.
func SetRole(ctx context.Context, db bun.IDB, now time.Time, roleID, actorID string, on bool) error {
	if !on {
		_, err := db.NewDelete().Model((*RoleAssignment)(nil)).Where("role_id = ? AND actor_id = ?", roleID, actorID).Exec(ctx)
		if err != nil {
			return fmt.Errorf("take role %s from %s: %w", roleID, actorID, err)
		}
		return nil
	}
	ra := &RoleAssignment{RoleID: roleID, ActorID: actorID, CreatedAt: now.UTC()}
	if _, err := db.NewInsert().Model(ra).On("CONFLICT (role_id, actor_id) DO NOTHING").Exec(ctx); err != nil {
		return fmt.Errorf("give role %s to %s: %w", roleID, actorID, err)
	}
	return nil
}

// RolesOf lists the custom roles a member holds in a group.
func RolesOf(ctx context.Context, db bun.IDB, groupID, actorID string) ([]Role, error) {
	var rs []Role
	err := db.NewSelect().Model(&rs).
		Join("JOIN member_role_assignments AS mra ON mra.role_id = mr.id").
		Where("mr.group_id = ? AND mra.actor_id = ?", groupID, actorID).Order("mr.name").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("roles of %s in group %s: %w", actorID, groupID, err)
	}
	return rs, nil
}

// Badge is a recognition staff award to members: an emoji or an uploaded
// image, and a short text.
type Badge struct {
	bun.BaseModel `bun:"table:badges,alias:b"`

	ID        string    `bun:"id,pk"`
	GroupID   string    `bun:"group_id,notnull"`
	Label     string    `bun:"label,notnull"`
	Emoji     string    `bun:"emoji,notnull"`
	ImagePath string    `bun:"image_path,notnull"` // under <data>/media; "" when the badge is an emoji
	CreatedAt time.Time `bun:"created_at,notnull"`
}

// BadgeAward is a badge given to a member.
type BadgeAward struct {
	bun.BaseModel `bun:"table:badge_awards,alias:ba"`

	ID        string    `bun:"id,pk"`
	BadgeID   string    `bun:"badge_id,notnull"`
	ActorID   string    `bun:"actor_id,notnull"`
	Note      string    `bun:"note,notnull"` // why, in staff's words
	StaffName string    `bun:"staff_name,notnull"`
	PostID    string    `bun:"post_id,nullzero"` // the group's announcement, when there was one
	CreatedAt time.Time `bun:"created_at,notnull"`

	Badge *Badge       `bun:"rel:belongs-to,join:badge_id=id"`
	Actor *RemoteActor `bun:"rel:belongs-to,join:actor_id=id"`
}

// CreateBadge defines a badge; a label taken in the group is ErrConflict.
func CreateBadge(ctx context.Context, db bun.IDB, now time.Time, b *Badge) error {
	b.Label, b.Emoji = strings.TrimSpace(b.Label), strings.TrimSpace(b.Emoji)
	if err := validLabel("badge", b.Label); err != nil {
		return err
	}
	if utf8.RuneCountInString(b.Emoji) > 8 {
		return fmt.Errorf("badge emoji %q: one emoji: %w", b.Emoji, ErrInvalid)
	}
	if b.ID == "" {
		b.ID = NewID()
	}
	b.CreatedAt = now.UTC()
	if _, err := db.NewInsert().Model(b).Exec(ctx); err != nil {
		if isUniqueViolation(err) {
			return fmt.Errorf("badge %q: %w", b.Label, ErrConflict)
		}
		return fmt.Errorf("create badge %q: %w", b.Label, err)
	}
	return nil
}

// ListBadges lists a group's badges by label.
func ListBadges(ctx context.Context, db bun.IDB, groupID string) ([]Badge, error) {
	var bs []Badge
	if err := db.NewSelect().Model(&bs).Where("b.group_id = ?", groupID).Order("b.label").Scan(ctx); err != nil {
		return nil, fmt.Errorf("badges of group %s: %w", groupID, err)
	}
	return bs, nil
}

// BadgeByID loads a badge of a group.
func BadgeByID(ctx context.Context, db bun.IDB, groupID, id string) (*Badge, error) {
	b := new(Badge)
	if err := db.NewSelect().Model(b).Where("b.id = ? AND b.group_id = ?", id, groupID).Scan(ctx); err != nil {
		return nil, notFound(err, "badge "+id)
	}
	return b, nil
}

// DeleteBadge removes a badge and its awards.
func DeleteBadge(ctx context.Context, db bun.IDB, groupID, id string) error {
	if _, err := db.NewDelete().Model((*BadgeAward)(nil)).Where("badge_id = ?", id).
		Where("EXISTS (SELECT 1 FROM badges AS b WHERE b.id = badge_id AND b.group_id = ?)", groupID).Exec(ctx); err != nil {
		return fmt.Errorf("delete awards of badge %s: %w", id, err)
	}
	res, err := db.NewDelete().Model((*Badge)(nil)).Where("id = ? AND group_id = ?", id, groupID).Exec(ctx)
	if err != nil {
		return fmt.Errorf("delete badge %s: %w", id, err)
	}
	return mustAffect(res, "badge "+id)
}

// AwardBadge gives a badge to a member; a badge they hold already is
// ErrConflict.
func AwardBadge(ctx context.Context, db bun.IDB, now time.Time, a *BadgeAward) error {
	if a.ID == "" {
		a.ID = NewID()
	}
	if a.CreatedAt.IsZero() {
		a.CreatedAt = now.UTC()
	}
	if _, err := db.NewInsert().Model(a).Exec(ctx); err != nil {
		if isUniqueViolation(err) {
			return fmt.Errorf("badge %s of %s: %w", a.BadgeID, a.ActorID, ErrConflict)
		}
		return fmt.Errorf("award badge %s to %s: %w", a.BadgeID, a.ActorID, err)
	}
	return nil
}

// SetAwardPost records the group's announcement of an award.
func SetAwardPost(ctx context.Context, db bun.IDB, awardID, postID string) error {
	res, err := db.NewUpdate().Model((*BadgeAward)(nil)).Set("post_id = ?", postID).Where("id = ?", awardID).Exec(ctx)
	if err != nil {
		return fmt.Errorf("announcement of award %s: %w", awardID, err)
	}
	return mustAffect(res, "award "+awardID)
}

// RevokeBadge takes a badge back from a member.
func RevokeBadge(ctx context.Context, db bun.IDB, badgeID, actorID string) error {
	res, err := db.NewDelete().Model((*BadgeAward)(nil)).Where("badge_id = ? AND actor_id = ?", badgeID, actorID).Exec(ctx)
	if err != nil {
		return fmt.Errorf("revoke badge %s of %s: %w", badgeID, actorID, err)
	}
	return mustAffect(res, "award of badge "+badgeID)
}

// BadgesOf lists the badges a member holds in a group, oldest award first.
func BadgesOf(ctx context.Context, db bun.IDB, groupID, actorID string) ([]BadgeAward, error) {
	var as []BadgeAward
	err := db.NewSelect().Model(&as).Relation("Badge").
		Where("badge.group_id = ? AND ba.actor_id = ?", groupID, actorID).Order("ba.created_at", "ba.id").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("badges of %s in group %s: %w", actorID, groupID, err)
	}
	return as, nil
}

// Contributor is a member and their contributions in a period.
type Contributor struct {
	Actor *RemoteActor
	Contributions
}

// TopContributors ranks a group's members by posts + replies + likes
// their posts received, for posts that reached the group in [from, to).
func TopContributors(ctx context.Context, db bun.IDB, groupID string, from, to time.Time, limit int) ([]Contributor, error) {
	if limit <= 0 || limit > 100 {
		limit = 10
	}
	var rows []struct {
		AuthorID string `bun:"author_id"`
		Posts    int    `bun:"posts"`
		Replies  int    `bun:"replies"`
		Likes    int    `bun:"likes"`
	}
	q := db.NewSelect().Model((*Post)(nil)).
		ColumnExpr("p.author_id").
		ColumnExpr("SUM(CASE WHEN p.root_id = p.id THEN 1 ELSE 0 END) AS posts").
		ColumnExpr("SUM(CASE WHEN p.root_id <> p.id THEN 1 ELSE 0 END) AS replies").
		ColumnExpr("SUM(p.likes) AS likes").
		Where("p.group_id = ? AND p.state = ? AND p.author_id IS NOT NULL", groupID, PostPublished)
	q = periodOf(q, "p.created_at", from, to)
	if err := q.Group("p.author_id").Scan(ctx, &rows); err != nil && !isNoRows(err) {
		return nil, fmt.Errorf("top contributors of group %s: %w", groupID, err)
	}
	out := make([]Contributor, 0, len(rows))
	for _, r := range rows {
		a, err := RemoteActorByID(ctx, db, r.AuthorID)
		if err != nil {
			return nil, err
		}
		out = append(out, Contributor{Actor: a, Contributions: Contributions{Posts: r.Posts, Replies: r.Replies, LikesReceived: r.Likes}})
	}
	slices.SortFunc(out, func(a, b Contributor) int {
		if c := cmp.Compare(b.Score(), a.Score()); c != 0 {
			return c
		}
		return cmp.Compare(a.Actor.Username, b.Actor.Username)
	})
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

package storage

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/uptrace/bun"
)

// MemberProfile is what a group keeps about a member beyond the follow:
// the post they chose as their intro, and whether they are listed in the
// member directory. No row: no intro post, not listed.
type MemberProfile struct {
	bun.BaseModel `bun:"table:member_profiles,alias:mp"`

	GroupID     string    `bun:"group_id,pk"`
	ActorID     string    `bun:"actor_id,pk"`
	IntroPostID string    `bun:"intro_post_id,nullzero"`
	InDirectory bool      `bun:"in_directory,notnull"`
	UpdatedAt   time.Time `bun:"updated_at,notnull"`
	// Set by the member on the members' pages (member_profile.go).
	Pronouns   string `bun:"pronouns,notnull"`
	FieldsJSON string `bun:"fields_json,notnull"` // [{"name":…,"value":…}], plain text
	DigestDM   bool   `bun:"digest_dm,notnull"`

	IntroPost *Post `bun:"rel:belongs-to,join:intro_post_id=id"`
}

// MemberProfileOf loads a member's profile row; a missing row is an empty
// profile, not an error.
func MemberProfileOf(ctx context.Context, db bun.IDB, groupID, actorID string) (*MemberProfile, error) {
	mp := new(MemberProfile)
	err := db.NewSelect().Model(mp).Relation("IntroPost").Where("mp.group_id = ? AND mp.actor_id = ?", groupID, actorID).Scan(ctx)
	if isNoRows(err) {
		return &MemberProfile{GroupID: groupID, ActorID: actorID}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("profile of %s in group %s: %w", actorID, groupID, err)
	}
	return mp, nil
}

// SetInDirectory lists or unlists a member in the group's directory.
func SetInDirectory(ctx context.Context, db bun.IDB, now time.Time, groupID, actorID string, on bool) error {
	mp := &MemberProfile{GroupID: groupID, ActorID: actorID, InDirectory: on, UpdatedAt: now.UTC()}
	_, err := db.NewInsert().Model(mp).On("CONFLICT (group_id, actor_id) DO UPDATE").
		Set("in_directory = EXCLUDED.in_directory, updated_at = EXCLUDED.updated_at").Exec(ctx)
	if err != nil {
		return fmt.Errorf("directory listing of %s in group %s: %w", actorID, groupID, err)
	}
	return nil
}

// SetIntroPost makes a post the member's intro.
func SetIntroPost(ctx context.Context, db bun.IDB, now time.Time, groupID, actorID, postID string) error {
	mp := &MemberProfile{GroupID: groupID, ActorID: actorID, IntroPostID: postID, UpdatedAt: now.UTC()}
	_, err := db.NewInsert().Model(mp).On("CONFLICT (group_id, actor_id) DO UPDATE").
		Set("intro_post_id = EXCLUDED.intro_post_id, updated_at = EXCLUDED.updated_at").Exec(ctx)
	if err != nil {
		return fmt.Errorf("intro of %s in group %s: %w", actorID, groupID, err)
	}
	return nil
}

// DirectoryEntry is a member listed in the directory.
type DirectoryEntry struct {
	Follow
	IntroPost *Post // nil: none chosen
	Profile   *MemberProfile
	Level     string // their trust level when they chose to show it in the directory; "" otherwise
}

// DirectoryMembers lists the accepted members of a group who opted in to
// the directory, longest-standing first.
func DirectoryMembers(ctx context.Context, db bun.IDB, groupID string, limit, offset int) ([]DirectoryEntry, error) {
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	var fs []Follow
	err := db.NewSelect().Model(&fs).Relation("Actor").
		Join("JOIN member_profiles AS mp ON mp.group_id = f.group_id AND mp.actor_id = f.actor_id").
		Where("f.group_id = ? AND f.state = ? AND mp.in_directory = ?", groupID, FollowAccepted, true).
		Where("actor.gone_at IS NULL").
		Order("f.accepted_at", "f.id").Limit(int64(limit)).Offset(int64(offset)).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("directory of group %s: %w", groupID, err)
	}
	out := make([]DirectoryEntry, 0, len(fs))
	for _, f := range fs {
		mp, err := MemberProfileOf(ctx, db, groupID, f.ActorID)
		if err != nil {
			return nil, err
		}
		ml, err := MemberLevelOf(ctx, db, groupID, f.ActorID)
		if err != nil {
			return nil, err
		}
		e := DirectoryEntry{Follow: f, IntroPost: mp.IntroPost, Profile: mp}
		if ml.ShowInDirectory {
			e.Level = ml.Level
		}
		out = append(out, e)
	}
	return out, nil
}

// Contributions are a member's posts, replies and the likes their posts
// received in one group (published posts only).
type Contributions struct {
	Posts         int
	Replies       int
	LikesReceived int
}

// Score is what "top contributors" rank by.
func (c Contributions) Score() int { return c.Posts + c.Replies + c.LikesReceived }

// ContributionsOf counts a member's contributions in [from, to) by when
// the posts reached the group; zero times mean all time.
func ContributionsOf(ctx context.Context, db bun.IDB, groupID, actorID string, from, to time.Time) (Contributions, error) {
	var row struct {
		Posts   int `bun:"posts"`
		Replies int `bun:"replies"`
		Likes   int `bun:"likes"`
	}
	q := db.NewSelect().Model((*Post)(nil)).
		ColumnExpr("COALESCE(SUM(CASE WHEN p.root_id = p.id THEN 1 ELSE 0 END), 0) AS posts").
		ColumnExpr("COALESCE(SUM(CASE WHEN p.root_id <> p.id THEN 1 ELSE 0 END), 0) AS replies").
		ColumnExpr("COALESCE(SUM(p.likes), 0) AS likes").
		Where("p.group_id = ? AND p.author_id = ? AND p.state = ?", groupID, actorID, PostPublished)
	q = periodOf(q, "p.created_at", from, to)
	if err := q.Scan(ctx, &row); err != nil && !isNoRows(err) {
		return Contributions{}, fmt.Errorf("contributions of %s in group %s: %w", actorID, groupID, err)
	}
	return Contributions{Posts: row.Posts, Replies: row.Replies, LikesReceived: row.Likes}, nil
}

// periodOf restricts q to col in [from, to), each bound only when set.
func periodOf(q *bun.SelectQuery, col string, from, to time.Time) *bun.SelectQuery {
	if !from.IsZero() {
		q = q.Where(col+" >= ?", from.UTC())
	}
	if !to.IsZero() {
		q = q.Where(col+" < ?", to.UTC())
	}
	return q
}

// Digest periods.
const (
	DigestOff    = "off"
	DigestDaily  = "daily"
	DigestWeekly = "weekly"
)

// BelongingSettings are a group's settings for the digest, plain boosts,
// the welcome DM and the public directory. No row: the defaults.
type BelongingSettings struct {
	bun.BaseModel `bun:"table:belonging_settings,alias:bs"`

	GroupID string `bun:"group_id,pk"`
	Digest  string `bun:"digest,notnull"` // DigestOff, DigestDaily, DigestWeekly
	// DigestSentAt is when the last digest was published.
	DigestSentAt time.Time `bun:"digest_sent_at,nullzero"`
	// PlainBoosts: send Mastodon-style plain boosts of members' posts.
	// FEP-1b12 Announces go out either way.
	PlainBoosts bool `bun:"plain_boosts,notnull"`
	// WelcomeTemplate is the DM new members get ({name}, {group}); empty: none.
	WelcomeTemplate string `bun:"welcome_template,notnull"`
	// DirectoryPublic shows the opt-in directory of an open group to anyone.
	DirectoryPublic bool      `bun:"directory_public,notnull"`
	UpdatedAt       time.Time `bun:"updated_at,notnull"`
}

// DefaultBelongingSettings are a group's settings before staff change them.
func DefaultBelongingSettings(groupID string) *BelongingSettings {
	return &BelongingSettings{GroupID: groupID, Digest: DigestOff, PlainBoosts: true, DirectoryPublic: true}
}

// ValidateDigest says whether d is a known digest period.
func ValidateDigest(d string) error {
	switch d {
	case DigestOff, DigestDaily, DigestWeekly:
		return nil
	}
	return fmt.Errorf("digest %q: want %s, %s or %s", d, DigestOff, DigestDaily, DigestWeekly)
}

// BelongingSettingsOf loads a group's settings, the defaults when unset.
func BelongingSettingsOf(ctx context.Context, db bun.IDB, groupID string) (*BelongingSettings, error) {
	s := new(BelongingSettings)
	err := db.NewSelect().Model(s).Where("bs.group_id = ?", groupID).Scan(ctx)
	if isNoRows(err) {
		return DefaultBelongingSettings(groupID), nil
	}
	if err != nil {
		return nil, fmt.Errorf("belonging settings of group %s: %w", groupID, err)
	}
	return s, nil
}

// SaveBelongingSettings stores a group's settings (not DigestSentAt).
func SaveBelongingSettings(ctx context.Context, db bun.IDB, now time.Time, s *BelongingSettings) error {
	if err := ValidateDigest(s.Digest); err != nil {
		return err
	}
	s.UpdatedAt = now.UTC()
	_, err := db.NewInsert().Model(s).On("CONFLICT (group_id) DO UPDATE").
		Set("digest = EXCLUDED.digest, plain_boosts = EXCLUDED.plain_boosts").
		Set("welcome_template = EXCLUDED.welcome_template, directory_public = EXCLUDED.directory_public").
		Set("updated_at = EXCLUDED.updated_at").Exec(ctx)
	if err != nil {
		return fmt.Errorf("save belonging settings of group %s: %w", s.GroupID, err)
	}
	return nil
}

// ClaimDigest records that a digest goes out at now, unless one went out
// after due (another process, or an earlier run of a retried job); it
// reports whether the caller should publish it.
func ClaimDigest(ctx context.Context, db bun.IDB, groupID string, due, now time.Time) (bool, error) {
	res, err := db.NewUpdate().Model((*BelongingSettings)(nil)).Set("digest_sent_at = ?", now.UTC()).
		Where("group_id = ? AND (digest_sent_at IS NULL OR digest_sent_at <= ?)", groupID, due.UTC()).Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("claim digest of group %s: %w", groupID, err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// GroupsWithDigest lists the settings of groups whose digest is on.
func GroupsWithDigest(ctx context.Context, db bun.IDB) ([]BelongingSettings, error) {
	var ss []BelongingSettings
	if err := db.NewSelect().Model(&ss).Where("bs.digest <> ?", DigestOff).Order("bs.group_id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("groups with a digest: %w", err)
	}
	return ss, nil
}

// ThreadScore is a thread of a period with its replies and likes.
type ThreadScore struct {
	Post    Post
	Replies int
	Likes   int
}

// TopThreads lists a group's published public thread starters with the
// most replies and likes received in [from, to) (replies counted when
// they arrived in the period, likes as they stand), best first.
func TopThreads(ctx context.Context, db bun.IDB, groupID string, from, to time.Time, limit int) ([]ThreadScore, error) {
	if limit <= 0 || limit > 50 {
		limit = 5
	}
	var rows []struct {
		ID      string `bun:"id"`
		Replies int    `bun:"replies"`
		Likes   int    `bun:"likes"`
	}
	err := db.NewSelect().TableExpr("posts AS p").
		ColumnExpr("p.id, p.likes").
		ColumnExpr("(SELECT COUNT(*) FROM posts AS r WHERE r.root_id = p.id AND r.id <> p.id AND r.state = ? AND r.created_at >= ? AND r.created_at < ?) AS replies", PostPublished, from.UTC(), to.UTC()).
		Where("p.group_id = ? AND p.state = ? AND p.root_id = p.id AND p.kind <> ?", groupID, PostPublished, "Event").
		Where("p.visibility IN (?)", bun.List([]string{VisibilityPublic, VisibilityUnlisted})).
		Where("(p.created_at >= ? AND p.created_at < ?) OR EXISTS (SELECT 1 FROM posts AS r2 WHERE r2.root_id = p.id AND r2.id <> p.id AND r2.state = ? AND r2.created_at >= ? AND r2.created_at < ?)",
			from.UTC(), to.UTC(), PostPublished, from.UTC(), to.UTC()).
		Scan(ctx, &rows)
	if err != nil && !isNoRows(err) {
		return nil, fmt.Errorf("top threads of group %s: %w", groupID, err)
	}
	out := make([]ThreadScore, 0, len(rows))
	for _, r := range rows {
		p, err := PostByID(ctx, db, r.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, ThreadScore{Post: *p, Replies: r.Replies, Likes: r.Likes})
	}
	sortThreads(out)
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// sortThreads orders by replies+likes, then newest first.
func sortThreads(ts []ThreadScore) {
	slices.SortFunc(ts, func(a, b ThreadScore) int {
		if c := cmp.Compare(b.Replies+b.Likes, a.Replies+a.Likes); c != 0 {
			return c
		}
		return cmp.Compare(b.Post.ID, a.Post.ID)
	})
}

// IsWelcomed tells whether a member was welcomed (MarkWelcomed) during
// their current membership; not a member is not welcomed.
func IsWelcomed(ctx context.Context, db bun.IDB, groupID, actorID string) (bool, error) {
	ok, err := db.NewSelect().Model((*Follow)(nil)).
		Where("group_id = ? AND actor_id = ? AND welcomed_at IS NOT NULL", groupID, actorID).Exists(ctx)
	if err != nil {
		return false, fmt.Errorf("welcome of %s in group %s: %w", actorID, groupID, err)
	}
	return ok, nil
}

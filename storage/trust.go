package storage

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// Trust levels, lowest first. Levels are private to the community: they
// are never part of an ActivityPub document.
const (
	LevelNewcomer = "newcomer" // just joined; their posts are reviewed when the group asks it
	LevelMember   = "member"   // earned: past the member thresholds
	LevelRegular  = "regular"  // earned: past the regular thresholds
	LevelLeader   = "leader"   // granted by staff only
)

// Levels are the trust levels, lowest first.
var Levels = []string{LevelNewcomer, LevelMember, LevelRegular, LevelLeader}

// LevelRank orders the levels: newcomer 0 … leader 3; -1 for an unknown one.
func LevelRank(level string) int {
	for i, l := range Levels {
		if l == level {
			return i
		}
	}
	return -1
}

// ValidateLevel says whether level is a trust level.
func ValidateLevel(level string) error {
	if LevelRank(level) < 0 {
		return fmt.Errorf("trust level %q: %w", level, ErrInvalid)
	}
	return nil
}

// Thresholds are what a member needs to earn a level; a zero requires
// nothing of that kind.
type Thresholds struct {
	Days   int // since their membership was accepted
	Posts  int // posts and replies published in the group
	Likes  int // likes their posts received from other members
	Events int // past, not cancelled events of the group they were going to
}

// Met tells whether s reaches t.
func (t Thresholds) Met(s TrustStats, now time.Time) bool {
	days := 0
	if !s.AcceptedAt.IsZero() {
		days = int(now.Sub(s.AcceptedAt) / (24 * time.Hour))
	}
	return days >= t.Days && s.Posts >= t.Posts && s.Likes >= t.Likes && s.Events >= t.Events
}

// TrustSettings are a group's trust thresholds and what newcomers may do.
// No row: DefaultTrustSettings.
type TrustSettings struct {
	bun.BaseModel `bun:"table:trust_settings,alias:ts"`

	GroupID         string `bun:"group_id,pk"`
	ReviewNewcomers bool   `bun:"review_newcomers,notnull"` // a newcomer's posts go to the review queue
	MemberAuto      bool   `bun:"member_auto,notnull"`      // false: "off", only staff make members
	MemberDays      int    `bun:"member_days,notnull"`
	MemberPosts     int    `bun:"member_posts,notnull"`
	MemberLikes     int    `bun:"member_likes,notnull"`
	MemberEvents    int    `bun:"member_events,notnull"`
	RegularAuto     bool   `bun:"regular_auto,notnull"` // false: "off", only staff make regulars
	RegularDays     int    `bun:"regular_days,notnull"`
	RegularPosts    int    `bun:"regular_posts,notnull"`
	RegularLikes    int    `bun:"regular_likes,notnull"`
	RegularEvents   int    `bun:"regular_events,notnull"`
	// Vouching (invitation.go): who may invite in a closed group, how often.
	InviteLevel    string `bun:"invite_level,notnull"`
	InvitesPerWeek int    `bun:"invites_per_week,notnull"` // 0: nobody invites

	UpdatedAt time.Time `bun:"updated_at,nullzero"`
}

// DefaultTrustSettings are a new group's: newcomers are not reviewed (as
// probation was off by default); one approved post makes a member; a
// month, ten posts and ten likes from other members make a regular.
func DefaultTrustSettings(groupID string) *TrustSettings {
	return &TrustSettings{GroupID: groupID, MemberAuto: true, MemberPosts: 1,
		RegularAuto: true, RegularDays: 30, RegularPosts: 10, RegularLikes: 10,
		InviteLevel: LevelRegular, InvitesPerWeek: 3}
}

// Member is the thresholds for member.
func (s *TrustSettings) Member() Thresholds {
	return Thresholds{Days: s.MemberDays, Posts: s.MemberPosts, Likes: s.MemberLikes, Events: s.MemberEvents}
}

// Regular is the thresholds for regular.
func (s *TrustSettings) Regular() Thresholds {
	return Thresholds{Days: s.RegularDays, Posts: s.RegularPosts, Likes: s.RegularLikes, Events: s.RegularEvents}
}

// Earned is the level s earns under these settings at now: never leader,
// never above newcomer with an upheld report against them.
func (s *TrustSettings) Earned(st TrustStats, now time.Time) string {
	if st.Upheld > 0 || !s.MemberAuto || !s.Member().Met(st, now) {
		return LevelNewcomer
	}
	if s.RegularAuto && s.Regular().Met(st, now) {
		return LevelRegular
	}
	return LevelMember
}

// TrustSettingsOf loads a group's trust settings, the defaults without a row.
func TrustSettingsOf(ctx context.Context, db bun.IDB, groupID string) (*TrustSettings, error) {
	s := new(TrustSettings)
	err := db.NewSelect().Model(s).Where("ts.group_id = ?", groupID).Scan(ctx)
	if isNoRows(err) {
		return DefaultTrustSettings(groupID), nil
	}
	if err != nil {
		return nil, fmt.Errorf("trust settings of group %s: %w", groupID, err)
	}
	return s, nil
}

// SaveTrustSettings stores a group's trust settings; negative thresholds
// are ErrInvalid.
func SaveTrustSettings(ctx context.Context, db bun.IDB, now time.Time, s *TrustSettings) error {
	for _, n := range []int{s.MemberDays, s.MemberPosts, s.MemberLikes, s.MemberEvents, s.RegularDays, s.RegularPosts, s.RegularLikes, s.RegularEvents} {
		if n < 0 {
			return fmt.Errorf("trust threshold %d: %w", n, ErrInvalid)
		}
	}
	if err := ValidateLevel(s.InviteLevel); err != nil || s.InvitesPerWeek < 0 {
		return fmt.Errorf("invitations by %q, %d a week: %w", s.InviteLevel, s.InvitesPerWeek, ErrInvalid)
	}
	s.UpdatedAt = now.UTC()
	_, err := db.NewInsert().Model(s).On("CONFLICT (group_id) DO UPDATE").
		Set("review_newcomers = EXCLUDED.review_newcomers").
		Set("member_auto = EXCLUDED.member_auto, member_days = EXCLUDED.member_days, member_posts = EXCLUDED.member_posts").
		Set("member_likes = EXCLUDED.member_likes, member_events = EXCLUDED.member_events").
		Set("regular_auto = EXCLUDED.regular_auto, regular_days = EXCLUDED.regular_days, regular_posts = EXCLUDED.regular_posts").
		Set("regular_likes = EXCLUDED.regular_likes, regular_events = EXCLUDED.regular_events").
		Set("invite_level = EXCLUDED.invite_level, invites_per_week = EXCLUDED.invites_per_week").
		Set("updated_at = EXCLUDED.updated_at").Exec(ctx)
	if err != nil {
		return fmt.Errorf("save trust settings of group %s: %w", s.GroupID, err)
	}
	return nil
}

// MemberLevel is a member's trust level in one group. No row: a newcomer
// whose level is earned automatically.
type MemberLevel struct {
	bun.BaseModel `bun:"table:member_levels,alias:ml"`

	GroupID         string    `bun:"group_id,pk"`
	ActorID         string    `bun:"actor_id,pk"`
	Level           string    `bun:"level,notnull"`
	ByHand          bool      `bun:"by_hand,notnull"`           // staff set it: automatic promotion leaves it alone
	ShowInDirectory bool      `bun:"show_in_directory,notnull"` // the member shows it in the directory
	InviteRevoked   bool      `bun:"invite_revoked,notnull"`    // staff took away their right to invite
	ChangedAt       time.Time `bun:"changed_at,nullzero"`
	// ReviewReason, when set, holds every post of theirs for review with
	// this reason until staff clear it (FlagForReview).
	ReviewReason string    `bun:"review_reason,notnull"`
	FlaggedAt    time.Time `bun:"flagged_at,nullzero"`
}

// MemberLevelOf loads a member's level row; a missing row is a newcomer.
func MemberLevelOf(ctx context.Context, db bun.IDB, groupID, actorID string) (*MemberLevel, error) {
	ml := new(MemberLevel)
	err := db.NewSelect().Model(ml).Where("ml.group_id = ? AND ml.actor_id = ?", groupID, actorID).Scan(ctx)
	if isNoRows(err) {
		return &MemberLevel{GroupID: groupID, ActorID: actorID, Level: LevelNewcomer}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("level of %s in group %s: %w", actorID, groupID, err)
	}
	return ml, nil
}

// SetLevel sets a member's level (byHand: staff chose it).
func SetLevel(ctx context.Context, db bun.IDB, now time.Time, groupID, actorID, level string, byHand bool) error {
	if err := ValidateLevel(level); err != nil {
		return err
	}
	ml := &MemberLevel{GroupID: groupID, ActorID: actorID, Level: level, ByHand: byHand, ChangedAt: now.UTC()}
	_, err := db.NewInsert().Model(ml).On("CONFLICT (group_id, actor_id) DO UPDATE").
		Set("level = EXCLUDED.level, by_hand = EXCLUDED.by_hand, changed_at = EXCLUDED.changed_at").Exec(ctx)
	if err != nil {
		return fmt.Errorf("set level of %s in group %s: %w", actorID, groupID, err)
	}
	return nil
}

// SetLevelAutomatic hands a member's level back to automatic promotion,
// keeping the level until the next evaluation.
func SetLevelAutomatic(ctx context.Context, db bun.IDB, groupID, actorID string) error {
	_, err := db.NewUpdate().Model((*MemberLevel)(nil)).Set("by_hand = ?", false).
		Where("group_id = ? AND actor_id = ?", groupID, actorID).Exec(ctx)
	if err != nil {
		return fmt.Errorf("level of %s in group %s back to automatic: %w", actorID, groupID, err)
	}
	return nil
}

// SetLevelInDirectory records whether a member shows their level in the
// group's directory.
func SetLevelInDirectory(ctx context.Context, db bun.IDB, groupID, actorID string, on bool) error {
	ml := &MemberLevel{GroupID: groupID, ActorID: actorID, Level: LevelNewcomer, ShowInDirectory: on}
	_, err := db.NewInsert().Model(ml).On("CONFLICT (group_id, actor_id) DO UPDATE").
		Set("show_in_directory = EXCLUDED.show_in_directory").Exec(ctx)
	if err != nil {
		return fmt.Errorf("level in the directory for %s in group %s: %w", actorID, groupID, err)
	}
	return nil
}

// TrustStats is what a member's level is earned from.
type TrustStats struct {
	ActorID    string    `bun:"actor_id"`
	ActorIRI   string    `bun:"actor_iri"`
	AcceptedAt time.Time `bun:"accepted_at"`
	Posts      int       `bun:"posts"`
	Likes      int       `bun:"likes"`
	Events     int       `bun:"events"`
	Upheld     int       `bun:"upheld"`
	Level      string    `bun:"level"` // the stored level; newcomer without a row
	ByHand     bool      `bun:"by_hand"`
}

// MemberTrustStats computes the trust stats of a group's accepted members
// at now (all of them with actorID "", else that one member). Likes count
// once per other member who liked a published post of theirs; events are
// the group's past, not cancelled events they were going to.
func MemberTrustStats(ctx context.Context, db bun.IDB, groupID, actorID string, now time.Time) ([]TrustStats, error) {
	var out []TrustStats
	q := db.NewSelect().TableExpr("follows AS f").
		Join("JOIN remote_actors AS a ON a.id = f.actor_id").
		Join("LEFT JOIN member_levels AS ml ON ml.group_id = f.group_id AND ml.actor_id = f.actor_id").
		ColumnExpr("f.actor_id, a.iri AS actor_iri, f.accepted_at").
		ColumnExpr("(SELECT COUNT(*) FROM posts AS p WHERE p.group_id = f.group_id AND p.author_id = f.actor_id AND p.state = ?) AS posts", PostPublished).
		ColumnExpr(`(SELECT COUNT(*) FROM reactions AS re JOIN posts AS p ON p.id = re.post_id
			WHERE p.group_id = f.group_id AND p.author_id = f.actor_id AND p.state = ? AND re.kind = ? AND re.actor_id <> f.actor_id
			AND EXISTS (SELECT 1 FROM follows AS f2 WHERE f2.group_id = f.group_id AND f2.actor_id = re.actor_id AND f2.state = ?)) AS likes`,
			PostPublished, ReactionLike, FollowAccepted).
		ColumnExpr(`(SELECT COUNT(*) FROM event_attendees AS at JOIN events AS ev ON ev.id = at.event_id
			WHERE ev.group_id = f.group_id AND at.actor_id = f.actor_id AND ev.cancelled_at IS NULL AND ev.starts_at < ?) AS events`, now.UTC()).
		ColumnExpr(`(SELECT COUNT(*) FROM reports AS rp WHERE rp.group_id = f.group_id AND rp.target_iri = a.iri AND rp.upheld = ?) AS upheld`, true).
		ColumnExpr("COALESCE(ml.level, ?) AS level, COALESCE(ml.by_hand, ?) AS by_hand", LevelNewcomer, false).
		Where("f.group_id = ? AND f.state = ?", groupID, FollowAccepted)
	if actorID != "" {
		q = q.Where("f.actor_id = ?", actorID)
	}
	if err := q.OrderExpr("f.actor_id").Scan(ctx, &out); err != nil && !isNoRows(err) {
		return nil, fmt.Errorf("trust stats of group %s: %w", groupID, err)
	}
	return out, nil
}

// LevelCount is how many members hold a level.
type LevelCount struct {
	Level string `bun:"level"`
	Count int    `bun:"n"`
}

// CountMembersPerLevel counts a group's accepted members per level, every
// level listed (lowest first), zeros included.
func CountMembersPerLevel(ctx context.Context, db bun.IDB, groupID string) ([]LevelCount, error) {
	var rows []LevelCount
	err := db.NewSelect().TableExpr("follows AS f").
		Join("LEFT JOIN member_levels AS ml ON ml.group_id = f.group_id AND ml.actor_id = f.actor_id").
		ColumnExpr("COALESCE(ml.level, ?) AS level, COUNT(*) AS n", LevelNewcomer).
		Where("f.group_id = ? AND f.state = ?", groupID, FollowAccepted).
		GroupExpr("COALESCE(ml.level, ?)", LevelNewcomer).Scan(ctx, &rows)
	if err != nil && !isNoRows(err) {
		return nil, fmt.Errorf("members per level in group %s: %w", groupID, err)
	}
	out := make([]LevelCount, len(Levels))
	for i, l := range Levels {
		out[i].Level = l
		for _, r := range rows {
			if r.Level == l {
				out[i].Count = r.Count
			}
		}
	}
	return out, nil
}

// MarkReportUpheld records that staff acted on a report (it counts
// against its target's trust level).
func MarkReportUpheld(ctx context.Context, db bun.IDB, id string) error {
	res, err := db.NewUpdate().Model((*Report)(nil)).Set("upheld = ?", true).Where("id = ?", id).Exec(ctx)
	if err != nil {
		return fmt.Errorf("uphold report %s: %w", id, err)
	}
	return mustAffect(res, "report "+id)
}

// UpholdReport marks a group's report upheld and lowers its target, when
// known here, to newcomer: their posts are reviewed again (when the group
// reviews newcomers), and the upheld report keeps them from earning a level
// until staff set one by hand.
func UpholdReport(ctx context.Context, db bun.IDB, now time.Time, r *Report) error {
	if err := MarkReportUpheld(ctx, db, r.ID); err != nil {
		return err
	}
	if r.GroupID == "" || r.TargetIRI == "" {
		return nil
	}
	a, err := RemoteActorByIRI(ctx, db, r.TargetIRI)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	return SetLevel(ctx, db, now, r.GroupID, a.ID, LevelNewcomer, false)
}

package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// Membership event kinds.
const (
	MemberJoined = "joined"
	MemberLeft   = "left"
)

// MembershipEvent records a member joining or leaving a group, for the
// community pulse. Events are written by the follow functions themselves
// (accepting, deleting), so every path that changes a membership records one.
type MembershipEvent struct {
	bun.BaseModel `bun:"table:membership_events,alias:me"`

	ID      string    `bun:"id,pk"`
	GroupID string    `bun:"group_id,notnull"`
	ActorID string    `bun:"actor_id,notnull"`
	Kind    string    `bun:"kind,notnull"`
	At      time.Time `bun:"at,notnull"`

	Actor *RemoteActor `bun:"rel:belongs-to,join:actor_id=id"`
}

// recordJoin records that the actor of an accepted follow joined, unless
// the latest event already says so (a member who follows again).
func recordJoin(ctx context.Context, db bun.IDB, now time.Time, f *Follow) error {
	if f.State != FollowAccepted {
		return nil
	}
	at := f.AcceptedAt
	if at.IsZero() {
		at = now
	}
	return recordJoinWhere(ctx, db, at, "f.group_id = ? AND f.actor_id = ?", f.GroupID, f.ActorID)
}

// recordJoinWhere records a join for each accepted follow matching where,
// unless the member's latest event is already a join.
func recordJoinWhere(ctx context.Context, db bun.IDB, at time.Time, where string, args ...any) error {
	var fs []Follow
	err := db.NewSelect().Model(&fs).ColumnExpr("f.group_id, f.actor_id").
		Where("f.state = ?", FollowAccepted).Where(where, args...).
		Where("COALESCE((SELECT me.kind FROM membership_events AS me WHERE me.group_id = f.group_id AND me.actor_id = f.actor_id ORDER BY me.at DESC, me.id DESC LIMIT 1), ?) <> ?", MemberLeft, MemberJoined).
		Scan(ctx)
	if err != nil && !isNoRows(err) {
		return fmt.Errorf("memberships joining: %w", err)
	}
	return insertEvents(ctx, db, fs, MemberJoined, at)
}

// RecordDepartures records that the members matched by where (over
// follows AS f; pending requests are not members) leave, before their
// follows are deleted.
func RecordDepartures(ctx context.Context, db bun.IDB, now time.Time, where string, args ...any) error {
	var fs []Follow
	err := db.NewSelect().Model(&fs).ColumnExpr("f.group_id, f.actor_id").
		Where("f.state = ?", FollowAccepted).Where(where, args...).Scan(ctx)
	if err != nil && !isNoRows(err) {
		return fmt.Errorf("memberships ending: %w", err)
	}
	return insertEvents(ctx, db, fs, MemberLeft, now)
}

func insertEvents(ctx context.Context, db bun.IDB, fs []Follow, kind string, at time.Time) error {
	if len(fs) == 0 {
		return nil
	}
	evs := make([]MembershipEvent, 0, len(fs))
	for _, f := range fs {
		evs = append(evs, MembershipEvent{ID: NewID(), GroupID: f.GroupID, ActorID: f.ActorID, Kind: kind, At: at.UTC()})
	}
	if _, err := db.NewInsert().Model(&evs).Exec(ctx); err != nil {
		return fmt.Errorf("record %d %s events: %w", len(evs), kind, err)
	}
	return nil
}

// LastMembershipEvent returns an actor's latest event in a group, or ErrNotFound.
func LastMembershipEvent(ctx context.Context, db bun.IDB, groupID, actorID string) (*MembershipEvent, error) {
	ev := new(MembershipEvent)
	err := db.NewSelect().Model(ev).Where("me.group_id = ? AND me.actor_id = ?", groupID, actorID).
		Order("me.at DESC", "me.id DESC").Limit(1).Scan(ctx)
	if err != nil {
		return nil, notFound(err, "membership event")
	}
	return ev, nil
}

// MembershipEvents lists a group's joins or departures in [from, to),
// oldest first, with the actors.
func MembershipEvents(ctx context.Context, db bun.IDB, groupID, kind string, from, to time.Time) ([]MembershipEvent, error) {
	var evs []MembershipEvent
	err := db.NewSelect().Model(&evs).Relation("Actor").
		Where("me.group_id = ? AND me.kind = ? AND me.at >= ? AND me.at < ?", groupID, kind, from.UTC(), to.UTC()).
		Order("me.at", "me.id").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("%s events of group %s: %w", kind, groupID, err)
	}
	return evs, nil
}

// MemberCounts are a group's joins and departures in a period.
type MemberCounts struct {
	Joined int
	Left   int
}

// CountMembershipEvents counts a group's joins and departures in [from, to).
func CountMembershipEvents(ctx context.Context, db bun.IDB, groupID string, from, to time.Time) (MemberCounts, error) {
	var rows []struct {
		Kind string `bun:"kind"`
		N    int    `bun:"n"`
	}
	err := db.NewSelect().Model((*MembershipEvent)(nil)).ColumnExpr("me.kind, COUNT(*) AS n").
		Where("me.group_id = ? AND me.at >= ? AND me.at < ?", groupID, from.UTC(), to.UTC()).
		Group("me.kind").Scan(ctx, &rows)
	if err != nil && !isNoRows(err) {
		return MemberCounts{}, fmt.Errorf("count membership events of group %s: %w", groupID, err)
	}
	var c MemberCounts
	for _, r := range rows {
		switch r.Kind {
		case MemberJoined:
			c.Joined = r.N
		case MemberLeft:
			c.Left = r.N
		}
	}
	return c, nil
}

// ActiveMember is an author who posted or replied in a period.
type ActiveMember struct {
	Actor   *RemoteActor
	Posts   int // thread starters
	Replies int
}

// ActiveMembers lists who posted or replied in a group in [from, to)
// (published posts, by when they reached the group), most active first.
func ActiveMembers(ctx context.Context, db bun.IDB, groupID string, from, to time.Time) ([]ActiveMember, error) {
	var rows []struct {
		AuthorID string `bun:"author_id"`
		Posts    int    `bun:"posts"`
		Replies  int    `bun:"replies"`
	}
	err := db.NewSelect().Model((*Post)(nil)).
		ColumnExpr("p.author_id").
		ColumnExpr("SUM(CASE WHEN p.root_id = p.id THEN 1 ELSE 0 END) AS posts").
		ColumnExpr("SUM(CASE WHEN p.root_id <> p.id THEN 1 ELSE 0 END) AS replies").
		Where("p.group_id = ? AND p.state = ? AND p.author_id IS NOT NULL", groupID, PostPublished).
		Where("p.created_at >= ? AND p.created_at < ?", from.UTC(), to.UTC()).
		Group("p.author_id").OrderExpr("COUNT(*) DESC, p.author_id").Scan(ctx, &rows)
	if err != nil && !isNoRows(err) {
		return nil, fmt.Errorf("active members of group %s: %w", groupID, err)
	}
	out := make([]ActiveMember, 0, len(rows))
	for _, r := range rows {
		a := new(RemoteActor)
		if err := db.NewSelect().Model(a).Where("id = ?", r.AuthorID).Scan(ctx); err != nil {
			return nil, notFound(err, "actor "+r.AuthorID)
		}
		out = append(out, ActiveMember{Actor: a, Posts: r.Posts, Replies: r.Replies})
	}
	return out, nil
}

// DayCount is one day's activity in a group.
type DayCount struct {
	Day     time.Time // midnight in the location asked for
	Posts   int       // thread starters, the group's own included
	Replies int
}

// PostsPerDay counts published posts and replies per day in [from, to),
// days taken in loc (nil: UTC), every day listed even when empty. Days are
// bucketed in Go: date functions differ between SQLite and PostgreSQL,
// and a micro-community's period holds few posts.
func PostsPerDay(ctx context.Context, db bun.IDB, groupID string, from, to time.Time, loc *time.Location) ([]DayCount, error) {
	if loc == nil {
		loc = time.UTC
	}
	var rows []struct {
		CreatedAt time.Time `bun:"created_at"`
		IsRoot    int       `bun:"is_root"`
	}
	err := db.NewSelect().Model((*Post)(nil)).
		ColumnExpr("p.created_at").ColumnExpr("CASE WHEN p.root_id = p.id THEN 1 ELSE 0 END AS is_root").
		Where("p.group_id = ? AND p.state = ?", groupID, PostPublished).
		Where("p.created_at >= ? AND p.created_at < ?", from.UTC(), to.UTC()).
		Scan(ctx, &rows)
	if err != nil && !isNoRows(err) {
		return nil, fmt.Errorf("posts per day of group %s: %w", groupID, err)
	}
	day := func(t time.Time) time.Time {
		t = t.In(loc)
		return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
	}
	var out []DayCount
	index := map[time.Time]int{}
	for d := day(from); d.Before(to); d = d.AddDate(0, 0, 1) {
		index[d] = len(out)
		out = append(out, DayCount{Day: d})
	}
	for _, r := range rows {
		i, ok := index[day(r.CreatedAt)]
		if !ok {
			continue
		}
		if r.IsRoot == 1 {
			out[i].Posts++
		} else {
			out[i].Replies++
		}
	}
	return out, nil
}

// UnansweredThreads lists published thread starters of a group created in
// [from, to) that have no published reply, oldest first. To find threads
// left unanswered for N hours, pass to = now − N hours.
func UnansweredThreads(ctx context.Context, db bun.IDB, groupID string, from, to time.Time, limit int) ([]Post, error) {
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	var ps []Post
	err := db.NewSelect().Model(&ps).Relation("Author").
		Where("p.group_id = ? AND p.state = ? AND p.root_id = p.id", groupID, PostPublished).
		Where("p.created_at >= ? AND p.created_at < ?", from.UTC(), to.UTC()).
		Where("NOT EXISTS (SELECT 1 FROM posts AS r WHERE r.root_id = p.id AND r.id <> p.id AND r.state = ?)", PostPublished).
		Order("p.created_at", "p.id").Limit(int64(limit)).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("unanswered threads of group %s: %w", groupID, err)
	}
	return ps, nil
}

// Unwelcomed lists a group's members not welcomed yet (MarkWelcomed),
// newest first, with their actors.
func Unwelcomed(ctx context.Context, db bun.IDB, groupID string, limit int) ([]Follow, error) {
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	var fs []Follow
	err := db.NewSelect().Model(&fs).Relation("Actor").
		Where("f.group_id = ? AND f.state = ? AND f.welcomed_at IS NULL", groupID, FollowAccepted).
		Order("f.accepted_at DESC", "f.id DESC").Limit(int64(limit)).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("members of group %s not welcomed: %w", groupID, err)
	}
	return fs, nil
}

// MarkWelcomed records that staff welcomed a member.
func MarkWelcomed(ctx context.Context, db bun.IDB, groupID, actorID string, at time.Time) error {
	res, err := db.NewUpdate().Model((*Follow)(nil)).Set("welcomed_at = ?", at.UTC()).
		Where("group_id = ? AND actor_id = ? AND state = ?", groupID, actorID, FollowAccepted).Exec(ctx)
	if err != nil {
		return fmt.Errorf("mark %s welcomed in group %s: %w", actorID, groupID, err)
	}
	return mustAffect(res, "member "+actorID)
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// Follow states.
const (
	FollowPending  = "pending"  // a closed group's request, waiting for a moderator
	FollowAccepted = "accepted" // a member
)

// Follow is a remote actor following a group: a membership or a request for one.
type Follow struct {
	bun.BaseModel `bun:"table:follows,alias:f"`

	ID          string    `bun:"id,pk"`
	GroupID     string    `bun:"group_id,notnull"`
	ActorID     string    `bun:"actor_id,notnull"`
	ActivityIRI string    `bun:"activity_iri,notnull"` // the Follow's id, echoed in Accept/Reject
	ActivityRaw string    `bun:"activity_raw,notnull"` // the Follow as received, embedded in Accept/Reject
	State       string    `bun:"state,notnull"`
	CreatedAt   time.Time `bun:"created_at,notnull"`
	AcceptedAt  time.Time `bun:"accepted_at,nullzero"`
	JoinAnswer  string    `bun:"join_answer,notnull"` // the applicant's answer to the join questions

	Actor *RemoteActor `bun:"rel:belongs-to,join:actor_id=id"`
}

// UpsertFollow records a Follow. A repeated Follow from a member keeps the
// membership (and its date) but remembers the new activity id, which the
// Accept must echo. It reports the stored row.
func UpsertFollow(ctx context.Context, db bun.IDB, now time.Time, f *Follow) error {
	if f.State != FollowPending && f.State != FollowAccepted {
		return fmt.Errorf("follow state %q: want %s or %s", f.State, FollowPending, FollowAccepted)
	}
	if f.ID == "" {
		f.ID = NewID()
	}
	now = now.UTC()
	f.CreatedAt = now
	if f.State == FollowAccepted && f.AcceptedAt.IsZero() {
		f.AcceptedAt = now
	}
	// A member stays accepted when they send Follow again.
	_, err := db.NewInsert().Model(f).
		On("CONFLICT (group_id, actor_id) DO UPDATE").
		Set("activity_iri = EXCLUDED.activity_iri, activity_raw = EXCLUDED.activity_raw").
		Set("state = CASE WHEN f.state = ? THEN f.state ELSE EXCLUDED.state END", FollowAccepted).
		Set("accepted_at = COALESCE(f.accepted_at, EXCLUDED.accepted_at)").
		Returning("id, state, created_at, accepted_at").
		Exec(ctx, &f.ID, &f.State, &f.CreatedAt, &f.AcceptedAt)
	if err != nil {
		return fmt.Errorf("store follow of group %s by %s: %w", f.GroupID, f.ActorID, err)
	}
	return recordJoin(ctx, db, now, f) // membership_events, for the community pulse
}

// FollowOf loads the follow of group by actor.
func FollowOf(ctx context.Context, db bun.IDB, groupID, actorID string) (*Follow, error) {
	f := new(Follow)
	err := db.NewSelect().Model(f).Relation("Actor").
		Where("f.group_id = ? AND f.actor_id = ?", groupID, actorID).Scan(ctx)
	if err != nil {
		return nil, notFound(err, "follow")
	}
	return f, nil
}

// AcceptFollow turns a pending request into a membership.
func AcceptFollow(ctx context.Context, db bun.IDB, now time.Time, id string) error {
	res, err := db.NewUpdate().Model((*Follow)(nil)).
		Set("state = ?", FollowAccepted).Set("accepted_at = ?", now.UTC()).
		Where("id = ?", id).Exec(ctx)
	if err != nil {
		return fmt.Errorf("accept follow %s: %w", id, err)
	}
	if err := mustAffect(res, "follow "+id); err != nil {
		return err
	}
	return recordJoinWhere(ctx, db, now, "f.id = ?", id) // membership_events, for the community pulse
}

// DeleteFollow ends a membership or drops a request.
func DeleteFollow(ctx context.Context, db bun.IDB, now time.Time, id string) error {
	if err := RecordDepartures(ctx, db, now, "f.id = ?", id); err != nil { // membership_events, for the community pulse
		return err
	}
	res, err := db.NewDelete().Model((*Follow)(nil)).Where("id = ?", id).Exec(ctx)
	if err != nil {
		return fmt.Errorf("delete follow %s: %w", id, err)
	}
	return mustAffect(res, "follow "+id)
}

// DeleteFollowsByActor removes every membership and request of an actor
// (the actor was deleted or is gone). It returns how many there were.
func DeleteFollowsByActor(ctx context.Context, db bun.IDB, now time.Time, actorID string) (int, error) {
	if err := RecordDepartures(ctx, db, now, "f.actor_id = ?", actorID); err != nil { // membership_events, for the community pulse
		return 0, err
	}
	res, err := db.NewDelete().Model((*Follow)(nil)).Where("actor_id = ?", actorID).Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("delete follows of actor %s: %w", actorID, err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// ListFollows lists a group's follows in one state, oldest first, with their actors.
func ListFollows(ctx context.Context, db bun.IDB, groupID, state string, limit, offset int) ([]Follow, error) {
	var fs []Follow
	err := db.NewSelect().Model(&fs).Relation("Actor").
		Where("f.group_id = ? AND f.state = ?", groupID, state).
		Order("f.created_at", "f.id").Limit(int64(limit)).Offset(int64(offset)).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("list %s follows of group %s: %w", state, groupID, err)
	}
	return fs, nil
}

// CountFollows counts a group's follows in one state.
func CountFollows(ctx context.Context, db bun.IDB, groupID, state string) (int, error) {
	n, err := db.NewSelect().Model((*Follow)(nil)).Where("group_id = ? AND state = ?", groupID, state).Count(ctx)
	if err != nil {
		return 0, fmt.Errorf("count follows of group %s: %w", groupID, err)
	}
	return int(n), nil
}

// MemberInboxes returns the distinct delivery inboxes of a group's accepted
// members: one per server with a shared inbox, one per member otherwise.
// Every fan-out reads it, usually cold: on SQLite it is answered from the
// indexes alone (migrations/20261207002000_member_list_index.go).
func MemberInboxes(ctx context.Context, db bun.IDB, groupID string) ([]string, error) {
	var inboxes []string
	if err := memberInboxesQuery(db, groupID).Scan(ctx, &inboxes); err != nil {
		return nil, fmt.Errorf("member inboxes of group %s: %w", groupID, err)
	}
	return inboxes, nil
}

func memberInboxesQuery(db bun.IDB, groupID string) *bun.SelectQuery {
	return db.NewSelect().
		ColumnExpr("DISTINCT CASE WHEN ra.shared_inbox <> '' THEN ra.shared_inbox ELSE ra.inbox END AS inbox").
		TableExpr("follows AS f").
		Join("JOIN remote_actors AS ra ON ra.id = f.actor_id").
		Where("f.group_id = ? AND f.state = ? AND ra.gone_at IS NULL", groupID, FollowAccepted).
		OrderExpr("inbox")
}

// DeleteFollowsOfDomain removes every membership and request of actors on
// domain or its subdomains (any port): the domain was blocked.
func DeleteFollowsOfDomain(ctx context.Context, db bun.IDB, now time.Time, domain string) error {
	const onDomain = "actor_id IN (SELECT id FROM remote_actors WHERE host = ? OR host LIKE ? OR host LIKE ?)"
	like := "%." + domain
	if err := RecordDepartures(ctx, db, now, "f."+onDomain, domain, like, domain+":%"); err != nil { // community pulse
		return err
	}
	if _, err := db.NewDelete().Model((*Follow)(nil)).Where(onDomain, domain, like, domain+":%").Exec(ctx); err != nil {
		return fmt.Errorf("remove members of %s: %w", domain, err)
	}
	return nil
}

// HasMemberOnHost tells whether the group has an accepted member whose
// server is host.
func HasMemberOnHost(ctx context.Context, db bun.IDB, groupID, host string) (bool, error) {
	n, err := db.NewSelect().TableExpr("follows AS f").Join("JOIN remote_actors AS ra ON ra.id = f.actor_id").
		Where("f.group_id = ? AND f.state = ? AND ra.host = ?", groupID, FollowAccepted, host).Count(ctx)
	if err != nil {
		return false, fmt.Errorf("members of group %s on %s: %w", groupID, host, err)
	}
	return n > 0, nil
}

// CountMembersOfDomain counts the accepted memberships, in every group, of
// actors on domain or its subdomains (any port): what blocking the domain
// ends (DeleteFollowsOfDomain).
func CountMembersOfDomain(ctx context.Context, db bun.IDB, domain string) (int, error) {
	n, err := db.NewSelect().TableExpr("follows AS f").Join("JOIN remote_actors AS ra ON ra.id = f.actor_id").
		Where("f.state = ? AND (ra.host = ? OR ra.host LIKE ? OR ra.host LIKE ?)", FollowAccepted, domain, "%."+domain, domain+":%").
		Count(ctx)
	if err != nil {
		return 0, fmt.Errorf("members on %s: %w", domain, err)
	}
	return int(n), nil
}

package storage

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"
)

// The regulars of a group are its accepted members at level regular or
// leader: the audience of its regulars-only posts (VisibilityRegulars).

// regularLevels are the levels that count as regulars.
var regularLevels = []string{LevelRegular, LevelLeader}

// IsRegularLevel tells whether a level counts as a regular.
func IsRegularLevel(level string) bool { return LevelRank(level) >= LevelRank(LevelRegular) }

// Regulars lists a group's regulars (accepted members at level regular or
// leader, accounts not gone), in a stable order.
func Regulars(ctx context.Context, db bun.IDB, groupID string) ([]RemoteActor, error) {
	var as []RemoteActor
	err := db.NewSelect().Model(&as).
		Join("JOIN follows AS f ON f.actor_id = ra.id").
		Join("JOIN member_levels AS ml ON ml.group_id = f.group_id AND ml.actor_id = f.actor_id").
		Where("f.group_id = ? AND f.state = ? AND ml.level IN (?) AND ra.gone_at IS NULL", groupID, FollowAccepted, bun.List(regularLevels)).
		Order("ra.iri").Scan(ctx)
	if err != nil && !isNoRows(err) {
		return nil, fmt.Errorf("regulars of group %s: %w", groupID, err)
	}
	return as, nil
}

// IsRegular tells whether an actor is one of a group's regulars.
func IsRegular(ctx context.Context, db bun.IDB, groupID, actorID string) (bool, error) {
	ok, err := db.NewSelect().TableExpr("follows AS f").
		Join("JOIN member_levels AS ml ON ml.group_id = f.group_id AND ml.actor_id = f.actor_id").
		Where("f.group_id = ? AND f.actor_id = ? AND f.state = ? AND ml.level IN (?)", groupID, actorID, FollowAccepted, bun.List(regularLevels)).
		Exists(ctx)
	if err != nil {
		return false, fmt.Errorf("is %s a regular of group %s: %w", actorID, groupID, err)
	}
	return ok, nil
}

// HasRegularOnHost tells whether one of a group's regulars has their
// account on host.
func HasRegularOnHost(ctx context.Context, db bun.IDB, groupID, host string) (bool, error) {
	ok, err := db.NewSelect().TableExpr("follows AS f").
		Join("JOIN remote_actors AS ra ON ra.id = f.actor_id").
		Join("JOIN member_levels AS ml ON ml.group_id = f.group_id AND ml.actor_id = f.actor_id").
		Where("f.group_id = ? AND f.state = ? AND ra.host = ? AND ml.level IN (?)", groupID, FollowAccepted, host, bun.List(regularLevels)).
		Exists(ctx)
	if err != nil {
		return false, fmt.Errorf("regulars of group %s on %s: %w", groupID, host, err)
	}
	return ok, nil
}

// PostBySourceIRI loads the group's own post that republishes the post
// iri (a member's members-only post, or a regular's reply in a
// regulars-only thread).
func PostBySourceIRI(ctx context.Context, db bun.IDB, groupID, iri string) (*Post, error) {
	p := new(Post)
	err := db.NewSelect().Model(p).Where("p.group_id = ? AND p.source_iri = ? AND p.source_iri <> ''", groupID, iri).
		Order("p.id").Limit(1).Scan(ctx)
	if err != nil {
		return nil, notFound(err, "copy of post "+iri)
	}
	return p, nil
}

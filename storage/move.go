package storage

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// AliasList is the group's alsoKnownAs: the IRIs of the groups it moves
// here from, in order, without blanks.
func (g *Group) AliasList() []string {
	var out []string
	for _, line := range strings.Split(g.AlsoKnownAs, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, line)
		}
	}
	return out
}

// Moved tells whether the group has moved to another address.
func (g *Group) Moved() bool { return g.MovedTo != "" }

// SetGroupAliases saves the group's alsoKnownAs list.
func SetGroupAliases(ctx context.Context, db bun.IDB, now time.Time, groupID string, iris []string) error {
	res, err := db.NewUpdate().Model((*Group)(nil)).
		Set("also_known_as = ?", strings.Join(iris, "\n")).Set("updated_at = ?", now.UTC()).
		Where("id = ?", groupID).Exec(ctx)
	if err != nil {
		return fmt.Errorf("set aliases of group %s: %w", groupID, err)
	}
	return mustAffect(res, "group "+groupID)
}

// SetGroupMovedTo records that the group moved to iri (handle is its
// @name@host); empty strings undo the move.
func SetGroupMovedTo(ctx context.Context, db bun.IDB, now time.Time, groupID, iri, handle string) error {
	res, err := db.NewUpdate().Model((*Group)(nil)).
		Set("moved_to = ?", iri).Set("moved_to_handle = ?", handle).Set("updated_at = ?", now.UTC()).
		Where("id = ?", groupID).Exec(ctx)
	if err != nil {
		return fmt.Errorf("set moved_to of group %s: %w", groupID, err)
	}
	return mustAffect(res, "group "+groupID)
}

// ArrivingMember is a member of the group's old address, known from an
// imported export, whose Follow of the new address has not arrived yet.
type ArrivingMember struct {
	bun.BaseModel `bun:"table:arriving_members,alias:am"`

	GroupID     string    `bun:"group_id,pk"`
	ActorIRI    string    `bun:"actor_iri,pk"`
	MemberSince time.Time `bun:"member_since,notnull"`
}

// AddArrivingMember records an expected member; adding one twice keeps
// the first.
func AddArrivingMember(ctx context.Context, db bun.IDB, m *ArrivingMember) error {
	m.MemberSince = m.MemberSince.UTC()
	if _, err := db.NewInsert().Model(m).On("CONFLICT (group_id, actor_iri) DO NOTHING").Exec(ctx); err != nil {
		return fmt.Errorf("add arriving member %s of group %s: %w", m.ActorIRI, m.GroupID, err)
	}
	return nil
}

// TakeArrivingMember removes and returns the expected member actorIRI of
// the group, or ErrNotFound.
func TakeArrivingMember(ctx context.Context, db bun.IDB, groupID, actorIRI string) (*ArrivingMember, error) {
	m := new(ArrivingMember)
	if err := db.NewSelect().Model(m).Where("group_id = ? AND actor_iri = ?", groupID, actorIRI).Scan(ctx); err != nil {
		return nil, notFound(err, "arriving member "+actorIRI)
	}
	if _, err := db.NewDelete().Model(m).WherePK().Exec(ctx); err != nil {
		return nil, fmt.Errorf("take arriving member %s: %w", actorIRI, err)
	}
	return m, nil
}

// CountArrivingMembers counts the group's expected members.
func CountArrivingMembers(ctx context.Context, db bun.IDB, groupID string) (int, error) {
	n, err := db.NewSelect().Model((*ArrivingMember)(nil)).Where("group_id = ?", groupID).Count(ctx)
	if err != nil {
		return 0, fmt.Errorf("count arriving members of group %s: %w", groupID, err)
	}
	return int(n), nil
}

// MoveMembership hands every membership, request, role, badge, directory
// entry and ban of the actor from to the actor to (an account that moved,
// with Move): where to already has the same, it keeps its own. It returns
// the ids of the groups whose membership moved.
func MoveMembership(ctx context.Context, db bun.IDB, now time.Time, from, to string) ([]string, error) {
	// Bans follow the account (as Mastodon carries blocks over on a move):
	// moving is no way around one. A group that banned the new account
	// keeps it out, and the old account's membership there ends.
	var bans []Ban
	if err := db.NewSelect().Model(&bans).Where("b.actor_id = ?", from).Scan(ctx); err != nil {
		return nil, fmt.Errorf("bans of %s: %w", from, err)
	}
	for _, b := range bans {
		nb := &Ban{ID: NewID(), GroupID: b.GroupID, ActorID: to, Reason: b.Reason, CreatedBy: b.CreatedBy, CreatedAt: now.UTC()}
		if _, err := db.NewInsert().Model(nb).On("CONFLICT DO NOTHING").Exec(ctx); err != nil {
			return nil, fmt.Errorf("carry ban of %s over: %w", from, err)
		}
	}
	if err := RecordDepartures(ctx, db, now, "f.actor_id = ? AND f.group_id IN (SELECT group_id FROM bans WHERE actor_id = ?)", from, to); err != nil {
		return nil, err
	}
	if _, err := db.NewDelete().Model((*Follow)(nil)).
		Where("actor_id = ? AND group_id IN (SELECT group_id FROM bans WHERE actor_id = ?)", from, to).Exec(ctx); err != nil {
		return nil, fmt.Errorf("end memberships of %s where %s is banned: %w", from, to, err)
	}
	var groups []string
	if err := db.NewSelect().Model((*Follow)(nil)).Column("group_id").Where("actor_id = ?", from).Scan(ctx, &groups); err != nil {
		return nil, fmt.Errorf("memberships of %s: %w", from, err)
	}
	stmts := []struct{ what, table, key string }{
		{"memberships", "follows", "group_id"},
		{"roles", "member_role_assignments", "role_id"},
		{"badges", "badge_awards", "badge_id"},
		{"directory entries", "member_profiles", "group_id"},
	}
	for _, s := range stmts {
		// Rows the new account already has win: drop the old account's
		// duplicates, then hand over the rest.
		_, err := db.NewDelete().TableExpr(s.table).
			Where("actor_id = ?", from).
			Where(s.key+" IN (SELECT "+s.key+" FROM "+s.table+" WHERE actor_id = ?)", to).Exec(ctx)
		if err != nil {
			return nil, fmt.Errorf("move %s of %s: %w", s.what, from, err)
		}
		if _, err := db.NewUpdate().TableExpr(s.table).Set("actor_id = ?", to).Where("actor_id = ?", from).Exec(ctx); err != nil {
			return nil, fmt.Errorf("move %s of %s: %w", s.what, from, err)
		}
	}
	return groups, nil
}

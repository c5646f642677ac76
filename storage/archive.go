package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// GroupRows are the rows of one group a group export carries
// (federation/grouparchive writes them to a file and back): everything
// keyed by the group, and the remote actors those rows name. Rows keep
// the ids of the node they were read on; whoever inserts them elsewhere
// maps the ids first.
type GroupRows struct {
	Actors          []RemoteActor
	Members         []Follow // accepted memberships
	Posts           []Post
	Roles           []Role
	RoleAssignments []RoleAssignment
	Badges          []Badge
	BadgeAwards     []BadgeAward
	Profiles        []MemberProfile
	Belonging       []BelongingSettings // none, or the group's one row
	Log             []LogEntry
	Bans            []Ban
	Events          []Event
	Attendees       []Attendee
	Polls           []Poll
	PollOptions     []PollOption
	PollVotes       []PollVote
	Conversations   []Conversation // modmail
	Messages        []Message
}

// ReadGroupRows reads every row of the group an export carries. Run it in
// a read-only transaction for a consistent copy.
func ReadGroupRows(ctx context.Context, db bun.IDB, groupID string) (*GroupRows, error) {
	r := &GroupRows{}
	byGroup := func(what string, dest any, where string) error {
		if err := db.NewSelect().Model(dest).Where(where, groupID).Scan(ctx); err != nil {
			return fmt.Errorf("export %s of group %s: %w", what, groupID, err)
		}
		return nil
	}
	steps := []struct {
		what  string
		dest  any
		where string
	}{
		{"members", &r.Members, "f.group_id = ? AND f.state = 'accepted'"},
		{"posts", &r.Posts, "p.group_id = ?"},
		{"roles", &r.Roles, "mr.group_id = ?"},
		{"role assignments", &r.RoleAssignments, "mra.role_id IN (SELECT id FROM member_roles WHERE group_id = ?)"},
		{"badges", &r.Badges, "b.group_id = ?"},
		{"badge awards", &r.BadgeAwards, "ba.badge_id IN (SELECT id FROM badges WHERE group_id = ?)"},
		{"member profiles", &r.Profiles, "mp.group_id = ?"},
		{"belonging settings", &r.Belonging, "bs.group_id = ?"},
		{"moderation log", &r.Log, "ml.group_id = ?"},
		{"bans", &r.Bans, "b.group_id = ?"},
		{"events", &r.Events, "ev.group_id = ?"},
		{"attendees", &r.Attendees, "at.event_id IN (SELECT id FROM events WHERE group_id = ?)"},
		{"polls", &r.Polls, "pl.group_id = ?"},
		{"poll options", &r.PollOptions, "po.poll_id IN (SELECT id FROM polls WHERE group_id = ?)"},
		{"poll votes", &r.PollVotes, "pv.poll_id IN (SELECT id FROM polls WHERE group_id = ?)"},
		{"modmail", &r.Conversations, "cv.group_id = ?"},
		{"modmail messages", &r.Messages, "cm.conversation_id IN (SELECT id FROM conversations WHERE group_id = ?)"},
	}
	for _, s := range steps {
		if err := byGroup(s.what, s.dest, s.where); err != nil {
			return nil, err
		}
	}
	ids := map[string]bool{}
	add := func(id string) {
		if id != "" {
			ids[id] = true
		}
	}
	for _, f := range r.Members {
		add(f.ActorID)
	}
	for _, p := range r.Posts {
		add(p.AuthorID)
		add(p.CreditActorID)
	}
	for _, a := range r.RoleAssignments {
		add(a.ActorID)
	}
	for _, a := range r.BadgeAwards {
		add(a.ActorID)
	}
	for _, p := range r.Profiles {
		add(p.ActorID)
	}
	for _, b := range r.Bans {
		add(b.ActorID)
	}
	for _, a := range r.Attendees {
		add(a.ActorID)
	}
	for _, v := range r.PollVotes {
		add(v.ActorID)
	}
	for _, c := range r.Conversations {
		add(c.ActorID)
	}
	if len(ids) > 0 {
		list := make([]string, 0, len(ids))
		for id := range ids {
			list = append(list, id)
		}
		if err := db.NewSelect().Model(&r.Actors).Where("ra.id IN (?)", bun.List(list)).Order("ra.iri").Scan(ctx); err != nil {
			return nil, fmt.Errorf("export actors of group %s: %w", groupID, err)
		}
	}
	return r, nil
}

// AdoptRemoteActors stores the cached actors a group export carries,
// keeping the copies already here (they may be fresher), and returns the
// local id of each IRI. The adopted copies are marked as fetched long ago,
// so the daily refresh fetches them again.
func AdoptRemoteActors(ctx context.Context, db bun.IDB, actors []RemoteActor) (map[string]string, error) {
	ids := make(map[string]string, len(actors))
	for _, a := range actors {
		a.ID = NewID()
		a.FetchedAt = time.Unix(0, 0).UTC()
		if a.FieldsJSON == "" {
			a.FieldsJSON = "[]"
		}
		if a.PublicKeyID != "" {
			// A key id names one actor: keep the row that already has it.
			taken, err := db.NewSelect().Model((*RemoteActor)(nil)).Where("public_key_id = ? AND iri <> ?", a.PublicKeyID, a.IRI).Exists(ctx)
			if err != nil {
				return nil, fmt.Errorf("adopt actor %s: %w", a.IRI, err)
			}
			if taken {
				a.PublicKeyID, a.PublicKeyPEM = "", ""
			}
		}
		if _, err := db.NewInsert().Model(&a).On("CONFLICT (iri) DO NOTHING").Exec(ctx); err != nil {
			return nil, fmt.Errorf("adopt actor %s: %w", a.IRI, err)
		}
		var id string
		if err := db.NewSelect().Model((*RemoteActor)(nil)).Column("id").Where("iri = ?", a.IRI).Scan(ctx, &id); err != nil {
			return nil, fmt.Errorf("adopt actor %s: %w", a.IRI, err)
		}
		ids[a.IRI] = id
	}
	return ids, nil
}

// InsertGroupRows inserts the rows of an imported group whose ids were
// mapped to this node's; a row already here (the same id, or the same
// natural key) is kept, so that importing twice adds nothing. Members and
// Actors are not inserted (see AdoptRemoteActors and ArrivingMember).
func InsertGroupRows(ctx context.Context, db bun.IDB, r *GroupRows) error {
	// Parents before children: posts before what names them.
	for _, err := range []func() error{
		func() error { return insertChunks(ctx, db, "posts", r.Posts) },
		func() error { return insertChunks(ctx, db, "roles", r.Roles) },
		func() error { return insertChunks(ctx, db, "role assignments", r.RoleAssignments) },
		func() error { return insertChunks(ctx, db, "badges", r.Badges) },
		func() error { return insertChunks(ctx, db, "badge awards", r.BadgeAwards) },
		func() error { return insertChunks(ctx, db, "member profiles", r.Profiles) },
		func() error { return insertChunks(ctx, db, "belonging settings", r.Belonging) },
		func() error { return insertChunks(ctx, db, "moderation log", r.Log) },
		func() error { return insertChunks(ctx, db, "bans", r.Bans) },
		func() error { return insertChunks(ctx, db, "events", r.Events) },
		func() error { return insertChunks(ctx, db, "attendees", r.Attendees) },
		func() error { return insertChunks(ctx, db, "polls", r.Polls) },
		func() error { return insertChunks(ctx, db, "poll options", r.PollOptions) },
		func() error { return insertChunks(ctx, db, "poll votes", r.PollVotes) },
		func() error { return insertChunks(ctx, db, "modmail", r.Conversations) },
		func() error { return insertChunks(ctx, db, "modmail messages", r.Messages) },
	} {
		if err := err(); err != nil {
			return err
		}
	}
	return nil
}

// insertChunks inserts rows a hundred at a time (SQLite bounds the
// parameters of one statement), keeping rows already present.
func insertChunks[T any](ctx context.Context, db bun.IDB, what string, rows []T) error {
	const chunk = 100
	for len(rows) > 0 {
		n := min(chunk, len(rows))
		part := rows[:n]
		if _, err := db.NewInsert().Model(&part).On("CONFLICT DO NOTHING").Exec(ctx); err != nil {
			return fmt.Errorf("import %s: %w", what, err)
		}
		rows = rows[n:]
	}
	return nil
}

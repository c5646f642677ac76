package storage

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// MemberField is a name and a value a member shows in one group; plain
// text.
type MemberField struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Fields are the member's fields in this group; unreadable ones are none.
func (mp *MemberProfile) Fields() []MemberField {
	var fs []MemberField
	if mp.FieldsJSON == "" || json.Unmarshal([]byte(mp.FieldsJSON), &fs) != nil {
		return nil
	}
	return fs
}

// MemberSettings is what a member sets about themselves in one group.
type MemberSettings struct {
	InDirectory bool
	DigestDM    bool
	Pronouns    string
	FieldsJSON  string // [{"name":…,"value":…}], plain text; "" is none
}

// SaveMemberSettings stores what a member set on the members' pages; the
// intro is left as it is.
func SaveMemberSettings(ctx context.Context, db bun.IDB, now time.Time, groupID, actorID string, s MemberSettings) error {
	if s.FieldsJSON == "" {
		s.FieldsJSON = "[]"
	}
	mp := &MemberProfile{GroupID: groupID, ActorID: actorID, InDirectory: s.InDirectory, DigestDM: s.DigestDM,
		Pronouns: s.Pronouns, FieldsJSON: s.FieldsJSON, UpdatedAt: now.UTC()}
	_, err := db.NewInsert().Model(mp).On("CONFLICT (group_id, actor_id) DO UPDATE").
		Set("in_directory = EXCLUDED.in_directory, digest_dm = EXCLUDED.digest_dm").
		Set("pronouns = EXCLUDED.pronouns, fields_json = EXCLUDED.fields_json, updated_at = EXCLUDED.updated_at").Exec(ctx)
	if err != nil {
		return fmt.Errorf("settings of %s in group %s: %w", actorID, groupID, err)
	}
	return nil
}

// ClearIntroPost takes away a member's intro.
func ClearIntroPost(ctx context.Context, db bun.IDB, now time.Time, groupID, actorID string) error {
	_, err := db.NewUpdate().Model((*MemberProfile)(nil)).Set("intro_post_id = NULL, updated_at = ?", now.UTC()).
		Where("group_id = ? AND actor_id = ?", groupID, actorID).Exec(ctx)
	if err != nil {
		return fmt.Errorf("clear the intro of %s in group %s: %w", actorID, groupID, err)
	}
	return nil
}

// DigestDMMembers lists the members of a group who want its digest by
// direct message.
func DigestDMMembers(ctx context.Context, db bun.IDB, groupID string) ([]RemoteActor, error) {
	var out []RemoteActor
	err := db.NewSelect().Model(&out).
		Join("JOIN follows AS f ON f.actor_id = ra.id AND f.group_id = ? AND f.state = ?", groupID, FollowAccepted).
		Join("JOIN member_profiles AS mp ON mp.actor_id = ra.id AND mp.group_id = ?", groupID).
		Where("mp.digest_dm = ? AND ra.gone_at IS NULL", true).Order("ra.id").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("digest recipients of group %s: %w", groupID, err)
	}
	return out, nil
}

// MemberPostsInGroup lists an author's published posts in a group, newest
// first, at most limit.
func MemberPostsInGroup(ctx context.Context, db bun.IDB, groupID, authorID string, limit int) ([]Post, error) {
	var ps []Post
	err := db.NewSelect().Model(&ps).
		Where("p.group_id = ? AND p.author_id = ? AND p.state = ?", groupID, authorID, PostPublished).
		Order("p.id DESC").Limit(int64(limit)).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("posts of %s in group %s: %w", authorID, groupID, err)
	}
	return ps, nil
}

// HasNamedPostInGroup tells whether an author has a published post in a
// group that names them: not anonymous, not a direct message.
func HasNamedPostInGroup(ctx context.Context, db bun.IDB, groupID, authorID string) (bool, error) {
	ok, err := db.NewSelect().Model((*Post)(nil)).
		Where("p.group_id = ? AND p.author_id = ? AND p.state = ? AND p.anonymous = ? AND p.visibility <> ?",
			groupID, authorID, PostPublished, false, VisibilityDirect).Exists(ctx)
	if err != nil {
		return false, fmt.Errorf("named posts of %s in group %s: %w", authorID, groupID, err)
	}
	return ok, nil
}

// MembersOnlyThreads lists the first posts of a group's members-only
// threads (published, visibility followers), newest first, before the id
// before ("" for the newest). A member's post that the group republished
// is listed once, as the group's copy, where the members reply.
func MembersOnlyThreads(ctx context.Context, db bun.IDB, groupID, before string, limit int) ([]Post, error) {
	return PrivateThreads(ctx, db, groupID, []string{VisibilityFollowers}, before, limit)
}

// PrivateThreads is MembersOnlyThreads for the threads of any of the
// visibilities given: a regular sees the members-only and the
// regulars-only threads together.
func PrivateThreads(ctx context.Context, db bun.IDB, groupID string, visibilities []string, before string, limit int) ([]Post, error) {
	if limit <= 0 || limit > 100 {
		limit = 20
	}
	var ps []Post
	q := db.NewSelect().Model(&ps).Relation("Author").
		Where("p.group_id = ? AND p.state = ? AND p.visibility IN (?) AND p.root_id = p.id", groupID, PostPublished, bun.List(visibilities)).
		Where("NOT EXISTS (SELECT 1 FROM posts AS copy WHERE copy.group_id = p.group_id AND copy.source_iri = p.iri AND p.iri <> '')")
	if before != "" {
		q = q.Where("p.id < ?", before)
	}
	if err := q.Order("p.id DESC").Limit(int64(limit)).Scan(ctx); err != nil {
		return nil, fmt.Errorf("members-only threads of group %s: %w", groupID, err)
	}
	return ps, nil
}

// ConversationOf loads a group's modmail conversation with an actor;
// ErrNotFound when they never wrote.
func ConversationOf(ctx context.Context, db bun.IDB, groupID, actorID string) (*Conversation, error) {
	c := new(Conversation)
	if err := db.NewSelect().Model(c).Where("group_id = ? AND actor_id = ?", groupID, actorID).Scan(ctx); err != nil {
		return nil, notFound(err, "conversation")
	}
	return c, nil
}

// RecentPolls lists a group's polls whose posts are published, newest
// first, with their options and posts.
func RecentPolls(ctx context.Context, db bun.IDB, groupID string, limit int) ([]Poll, error) {
	var ps []Poll
	err := db.NewSelect().Model(&ps).
		Relation("Options", func(q *bun.SelectQuery) *bun.SelectQuery { return q.Order("po.position") }).
		Join("JOIN posts AS p ON p.id = pl.post_id").
		Where("pl.group_id = ? AND p.state = ? AND p.visibility <> ?", groupID, PostPublished, VisibilityDirect).
		Order("pl.created_at DESC", "pl.id DESC").Limit(int64(limit)).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("polls of group %s: %w", groupID, err)
	}
	return ps, nil
}

// PollChoicesOf lists the options an actor voted for in a poll.
func PollChoicesOf(ctx context.Context, db bun.IDB, pollID, actorID string) ([]string, error) {
	var ids []string
	err := db.NewSelect().Model((*PollVote)(nil)).Column("option_id").
		Where("poll_id = ? AND actor_id = ?", pollID, actorID).Scan(ctx, &ids)
	if err != nil {
		return nil, fmt.Errorf("votes of %s in poll %s: %w", actorID, pollID, err)
	}
	return ids, nil
}

// PollVotesOf lists an actor's votes in a poll.
func PollVotesOf(ctx context.Context, db bun.IDB, pollID, actorID string) ([]PollVote, error) {
	var vs []PollVote
	err := db.NewSelect().Model(&vs).Where("pv.poll_id = ? AND pv.actor_id = ?", pollID, actorID).Order("pv.id").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("votes of %s in poll %s: %w", actorID, pollID, err)
	}
	return vs, nil
}

// DeletePollVotes takes back an actor's votes in a poll and recounts it.
func DeletePollVotes(ctx context.Context, db bun.IDB, pollID, actorID string) error {
	if _, err := db.NewDelete().Model((*PollVote)(nil)).Where("poll_id = ? AND actor_id = ?", pollID, actorID).Exec(ctx); err != nil {
		return fmt.Errorf("delete votes of %s in poll %s: %w", actorID, pollID, err)
	}
	return RecountPoll(ctx, db, pollID)
}

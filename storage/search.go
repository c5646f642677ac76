package storage

import (
	"context"
	"fmt"
	"strings"

	"github.com/uptrace/bun"
)

// likePattern is a case-insensitive LIKE pattern (with ESCAPE '\') that
// finds text containing q literally.
func likePattern(q string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(strings.ToLower(strings.TrimSpace(q))) + "%"
}

// actorMatches selects the remote actors whose name, username, server or
// handle (user@server) contains the pattern.
const actorMatches = `SELECT id FROM remote_actors WHERE LOWER(name) LIKE ? ESCAPE '\' OR LOWER(username) LIKE ? ESCAPE '\'` +
	` OR LOWER(username || '@' || host) LIKE ? ESCAPE '\'`

// SearchMembers lists a group's members whose name, username, server or
// handle contains q (case-insensitive), oldest member first.
func SearchMembers(ctx context.Context, db bun.IDB, groupID, q string, limit int) ([]Follow, error) {
	p := likePattern(strings.TrimPrefix(strings.TrimSpace(q), "@"))
	var fs []Follow
	err := db.NewSelect().Model(&fs).Relation("Actor").
		Where("f.group_id = ? AND f.state = ?", groupID, FollowAccepted).
		Where("f.actor_id IN ("+actorMatches+")", p, p, p).
		Order("f.created_at", "f.id").Limit(int64(limit)).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("search members of group %s: %w", groupID, err)
	}
	return fs, nil
}

// SearchMemberPosts lists a group's member posts in one state whose text
// or author (name, handle) contains q, newest first.
func SearchMemberPosts(ctx context.Context, db bun.IDB, groupID, state, q string, limit int) ([]Post, error) {
	p := likePattern(strings.TrimPrefix(strings.TrimSpace(q), "@"))
	var ps []Post
	err := db.NewSelect().Model(&ps).Relation("Author").
		Where("p.group_id = ? AND p.state = ? AND p.author_id IS NOT NULL", groupID, state).
		WhereGroup(" AND ", func(sq *bun.SelectQuery) *bun.SelectQuery {
			return sq.Where(`LOWER(p.content_html) LIKE ? ESCAPE '\'`, p).
				WhereOr(`LOWER(p.summary) LIKE ? ESCAPE '\'`, p).
				WhereOr("p.author_id IN ("+actorMatches+")", p, p, p)
		}).
		Order("p.id DESC").Limit(int64(limit)).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("search posts of group %s: %w", groupID, err)
	}
	return ps, nil
}

// SearchReports lists reports in one state of the given groups whose
// reason, resolution or reported account (IRI, name, handle) or reporter
// contains q (case-insensitive), newest first.
func SearchReports(ctx context.Context, db bun.IDB, state string, groupIDs []string, q string, limit int) ([]Report, error) {
	p := likePattern(strings.TrimPrefix(strings.TrimSpace(q), "@"))
	var rs []Report
	sel := db.NewSelect().Model(&rs).Where("rp.state = ?", state)
	if len(groupIDs) > 0 {
		sel = sel.Where("rp.group_id IN (?)", bun.List(groupIDs))
	}
	sel = sel.WhereGroup(" AND ", func(sq *bun.SelectQuery) *bun.SelectQuery {
		return sq.Where(`LOWER(rp.reason) LIKE ? ESCAPE '\'`, p).
			WhereOr(`LOWER(rp.resolution) LIKE ? ESCAPE '\'`, p).
			WhereOr(`LOWER(rp.target_iri) LIKE ? ESCAPE '\'`, p).
			WhereOr(`LOWER(rp.reporter_iri) LIKE ? ESCAPE '\'`, p).
			WhereOr("rp.target_iri IN (SELECT iri FROM remote_actors WHERE id IN ("+actorMatches+"))", p, p, p).
			WhereOr("rp.reporter_iri IN (SELECT iri FROM remote_actors WHERE id IN ("+actorMatches+"))", p, p, p)
	})
	if err := sel.Order("rp.id DESC").Limit(int64(limit)).Scan(ctx); err != nil {
		return nil, fmt.Errorf("search reports: %w", err)
	}
	return rs, nil
}

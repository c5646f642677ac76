package storage

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"
)

// Queries the admin UI needs beside the aggregates' own: counts for its
// navigation, members per server for the federation health page, and the
// group's posts split by who wrote them.

// CountOpenReports counts a group's open reports.
func CountOpenReports(ctx context.Context, db bun.IDB, groupID string) (int, error) {
	n, err := db.NewSelect().Model((*Report)(nil)).Where("group_id = ? AND state = ?", groupID, ReportOpen).Count(ctx)
	if err != nil {
		return 0, fmt.Errorf("count open reports of group %s: %w", groupID, err)
	}
	return int(n), nil
}

// PostCountsByAuthor counts each author's published posts in a group,
// keyed by remote actor id.
func PostCountsByAuthor(ctx context.Context, db bun.IDB, groupID string, actorIDs []string) (map[string]int, error) {
	counts := make(map[string]int, len(actorIDs))
	if len(actorIDs) == 0 {
		return counts, nil
	}
	var rows []struct {
		AuthorID string `bun:"author_id"`
		N        int    `bun:"n"`
	}
	err := db.NewSelect().TableExpr("posts").ColumnExpr("author_id, COUNT(*) AS n").
		Where("group_id = ? AND state = ? AND author_id IN (?)", groupID, PostPublished, bun.List(actorIDs)).
		GroupExpr("author_id").Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("count posts by author in group %s: %w", groupID, err)
	}
	for _, r := range rows {
		counts[r.AuthorID] = r.N
	}
	return counts, nil
}

// MembersPerHost counts accepted memberships (over all groups) by the
// member's server.
func MembersPerHost(ctx context.Context, db bun.IDB) (map[string]int, error) {
	var rows []struct {
		Host string `bun:"host"`
		N    int    `bun:"n"`
	}
	err := db.NewSelect().TableExpr("follows AS f").
		Join("JOIN remote_actors AS ra ON ra.id = f.actor_id").
		ColumnExpr("ra.host AS host, COUNT(*) AS n").
		Where("f.state = ?", FollowAccepted).
		GroupExpr("ra.host").Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("count members per server: %w", err)
	}
	m := make(map[string]int, len(rows))
	for _, r := range rows {
		m[r.Host] = r.N
	}
	return m, nil
}

// ListGroupPosts lists a group's posts in a state, newest first: the
// group's own (own) or its members' (!own).
func ListGroupPosts(ctx context.Context, db bun.IDB, groupID, state string, own bool, limit int) ([]Post, error) {
	var ps []Post
	q := db.NewSelect().Model(&ps).Relation("Author").Where("p.group_id = ? AND p.state = ?", groupID, state)
	if own {
		q = q.Where("p.author_id IS NULL")
	} else {
		q = q.Where("p.author_id IS NOT NULL")
	}
	if err := q.Order("p.id DESC").Limit(int64(limit)).Scan(ctx); err != nil {
		return nil, fmt.Errorf("list posts of group %s: %w", groupID, err)
	}
	return ps, nil
}

// FollowByID loads a follow with its actor.
func FollowByID(ctx context.Context, db bun.IDB, id string) (*Follow, error) {
	f := new(Follow)
	if err := db.NewSelect().Model(f).Relation("Actor").Where("f.id = ?", id).Scan(ctx); err != nil {
		return nil, notFound(err, "follow "+id)
	}
	return f, nil
}

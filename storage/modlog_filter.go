package storage

import (
	"context"
	"fmt"
	"strings"

	"github.com/uptrace/bun"
)

// LogFilter narrows a group's moderation log; empty fields match all.
type LogFilter struct {
	GroupID   string
	StaffName string // who did it
	Action    string // e.g. "ban"
	Target    string // what or whom it was done to: an actor or post IRI, a domain
	// Query finds entries whose reason or target contains it, or whose
	// target is a person whose name or handle does (case-insensitive).
	Query string
	Limit int
}

// FilterLog lists the moderation log entries that match f, newest first.
func FilterLog(ctx context.Context, db bun.IDB, f LogFilter) ([]LogEntry, error) {
	var es []LogEntry
	q := db.NewSelect().Model(&es).Where("group_id = ?", f.GroupID)
	if f.StaffName != "" {
		q = q.Where("staff_name = ?", f.StaffName)
	}
	if f.Action != "" {
		q = q.Where("action = ?", f.Action)
	}
	if f.Target != "" {
		q = q.Where("target = ?", f.Target)
	}
	if strings.TrimSpace(f.Query) != "" {
		p := likePattern(strings.TrimPrefix(strings.TrimSpace(f.Query), "@"))
		q = q.WhereGroup(" AND ", func(sq *bun.SelectQuery) *bun.SelectQuery {
			return sq.Where(`LOWER(ml.reason) LIKE ? ESCAPE '\'`, p).
				WhereOr(`LOWER(ml.target) LIKE ? ESCAPE '\'`, p).
				WhereOr("ml.target IN (SELECT iri FROM remote_actors WHERE id IN ("+actorMatches+"))", p, p, p)
		})
	}
	if err := q.Order("id DESC").Limit(int64(f.Limit)).Scan(ctx); err != nil {
		return nil, fmt.Errorf("filter moderation log of group %s: %w", f.GroupID, err)
	}
	return es, nil
}

// LogFacets are the moderators and actions a group's log holds, for its
// filters.
type LogFacets struct {
	StaffNames []string
	Actions    []string
}

// LogFacetsOf lists the distinct moderators and actions in a group's log.
func LogFacetsOf(ctx context.Context, db bun.IDB, groupID string) (LogFacets, error) {
	var f LogFacets
	err := db.NewSelect().Model((*LogEntry)(nil)).ColumnExpr("DISTINCT staff_name").
		Where("group_id = ?", groupID).OrderExpr("staff_name").Scan(ctx, &f.StaffNames)
	if err != nil {
		return LogFacets{}, fmt.Errorf("moderators in the log of group %s: %w", groupID, err)
	}
	err = db.NewSelect().Model((*LogEntry)(nil)).ColumnExpr("DISTINCT action").
		Where("group_id = ?", groupID).OrderExpr("action").Scan(ctx, &f.Actions)
	if err != nil {
		return LogFacets{}, fmt.Errorf("actions in the log of group %s: %w", groupID, err)
	}
	return f, nil
}

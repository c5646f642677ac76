package public

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"

	"github.com/kith-social/kith/storage"
)

// The queries the public pages need beyond storage's. They follow
// storage's conventions (ctx first, bun.IDB, wrapped errors) and belong in
// storage/post.go once another caller wants them.

// replyCounts counts the replies a public page may show in each thread.
func replyCounts(ctx context.Context, db bun.IDB, rootIDs []string) (map[string]int, error) {
	counts := make(map[string]int, len(rootIDs))
	if len(rootIDs) == 0 {
		return counts, nil
	}
	var rows []struct {
		RootID string `bun:"root_id"`
		N      int    `bun:"n"`
	}
	err := db.NewSelect().Model((*storage.Post)(nil)).
		Column("root_id").ColumnExpr("COUNT(*) AS n").
		Where("root_id IN (?)", bun.List(rootIDs)).
		Where("id <> root_id").
		Where("state = ?", storage.PostPublished).
		Where("visibility IN (?)", bun.List(publicVisibilities)).
		Group("root_id").
		Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("count replies: %w", err)
	}
	for _, r := range rows {
		counts[r.RootID] = r.N
	}
	return counts, nil
}

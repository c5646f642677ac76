package migrations

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/migrate"

	"github.com/kith-social/kith/storage"
)

// registerMemberListIndex adds the indexes that answer a group's member
// list (storage.MemberInboxes) from index entries alone. Every fan-out to
// the members reads that list, and every follow or departure empties its
// cache, so the read is usually cold and sits before the first signature:
// on SQLite, for 10,000 members, it was 56 ms of the ~75 ms between a
// member's post and its first delivery (docs/performance.md). The list
// joined each follow to its actor's row, and both rows are wide (the
// Follow and the actor document as received), so the read touched
// thousands of pages, most of them outside SQLite's page cache; the index
// entries of 10,000 actors fit in a few hundred.
//
// It is a Go migration, not portable SQL, because the actors' index is
// for SQLite only: its entries hold the inbox URLs, which remote servers
// choose, and PostgreSQL refuses an index entry larger than about 2.7 KB,
// so an actor with a long enough inbox could no longer be stored. There
// PostgreSQL joins the two tables without it. The file name gives the
// migration its name and order, as for the SQL files.
func registerMemberListIndex(ms *migrate.Migrations) error {
	return ms.Register(func(ctx context.Context, db *bun.DB) error {
		stmts := []string{
			// The members of a group, with their actor: replaces the index
			// on (group_id, state), which it extends.
			`CREATE INDEX IF NOT EXISTS follows_group_state_actor_idx ON follows (group_id, state, actor_id)`,
			`DROP INDEX IF EXISTS follows_group_state_idx`,
		}
		if !storage.IsPostgres(db) {
			stmts = append(stmts, `CREATE INDEX IF NOT EXISTS remote_actors_delivery_idx ON remote_actors (id, gone_at, shared_inbox, inbox)`)
		}
		return execAll(ctx, db, stmts)
	}, func(ctx context.Context, db *bun.DB) error {
		return execAll(ctx, db, []string{
			`CREATE INDEX IF NOT EXISTS follows_group_state_idx ON follows (group_id, state)`,
			`DROP INDEX IF EXISTS follows_group_state_actor_idx`,
			`DROP INDEX IF EXISTS remote_actors_delivery_idx`,
		})
	})
}

// execAll runs stmts in one transaction.
func execAll(ctx context.Context, db *bun.DB, stmts []string) error {
	return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		for _, s := range stmts {
			if _, err := tx.ExecContext(ctx, s); err != nil {
				return fmt.Errorf("%s: %w", s, err)
			}
		}
		return nil
	})
}

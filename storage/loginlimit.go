package storage

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/uptrace/bun"
)

// LoginLimit is one record of the staff login limiter (web/auth): its
// key, its state (JSON the limiter owns) and when it may be forgotten.
type LoginLimit struct {
	bun.BaseModel `bun:"table:login_limits"`

	Key       string `bun:"key,pk"`
	State     string `bun:"state,notnull"`
	ExpiresAt int64  `bun:"expires_at,notnull"` // Unix seconds
}

// UpdateLoginLimits runs fn on the states of keys (a key without a record
// is absent from the map) in one transaction that holds those records
// against every other process — row locks on PostgreSQL, the one writer
// on SQLite — and then stores what fn returns: a record replaces the
// key's, an empty State deletes it, a key fn leaves out stays as it was.
// Records past their expiry are deleted first, so they read as absent.
func UpdateLoginLimits(ctx context.Context, db *bun.DB, keys []string, now time.Time, fn func(states map[string]string) (map[string]LoginLimit, error)) error {
	keys = slices.Clone(keys)
	slices.Sort(keys) // one order for every caller: no deadlock between two
	keys = slices.Compact(keys)
	return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewDelete().Model((*LoginLimit)(nil)).Where("expires_at < ?", now.Unix()).Exec(ctx); err != nil {
			return fmt.Errorf("forget expired login records: %w", err)
		}
		// Make the missing records first (empty, expiring now), so that two
		// processes asking for a new key wait for each other on its row
		// instead of both reading "absent".
		blank := make([]LoginLimit, len(keys))
		for i, k := range keys {
			blank[i] = LoginLimit{Key: k, ExpiresAt: now.Unix()}
		}
		if _, err := tx.NewInsert().Model(&blank).On("CONFLICT (key) DO NOTHING").Exec(ctx); err != nil {
			return fmt.Errorf("make login records: %w", err)
		}
		var rows []LoginLimit
		q := tx.NewSelect().Model(&rows).Where("key IN (?)", bun.List(keys)).Order("key")
		if IsPostgres(db) {
			q = q.For("UPDATE")
		}
		if err := q.Scan(ctx); err != nil {
			return fmt.Errorf("read login records: %w", err)
		}
		states := make(map[string]string, len(rows))
		for _, r := range rows {
			if r.State != "" {
				states[r.Key] = r.State
			}
		}
		out, err := fn(states)
		if err != nil {
			return err
		}
		for _, k := range keys {
			r, ok := out[k]
			if !ok && states[k] != "" {
				continue // left as it was
			}
			if !ok || r.State == "" {
				if _, err := tx.NewDelete().Model((*LoginLimit)(nil)).Where("key = ?", k).Exec(ctx); err != nil {
					return fmt.Errorf("delete login record: %w", err)
				}
				continue
			}
			r.Key = k
			if _, err := tx.NewUpdate().Model(&r).Column("state", "expires_at").WherePK().Exec(ctx); err != nil {
				return fmt.Errorf("store login record: %w", err)
			}
		}
		return nil
	})
}

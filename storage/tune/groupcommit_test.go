package tune_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/uptrace/bun"

	"github.com/kith-social/kith/storage/storagetest"
	"github.com/kith-social/kith/storage/tune"
)

// Callers that arrive while a transaction runs share the next one; each
// keeps its own outcome: an error or a panic rolls back that caller's
// writes only, a cancelled caller stops waiting while its writes still
// commit, and a database error inside one caller's function (which on
// PostgreSQL aborts the transaction) does not spoil the others'.
func TestGroupCommit(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *bun.DB) {
		tests := []struct {
			name    string
			max     int
			wantTxs uint64 // transactions after the blocking first one
		}{
			{name: "one transaction for all", max: 64, wantTxs: 1},
			{name: "two per transaction", max: 2, wantTxs: 3},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				ctx := context.Background()
				if _, err := db.ExecContext(ctx, `DROP TABLE IF EXISTS gc_test`); err != nil {
					t.Fatal(err)
				}
				if _, err := db.ExecContext(ctx, `CREATE TABLE gc_test (v TEXT PRIMARY KEY)`); err != nil {
					t.Fatal(err)
				}
				insert := func(ctx context.Context, tx bun.Tx, v string) error {
					_, err := tx.ExecContext(ctx, `INSERT INTO gc_test (v) VALUES (?)`, v)
					return err
				}
				gc := tune.NewGroupCommit(db, tt.max)

				// The first caller holds its transaction until released,
				// so that the others queue up behind it.
				release, started := make(chan struct{}), make(chan struct{})
				first := make(chan error, 1)
				go func() {
					first <- gc.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
						close(started)
						<-release
						return insert(ctx, tx, "first")
					})
				}()
				<-started

				failed := errors.New("caller's own failure")
				type outcome struct {
					err      error
					panicked any
				}
				cancelled, cancel := context.WithCancel(ctx)
				callers := []struct {
					v   string
					ctx context.Context
					fn  func(ctx context.Context, tx bun.Tx) error
				}{
					{v: "ok1", fn: func(ctx context.Context, tx bun.Tx) error { return insert(ctx, tx, "ok1") }},
					{v: "fails", fn: func(ctx context.Context, tx bun.Tx) error {
						if err := insert(ctx, tx, "fails"); err != nil {
							return err
						}
						return failed
					}},
					{v: "duplicate", fn: func(ctx context.Context, tx bun.Tx) error {
						if err := insert(ctx, tx, "duplicate"); err != nil {
							return err
						}
						return insert(ctx, tx, "first") // a unique violation
					}},
					{v: "panics", fn: func(ctx context.Context, tx bun.Tx) error {
						if err := insert(ctx, tx, "panics"); err != nil {
							return err
						}
						panic("boom")
					}},
					{v: "cancelled", ctx: cancelled, fn: func(ctx context.Context, tx bun.Tx) error { return insert(ctx, tx, "cancelled") }},
					{v: "ok2", fn: func(ctx context.Context, tx bun.Tx) error { return insert(ctx, tx, "ok2") }},
				}
				outcomes := make([]chan outcome, len(callers))
				for i, c := range callers {
					outcomes[i] = make(chan outcome, 1)
					cctx := c.ctx
					if cctx == nil {
						cctx = ctx
					}
					go func() {
						var o outcome
						defer func() {
							o.panicked = recover()
							outcomes[i] <- o
						}()
						o.err = gc.RunInTx(cctx, c.fn)
					}()
					storagetest.Eventually(t, "the caller waiting", func() bool { return gc.Stats().Waiting == i+1 }) // keep their order
				}
				cancel()
				if o := <-outcomes[4]; !errors.Is(o.err, context.Canceled) {
					t.Fatalf("cancelled caller: %v, want context.Canceled while it waits", o.err)
				}
				close(release)
				if err := <-first; err != nil {
					t.Fatalf("first caller: %v", err)
				}
				got := map[string]outcome{}
				for i, c := range callers {
					if i != 4 {
						got[c.v] = <-outcomes[i]
					}
				}
				for _, v := range []string{"ok1", "ok2"} {
					if got[v].err != nil || got[v].panicked != nil {
						t.Errorf("%s: %+v, want success", v, got[v])
					}
				}
				if !errors.Is(got["fails"].err, failed) {
					t.Errorf("fails: %+v, want its own error", got["fails"])
				}
				if got["duplicate"].err == nil {
					t.Errorf("duplicate: no error, want the unique violation")
				}
				if got["panics"].panicked != "boom" {
					t.Errorf("panics: %+v, want the panic re-raised in its goroutine", got["panics"])
				}

				var rows []string
				if err := db.NewSelect().Table("gc_test").Column("v").Order("v").Scan(ctx, &rows); err != nil {
					t.Fatal(err)
				}
				if want := []string{"cancelled", "first", "ok1", "ok2"}; !slices.Equal(rows, want) {
					t.Errorf("rows %q, want %q: only the successful callers' writes", rows, want)
				}
				s := gc.Stats()
				if s.Transactions != 1+tt.wantTxs || s.Calls != 1+uint64(len(callers)) || s.Waiting != 0 {
					t.Errorf("stats %+v, want %d transactions for %d calls", s, 1+tt.wantTxs, 1+len(callers))
				}
			})
		}
	})
}

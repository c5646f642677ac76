// Package migrations holds Kith's database schema changes, embedded in the
// binary, and runs them together with the job queue's own migrations.
//
// Files are timestamp-named bun migrations in portable SQL (the same file
// runs on SQLite and PostgreSQL), and a few in Go where a change depends
// on the database's dialect; they are forward-only in production.
package migrations

import (
	"context"
	"embed"
	"fmt"
	"log/slog"

	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
	"github.com/uptrace/bun/migrate"

	"github.com/kith-social/kith/storage"
)

//go:embed *.sql
var files embed.FS

// load builds the migration set from the embedded files. It is built per
// call, not kept in a package variable, so nothing here is mutable state.
func load() (*migrate.Migrations, error) {
	ms := migrate.NewMigrations()
	if err := ms.Discover(files); err != nil {
		return nil, fmt.Errorf("load embedded migrations: %w", err)
	}
	// The few that depend on the database's dialect are Go (each file
	// says why).
	if err := registerMemberListIndex(ms); err != nil {
		return nil, fmt.Errorf("load migrations: %w", err)
	}
	return ms, nil
}

// Up brings the schema up to date: Kith's tables, then the job queue's,
// and returns how many of Kith's migrations it applied. Several processes
// may start at once: each takes the migration lock first
// (storage.LockMigrations), so one migrates and the others wait for it and
// then find nothing to do; a lock left by a process that died goes with
// that process. Inside the lock a bun lock row left by a dead process is
// cleared, then bun's own lock is taken, so an older Kith binary started
// meanwhile refuses instead of migrating too.
func Up(ctx context.Context, db *bun.DB, log *slog.Logger) (int, error) {
	ms, err := load()
	if err != nil {
		return 0, err
	}
	release, err := storage.LockMigrations(ctx, db, log)
	if err != nil {
		return 0, err
	}
	defer release()
	m := migrate.NewMigrator(db, ms, migrate.WithMarkAppliedOnSuccess(true))
	if err := m.Init(ctx); err != nil {
		return 0, fmt.Errorf("prepare migration tables: %w", err)
	}
	if n, err := storage.ClearBunLock(ctx, db); err != nil {
		return 0, err
	} else if n > 0 {
		log.Warn("removed a migration lock left by a process that stopped while migrating", "table", storage.BunLocksTable)
	}
	if err := m.Lock(ctx); err != nil {
		return 0, fmt.Errorf("take migration lock: %w", err)
	}
	defer m.Unlock(ctx) //nolint:errcheck // a row left behind is cleared by the next Up, under the migration lock
	group, err := m.Migrate(ctx)
	if err != nil {
		return 0, fmt.Errorf("apply migrations: %w", err)
	}
	if !group.IsZero() {
		log.Info("database migrated", "group", group.ID, "migrations", group.Migrations.String())
	}
	if err := upQueue(ctx, db, log); err != nil {
		return 0, err
	}
	return len(group.Migrations), nil
}

// Unlock removes bun's migration lock rows when no live process holds the
// migration lock (`kith migrate --unlock`), and says how many it removed.
// While a process migrates it refuses with storage.ErrMigrationLocked.
func Unlock(ctx context.Context, db *bun.DB) (int64, error) {
	release, err := storage.TryLockMigrations(ctx, db)
	if err != nil {
		return 0, err
	}
	defer release()
	return storage.ClearBunLock(ctx, db)
}

// upQueue applies River's own migrations with the driver for the dialect.
func upQueue(ctx context.Context, db *bun.DB, log *slog.Logger) error {
	var (
		res *rivermigrate.MigrateResult
		err error
	)
	opts := &rivermigrate.MigrateOpts{}
	switch db.Dialect().Name() {
	case dialect.PG:
		mig, merr := rivermigrate.New(riverdatabasesql.New(db.DB), &rivermigrate.Config{Logger: quiet(log)})
		if merr != nil {
			return fmt.Errorf("prepare job queue migrations: %w", merr)
		}
		res, err = mig.Migrate(ctx, rivermigrate.DirectionUp, opts)
	default:
		mig, merr := rivermigrate.New(riversqlite.New(db.DB), &rivermigrate.Config{Logger: quiet(log)})
		if merr != nil {
			return fmt.Errorf("prepare job queue migrations: %w", merr)
		}
		res, err = mig.Migrate(ctx, rivermigrate.DirectionUp, opts)
	}
	if err != nil {
		return fmt.Errorf("apply job queue migrations: %w", err)
	}
	if len(res.Versions) > 0 {
		log.Info("job queue migrated", "versions", len(res.Versions))
	}
	return nil
}

// quiet drops River's per-run "no migrations to apply" chatter below Warn.
func quiet(log *slog.Logger) *slog.Logger {
	return slog.New(minLevel{log.Handler(), slog.LevelWarn})
}

type minLevel struct {
	slog.Handler
	min slog.Level
}

func (h minLevel) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.Handler.Enabled(ctx, l)
}

// Package migrations holds Kith's database schema changes, embedded in the
// binary, and runs them together with the job queue's own migrations.
//
// Files are timestamp-named bun migrations in portable SQL (the same file
// runs on SQLite and PostgreSQL); they are forward-only in production.
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
	return ms, nil
}

// Up brings the schema up to date: Kith's tables, then the job queue's.
// It holds bun's migration lock, so several processes starting at once on
// one PostgreSQL database migrate once.
func Up(ctx context.Context, db *bun.DB, log *slog.Logger) error {
	ms, err := load()
	if err != nil {
		return err
	}
	m := migrate.NewMigrator(db, ms, migrate.WithMarkAppliedOnSuccess(true))
	if err := m.Init(ctx); err != nil {
		return fmt.Errorf("prepare migration tables: %w", err)
	}
	if err := m.Lock(ctx); err != nil {
		return fmt.Errorf("take migration lock: %w", err)
	}
	defer m.Unlock(ctx) //nolint:errcheck // the lock row is removed best-effort; a stale one is cleared by `kith migrate`
	group, err := m.Migrate(ctx)
	if err != nil {
		return fmt.Errorf("apply migrations: %w", err)
	}
	if !group.IsZero() {
		log.Info("database migrated", "group", group.ID, "migrations", group.Migrations.String())
	}
	if err := upQueue(ctx, db, log); err != nil {
		return err
	}
	return nil
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

// Pending lists migrations not applied yet (for `kith migrate --status`).
func Pending(ctx context.Context, db *bun.DB) ([]string, error) {
	ms, err := load()
	if err != nil {
		return nil, err
	}
	m := migrate.NewMigrator(db, ms)
	if err := m.Init(ctx); err != nil {
		return nil, fmt.Errorf("prepare migration tables: %w", err)
	}
	status, err := m.MigrationsWithStatus(ctx)
	if err != nil {
		return nil, fmt.Errorf("read migration status: %w", err)
	}
	var names []string
	for _, s := range status.Unapplied() {
		names = append(names, s.Name)
	}
	return names, nil
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

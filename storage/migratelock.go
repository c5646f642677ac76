package storage

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/uptrace/bun"
)

// ErrMigrationLocked means another live process holds the migration lock
// right now (TryLockMigrations).
var ErrMigrationLocked = errors.New("another process is migrating the database now")

// BunLocksTable is the table in which bun's migrator records that it is
// migrating. A process killed while migrating leaves its row behind; before
// the migration lock below existed such a row stopped every later start.
const BunLocksTable = "bun_migration_locks"

// The migration lock lets one process at a time migrate a database, makes
// the others wait for it, and dies with its holder, so a process killed
// half-way never blocks the next start:
//
//   - PostgreSQL: a session-level advisory lock, taken on a connection kept
//     aside for the migration. The key is derived from the current schema,
//     so nodes (and tests) in different schemas of one database do not wait
//     for each other. The server drops the lock when the session ends,
//     however the process ended.
//   - SQLite: an exclusive flock(2) on the file DB-migrate.lock beside the
//     database. Not the database file itself: closing any descriptor of a
//     file drops every POSIX lock the process holds on it, SQLite's own
//     included, so Kith never opens kith.db behind SQLite's back. The kernel
//     drops the lock when the process dies.
//
// A migration lock is released by calling the function returned.

// LockMigrations takes the migration lock, waiting for a process that holds
// it (logging once that it waits) until ctx ends.
func LockMigrations(ctx context.Context, db *bun.DB, log *slog.Logger) (release func(), err error) {
	return lockMigrations(ctx, db, log, true)
}

// TryLockMigrations takes the migration lock if it is free, and returns
// ErrMigrationLocked (with who holds it, where the database tells) if not.
func TryLockMigrations(ctx context.Context, db *bun.DB) (release func(), err error) {
	return lockMigrations(ctx, db, nil, false)
}

func lockMigrations(ctx context.Context, db *bun.DB, log *slog.Logger, wait bool) (func(), error) {
	if IsPostgres(db) {
		return lockPostgres(ctx, db, log, wait)
	}
	path, err := sqliteFile(ctx, db)
	if err != nil {
		return nil, err
	}
	if path == "" { // an in-memory or temporary database: no other process can see it
		return func() {}, nil
	}
	return lockFile(ctx, path+"-migrate.lock", log, wait)
}

// sqliteFile is the path of the main database file ("" when it has none).
func sqliteFile(ctx context.Context, db *bun.DB) (string, error) {
	rows, err := db.QueryContext(ctx, "PRAGMA database_list")
	if err != nil {
		return "", fmt.Errorf("find the database file: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			seq        int
			name, file string
		)
		if err := rows.Scan(&seq, &name, &file); err != nil {
			return "", fmt.Errorf("find the database file: %w", err)
		}
		if name == "main" {
			return file, rows.Err()
		}
	}
	return "", rows.Err()
}

// pgLockKey is the advisory lock's key for the connection's schema.
const pgLockKey = "hashtextextended('kith.migrations:' || current_schema(), 0)"

func lockPostgres(ctx context.Context, db *bun.DB, log *slog.Logger, wait bool) (func(), error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("migration lock: %w", err)
	}
	var got bool
	if err := conn.QueryRowContext(ctx, "SELECT pg_try_advisory_lock("+pgLockKey+")").Scan(&got); err != nil {
		conn.Close()
		return nil, fmt.Errorf("migration lock: %w", err)
	}
	if !got && !wait {
		holder := pgLockHolder(ctx, conn)
		conn.Close()
		return nil, fmt.Errorf("%w%s", ErrMigrationLocked, holder)
	}
	if !got {
		log.Info("another process is migrating the database: waiting for it" + pgLockHolder(ctx, conn))
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock("+pgLockKey+")"); err != nil {
			conn.Close()
			return nil, fmt.Errorf("wait for the migration lock: %w", err)
		}
	}
	return func() {
		// Unlock explicitly: the connection goes back to the pool, and the
		// session (with its lock) would outlive this call.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_unlock("+pgLockKey+")"); err != nil {
			_ = conn.Raw(func(any) error { return driver.ErrBadConn }) // the pool drops the session, and the lock with it
		}
		conn.Close()
	}, nil
}

// pgLockHolder describes the session holding the migration lock, or "".
func pgLockHolder(ctx context.Context, conn interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}) string {
	var (
		pid   int
		since time.Time
		addr  sql.NullString
		app   string
	)
	err := conn.QueryRowContext(ctx, `
		SELECT a.pid, a.backend_start, host(a.client_addr), a.application_name
		FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
		WHERE l.locktype = 'advisory' AND l.granted AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
		  AND ((l.classid::bigint << 32) | l.objid::bigint) = `+pgLockKey+`
		LIMIT 1`).Scan(&pid, &since, &addr, &app)
	if err != nil {
		return ""
	}
	from := "a local socket"
	if addr.Valid {
		from = addr.String
	}
	return fmt.Sprintf(" (PostgreSQL session %d from %s, connected %s)", pid, from, since.UTC().Format(time.RFC3339))
}

func lockFile(ctx context.Context, path string, log *slog.Logger, wait bool) (func(), error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("migration lock %s: %w", path, err)
	}
	logged := false
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		ok, err := tryFlock(f)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("migration lock %s: %w", path, err)
		}
		if ok {
			return func() {
				_ = unFlock(f)
				f.Close()
			}, nil
		}
		if !wait {
			f.Close()
			return nil, fmt.Errorf("%w (it holds %s)", ErrMigrationLocked, path)
		}
		if !logged {
			log.Info("another process is migrating the database: waiting for it", "lock", path)
			logged = true
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("wait for the migration lock %s: %w", path, ctx.Err())
		case <-tick.C:
		}
	}
}

// ClearBunLock removes bun's migration lock rows (left by a process that
// died while migrating) and says how many there were. Call it only while
// holding the migration lock. A missing table means there is nothing to clear.
func ClearBunLock(ctx context.Context, db bun.IDB) (int64, error) {
	var exists bool
	var err error
	if IsPostgres(db) {
		err = db.QueryRowContext(ctx, "SELECT to_regclass(?) IS NOT NULL", BunLocksTable).Scan(&exists)
	} else {
		err = db.QueryRowContext(ctx, "SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = ?", BunLocksTable).Scan(&exists)
	}
	if err != nil {
		return 0, fmt.Errorf("look for %s: %w", BunLocksTable, err)
	}
	if !exists {
		return 0, nil
	}
	res, err := db.NewDelete().TableExpr(BunLocksTable).Where("1 = 1").Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("clear %s: %w", BunLocksTable, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("clear %s: %w", BunLocksTable, err)
	}
	return n, nil
}

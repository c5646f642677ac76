package storage

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	"modernc.org/sqlite" // the pure-Go SQLite driver

	"github.com/kith-social/kith/storage/tune"
)

// ErrNotFound is returned when a row the caller asked for does not exist.
var ErrNotFound = errors.New("not found")

// ErrConflict is returned when a unique value (a group name, a username) is taken.
var ErrConflict = errors.New("already exists")

// Open connects to the database named by dsn: empty means the SQLite file
// <dataDir>/kith.db, "postgres://" or "postgresql://" means PostgreSQL. It
// checks the connection before returning, so an unreachable database is
// reported at start-up and not at the first request.
func Open(ctx context.Context, dsn, dataDir string) (*bun.DB, error) {
	if path, ok := SQLitePath(dsn, dataDir); ok {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("create data directory %s: %w", filepath.Dir(path), err)
		}
		if err := privateSQLiteFiles(path); err != nil {
			return nil, err
		}
		db, err := openSQLite(ctx, path)
		if err != nil {
			return nil, err
		}
		// Opening in WAL mode made -wal and -shm, with the database file's mode.
		if err := privateSQLiteFiles(path); err != nil {
			db.Close()
			return nil, err
		}
		return db, nil
	}
	switch {
	case strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://"):
		return openPostgres(ctx, dsn)
	default:
		return nil, fmt.Errorf("database URL %q: want empty (SQLite in the data directory), sqlite:PATH or postgres://…", redact(dsn))
	}
}

// WAL bounds: the writer's own checkpoint threshold (about 40 MB of 4 KiB
// pages), and the size the WAL file is cut back to after a checkpoint.
const (
	walBackstopPages = 10000
	walSizeLimit     = 64 << 20
)

// Checkpoint copies what the SQLite WAL holds into the database file
// without waiting for readers or the writer (a passive checkpoint); call it
// on the read pool, periodically. On PostgreSQL it does nothing.
func Checkpoint(ctx context.Context, db *bun.DB) error {
	if IsPostgres(db) {
		return nil
	}
	var busy, frames, copied int
	if err := db.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &frames, &copied); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	return nil
}

// OpenReadPool opens, for a SQLite database, a pool of read-only
// connections beside Open's single writer: in WAL mode readers run while
// the writer writes, so reads that need no transaction (pages, lookups
// while processing the inbox) spread over the cores instead of queueing
// behind every write on the one connection. For PostgreSQL, whose pool
// already reads in parallel, it returns nil: use the database itself.
// Open must have created the database (and its WAL) first.
func OpenReadPool(ctx context.Context, dsn, dataDir string) (*bun.DB, error) {
	path, ok := SQLitePath(dsn, dataDir)
	if !ok {
		return nil, nil
	}
	q := url.Values{}
	for _, p := range []string{"busy_timeout(10000)", "query_only(1)"} {
		q.Add("_pragma", p)
	}
	q.Set("_time_format", "sqlite")
	connector, err := sqliteConnector(path, q)
	if err != nil {
		return nil, fmt.Errorf("open SQLite readers %s: %w", path, err)
	}
	sqldb := sql.OpenDB(connector)
	n := max(2, runtime.GOMAXPROCS(0))
	sqldb.SetMaxOpenConns(n)
	sqldb.SetMaxIdleConns(n)
	db := bun.NewDB(sqldb, sqlitedialect.New())
	if err := ping(ctx, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("open SQLite readers %s: %w", path, err)
	}
	return db, nil
}

// SQLitePath is the SQLite file dsn names (false: dsn is not SQLite).
func SQLitePath(dsn, dataDir string) (string, bool) {
	if dsn != "" && !strings.HasPrefix(dsn, "sqlite:") && !strings.HasPrefix(dsn, "file:") {
		return "", false
	}
	path := strings.TrimPrefix(strings.TrimPrefix(dsn, "sqlite:"), "file:")
	if path == "" {
		path = filepath.Join(dataDir, "kith.db")
	}
	return path, true
}

// privateSQLiteFiles makes the database file and its -wal and -shm
// readable by the node's user only (0600), whatever the umask: they hold
// the groups' private keys. A missing database file is created empty
// (SQLite takes an empty file for a new database) so that it never exists
// with the mode SQLite would give it, 0644 less the umask. SQLite creates
// -wal and -shm itself, with the mode of the database file (its unix VFS,
// which modernc.org/sqlite translates from C, sets it with fchmod whatever
// the umask), so they follow; existing ones, from an older version or
// another tool, are set here too.
func privateSQLiteFiles(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err == nil {
		err = f.Close()
	} else if errors.Is(err, os.ErrExist) {
		err = nil
	}
	if err != nil {
		return fmt.Errorf("create SQLite database %s: %w", path, err)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		st, err := os.Stat(p)
		if errors.Is(err, os.ErrNotExist) && p != path {
			continue
		}
		if err != nil {
			return fmt.Errorf("check permissions of %s: %w", p, err)
		}
		if st.Mode().Perm() != 0o600 {
			if err := os.Chmod(p, 0o600); err != nil {
				return fmt.Errorf("make %s readable by its owner only (chmod 600): %w", p, err)
			}
		}
	}
	return nil
}

// openSQLite opens a SQLite file in WAL mode. busy_timeout comes before
// journal_mode so that switching to WAL waits for other processes instead of
// failing; transactions start IMMEDIATE so a read that turns into a write
// never hits SQLITE_BUSY half-way through.
//
// The writer checkpoints the WAL itself only as a backstop, when it holds
// walBackstopPages: kith serve checkpoints every second from a reader
// (Checkpoint), so that copying pages into the database file and syncing
// it happen beside the writer instead of inside whichever commit crossed
// SQLite's default 1,000 pages — under an inbox burst that was every tenth
// of a second, each time holding the one connection every write waits for
// (docs/performance.md).
func openSQLite(ctx context.Context, path string) (*bun.DB, error) {
	q := url.Values{}
	// secure_delete: deleted and overwritten content is zeroed, so that
	// what "forget" erases (an anonymous post's sender) is not left in
	// free pages (storage/anonforget.go).
	for _, p := range []string{"busy_timeout(10000)", "journal_mode(WAL)", "foreign_keys(1)", "synchronous(NORMAL)", "secure_delete(1)",
		fmt.Sprintf("wal_autocheckpoint(%d)", walBackstopPages), fmt.Sprintf("journal_size_limit(%d)", walSizeLimit)} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	q.Set("_time_format", "sqlite")
	connector, err := sqliteConnector(path, q)
	if err != nil {
		return nil, fmt.Errorf("open SQLite %s: %w", path, err)
	}
	sqldb := sql.OpenDB(connector)
	// SQLite has one writer at a time. One connection serialises all work in
	// the process (the job queue's too, as River recommends) and rules out
	// SQLITE_BUSY between our own goroutines.
	sqldb.SetMaxOpenConns(1)
	sqldb.SetConnMaxLifetime(0)
	db := bun.NewDB(sqldb, sqlitedialect.New())
	if err := ping(ctx, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("open SQLite %s: %w", path, err)
	}
	return db, nil
}

// sqliteConnector is the driver's connector for the file at path with the
// query q, wrapped in the statement cache and literal binder (storage/tune)
// unless KITH_SQLITE_TUNING switches them off.
func sqliteConnector(path string, q url.Values) (driver.Connector, error) {
	o, err := tune.OptionsFromEnv()
	if err != nil {
		return nil, err
	}
	c, err := sqlite.NewConnector("file:" + path + "?" + q.Encode())
	if err != nil {
		return nil, err
	}
	return tune.SQLite(c, o), nil
}

func openPostgres(ctx context.Context, dsn string) (*bun.DB, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("open PostgreSQL %s: %w", redact(dsn), err)
	}
	sqldb := sql.OpenDB(tune.Postgres(stdlib.GetConnector(*cfg)))
	sqldb.SetMaxOpenConns(20)
	sqldb.SetMaxIdleConns(10)
	sqldb.SetConnMaxIdleTime(5 * time.Minute)
	db := bun.NewDB(sqldb, pgdialect.New())
	if err := ping(ctx, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to PostgreSQL %s: %w", redact(dsn), err)
	}
	return db, nil
}

// OpenListenPool opens, for a PostgreSQL database, the pgx pool from which
// the job queue takes one connection to LISTEN for inserted jobs
// (queue.Options.ListenPool): a job inserted in a transaction is then run
// as soon as the transaction commits, instead of at the next poll. For
// SQLite, whose queue driver is told of inserts without it, it returns nil.
// The caller closes the pool after stopping the queue.
func OpenListenPool(ctx context.Context, dsn string) (*pgxpool.Pool, error) {
	if !strings.HasPrefix(dsn, "postgres://") && !strings.HasPrefix(dsn, "postgresql://") {
		return nil, nil
	}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("open PostgreSQL listener %s: %w", redact(dsn), err)
	}
	cfg.MinConns, cfg.MaxConns = 0, 1 // River keeps the one connection it takes
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open PostgreSQL listener %s: %w", redact(dsn), err)
	}
	return pool, nil
}

func ping(ctx context.Context, db *bun.DB) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	return db.PingContext(ctx)
}

// IsPostgres tells which dialect a handle speaks.
func IsPostgres(db bun.IDB) bool { return db.Dialect().Name() == dialect.PG }

// Ping checks that the database answers (used by /healthz).
func Ping(ctx context.Context, db bun.IDB) error {
	var one int
	if err := db.NewSelect().ColumnExpr("1").Scan(ctx, &one); err != nil {
		return fmt.Errorf("database ping: %w", err)
	}
	return nil
}

// redact hides a password in a DSN before it is shown in an error.
func redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		return dsn
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// NewID returns a new time-ordered identifier (UUIDv7): rows sort by
// creation time on their primary key on both databases.
func NewID() string { return uuid.Must(uuid.NewV7()).String() }

// notFound turns sql.ErrNoRows into ErrNotFound with context.
func notFound(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%s: %w", what, ErrNotFound)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// isUniqueViolation recognises a unique-constraint failure on both databases.
func isUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	msg := err.Error()
	return strings.Contains(msg, "UNIQUE constraint failed") || // SQLite
		strings.Contains(msg, "SQLSTATE 23505") || strings.Contains(msg, "duplicate key value") // PostgreSQL
}

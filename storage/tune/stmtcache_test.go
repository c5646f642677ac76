package tune

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"modernc.org/sqlite"
)

// openSQLite opens a new SQLite file through SQLite(o) on one connection,
// as storage.Open does for the writer.
func openSQLite(t *testing.T, o Options) *sql.DB {
	t.Helper()
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	c, err := sqlite.NewConnector("file:" + filepath.Join(t.TempDir(), "tune.db") + "?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(SQLite(c, o))
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return db
}

// cacheLen reads how many compiled statements the pool's one connection keeps.
func cacheLen(t *testing.T, db *sql.DB) int {
	t.Helper()
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	n := -1
	if err := conn.Raw(func(dc any) error {
		c, ok := dc.(*stmtCacheConn)
		if !ok {
			return fmt.Errorf("connection is %T, not the caching one", dc)
		}
		n = c.lru.Len()
		if len(c.byQuery) != n {
			return fmt.Errorf("index has %d statements, list %d", len(c.byQuery), n)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestStatementCache(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openSQLite(t, Options{})
	if _, err := db.ExecContext(ctx, `CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT NOT NULL UNIQUE)`); err != nil {
		t.Fatal(err)
	}
	const insert = `INSERT INTO t (k, v) VALUES (?, ?)`
	const byKey = `SELECT v FROM t WHERE k = ?`
	value := func(k int) string {
		t.Helper()
		var v string
		if err := db.QueryRowContext(ctx, byKey, k).Scan(&v); err != nil {
			t.Fatalf("select %d: %v", k, err)
		}
		return v
	}

	tests := []struct {
		name string
		run  func(t *testing.T)
		kept int // compiled statements kept afterwards
	}{
		{"statements with arguments are reused", func(t *testing.T) {
			for k := range 20 {
				if _, err := db.ExecContext(ctx, insert, k, fmt.Sprint("v", k)); err != nil {
					t.Fatal(err)
				}
			}
			for k := range 20 {
				if got := value(k); got != fmt.Sprint("v", k) {
					t.Fatalf("row %d = %q", k, got)
				}
			}
		}, 2},
		{"a SELECT that cannot be bound is kept from its second run and sees new rows; a statement with literals is bound", func(t *testing.T) {
			count := func() int {
				t.Helper()
				var n int
				if err := db.QueryRowContext(ctx, `SELECT count(*) FROM t`).Scan(&n); err != nil {
					t.Fatal(err)
				}
				return n
			}
			if n := count(); n != 20 {
				t.Fatalf("count = %d", n)
			}
			if got := cacheLen(t, db); got != 2 {
				t.Fatalf("after the first run: %d statements kept, want 2", got)
			}
			for range 2 {
				if _, err := db.ExecContext(ctx, `DELETE FROM t WHERE k = 50`); err != nil {
					t.Fatal(err)
				}
			}
			if n := count(); n != 20 {
				t.Fatalf("count = %d", n)
			}
			if _, err := db.ExecContext(ctx, insert, 50, "v50"); err != nil {
				t.Fatal(err)
			}
			if n := count(); n != 21 {
				t.Fatalf("count after an insert = %d, want 21", n)
			}
			if _, err := db.ExecContext(ctx, `DELETE FROM t WHERE k = 50`); err != nil {
				t.Fatal(err)
			}
		}, 4}, // the count, and DELETE FROM t WHERE k = ?
		{"statements differing only in their literals share one compiled statement", func(t *testing.T) {
			for k := 300; k < 310; k++ {
				if _, err := db.ExecContext(ctx, insert, k, "new"); err != nil {
					t.Fatal(err)
				}
				if _, err := db.ExecContext(ctx, fmt.Sprintf(`UPDATE t SET v = 'it''s %d' WHERE k = %d`, k, k)); err != nil {
					t.Fatal(err)
				}
				var v string
				if err := db.QueryRowContext(ctx, fmt.Sprintf(`SELECT v FROM t WHERE k = %d`, k)).Scan(&v); err != nil || v != fmt.Sprintf("it's %d", k) {
					t.Fatalf("row %d = %q, %v", k, v, err)
				}
			}
			if _, err := db.ExecContext(ctx, `DELETE FROM t WHERE k >= 300`); err != nil {
				t.Fatal(err)
			}
		}, 6}, // the UPDATE and the DELETE; the SELECT is byKey's own text
		{"a literal SQLite needs as it is falls back to the text as it came", func(t *testing.T) {
			// An upsert's conflict target matches a partial index only
			// with the index's literal, not with a parameter.
			for _, q := range []string{
				`CREATE TABLE u (a TEXT NOT NULL, b TEXT NOT NULL)`,
				`CREATE UNIQUE INDEX u_a ON u (a) WHERE b = 'yes'`,
			} {
				if _, err := db.ExecContext(ctx, q); err != nil {
					t.Fatal(err)
				}
			}
			for range 2 {
				if _, err := db.ExecContext(ctx, `INSERT INTO u (a, b) VALUES ('1', 'yes') ON CONFLICT (a) WHERE b = 'yes' DO NOTHING`); err != nil {
					t.Fatal(err)
				}
			}
			var n int
			if err := db.QueryRowContext(ctx, `SELECT count(*) FROM u`).Scan(&n); err != nil || n != 1 {
				t.Fatalf("rows = %d, %v; want 1", n, err)
			}
		}, 6},
		{"a failed statement leaves the cached one usable", func(t *testing.T) {
			if _, err := db.ExecContext(ctx, insert, 100, "v1"); err == nil || !strings.Contains(err.Error(), "UNIQUE constraint failed") {
				t.Fatalf("duplicate insert: %v, want a unique violation", err)
			}
			if _, err := db.ExecContext(ctx, insert, 100, "v100"); err != nil {
				t.Fatal(err)
			}
			if got := value(100); got != "v100" {
				t.Fatalf("row 100 = %q", got)
			}
		}, 6},
		{"the same query twice with rows open", func(t *testing.T) {
			tx, err := db.BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback()
			const from = `SELECT k FROM t WHERE k >= ? ORDER BY k`
			outer, err := tx.QueryContext(ctx, from, 0)
			if err != nil {
				t.Fatal(err)
			}
			seen := 0
			for outer.Next() {
				var k int
				if err := outer.Scan(&k); err != nil {
					t.Fatal(err)
				}
				// The cached statement is busy with outer: this one
				// compiles its own and must not disturb outer's cursor.
				var inner int
				if err := tx.QueryRowContext(ctx, from, k).Scan(&inner); err != nil || inner != k {
					t.Fatalf("inner query from %d = %d, %v", k, inner, err)
				}
				seen++
			}
			if err := outer.Close(); err != nil || seen != 21 {
				t.Fatalf("outer saw %d rows (want 21), close: %v", seen, err)
			}
		}, 7},
		{"a cancelled query leaves the statement usable", func(t *testing.T) {
			cctx, cancel := context.WithCancel(ctx)
			cancel()
			var v string
			if err := db.QueryRowContext(cctx, byKey, 1).Scan(&v); !errors.Is(err, context.Canceled) {
				t.Fatalf("cancelled query: %v", err)
			}
			if got := value(1); got != "v1" {
				t.Fatalf("row 1 = %q", got)
			}
		}, 7},
		{"a rolled-back transaction undoes a cached insert", func(t *testing.T) {
			tx, err := db.BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := tx.ExecContext(ctx, insert, 200, "v200"); err != nil {
				t.Fatal(err)
			}
			if err := tx.Rollback(); err != nil {
				t.Fatal(err)
			}
			var v string
			if err := db.QueryRowContext(ctx, byKey, 200).Scan(&v); !errors.Is(err, sql.ErrNoRows) {
				t.Fatalf("rolled-back row: %q, %v", v, err)
			}
		}, 7},
		{"the cache is bounded", func(t *testing.T) {
			for i := range stmtCacheSize + 10 {
				var k int
				q := fmt.Sprintf(`SELECT k + %d FROM t WHERE k = ?`, i)
				if err := db.QueryRowContext(ctx, q, 1).Scan(&k); err != nil || k != 1+i {
					t.Fatalf("query %d = %d, %v", i, k, err)
				}
			}
			if got := value(2); got != "v2" {
				t.Fatalf("row 2 = %q", got)
			}
		}, stmtCacheSize},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.run(t)
			if got := cacheLen(t, db); got != tt.kept {
				t.Errorf("statements kept = %d, want %d", got, tt.kept)
			}
		})
	}
}

// On PostgreSQL a query without arguments (bun's) is prepared only when
// its text comes a second time on the connection (a page's queries
// repeat; an inbox's, with values in them, do not); a query with
// arguments (the job queue's) is prepared once and reused.
func TestPostgresSimpleProtocol(t *testing.T) {
	t.Parallel()
	dsn := os.Getenv("KITH_TEST_POSTGRES")
	if dsn == "" {
		t.Skip("KITH_TEST_POSTGRES not set")
	}
	ctx := context.Background()
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(Postgres(stdlib.GetConnector(*cfg)))
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	prepared := func() []string {
		t.Helper()
		rows, err := conn.QueryContext(ctx, `SELECT statement FROM pg_prepared_statements`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			out = append(out, s)
		}
		return out
	}
	for i := range 3 {
		var n int
		if err := conn.QueryRowContext(ctx, fmt.Sprintf(`SELECT %d + 1000`, i)).Scan(&n); err != nil || n != i+1000 {
			t.Fatalf("inline query: %d, %v", n, err)
		}
		if err := conn.QueryRowContext(ctx, `SELECT $1::int + 2000`, i).Scan(&n); err != nil || n != i+2000 {
			t.Fatalf("query with an argument: %d, %v", n, err)
		}
		if err := conn.QueryRowContext(ctx, `SELECT 3000`).Scan(&n); err != nil || n != 3000 {
			t.Fatalf("repeated query: %d, %v", n, err)
		}
	}
	stmts := prepared()
	var withArg, repeated int
	for _, s := range stmts {
		if strings.Contains(s, "+ 1000") {
			t.Errorf("a query without arguments, run once, was prepared: %q", s)
		}
		if strings.Contains(s, "+ 2000") {
			withArg++
		}
		if strings.Contains(s, "3000") {
			repeated++
		}
	}
	if withArg != 1 || repeated != 1 {
		t.Errorf("the query with an argument was prepared %d times, the repeated one %d; want once each (statements: %q)", withArg, repeated, stmts)
	}
}

// KITH_SQLITE_TUNING switches the binder or the whole cache off, and
// nothing else: the queries still answer the same.
func TestTuningOff(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tests := []struct {
		env       string
		wrapped   bool
		keptAfter int // compiled statements kept after the writes and reads below
	}{
		{env: "", wrapped: true, keptAfter: 3},         // the bound INSERT, the bound SELECT, the SELECT with an argument
		{env: "nobinder", wrapped: true, keptAfter: 2}, // the repeated literal SELECT, the SELECT with an argument
		{env: "nocache", wrapped: false},
		{env: "nobinder,nocache", wrapped: false},
	}
	for _, tt := range tests {
		t.Run("KITH_SQLITE_TUNING="+tt.env, func(t *testing.T) {
			o, err := ParseOptions(tt.env)
			if err != nil {
				t.Fatal(err)
			}
			db := openSQLite(t, o)
			if _, err := db.ExecContext(ctx, `CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT NOT NULL)`); err != nil {
				t.Fatal(err)
			}
			for k := range 3 {
				if _, err := db.ExecContext(ctx, fmt.Sprintf(`INSERT INTO t (v) VALUES ('v%d')`, k)); err != nil {
					t.Fatal(err)
				}
				var n int
				if err := db.QueryRowContext(ctx, `SELECT count(*) FROM t WHERE v <> 'none'`).Scan(&n); err != nil || n != k+1 {
					t.Fatalf("count = %d, %v; want %d", n, err, k+1)
				}
				var v string
				if err := db.QueryRowContext(ctx, `SELECT v FROM t WHERE k = ?`, k+1).Scan(&v); err != nil || v != fmt.Sprint("v", k) {
					t.Fatalf("row %d = %q, %v", k, v, err)
				}
			}
			conn, err := db.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			err = conn.Raw(func(dc any) error {
				c, ok := dc.(*stmtCacheConn)
				if ok != tt.wrapped {
					return fmt.Errorf("connection %T: wrapped %v, want %v", dc, ok, tt.wrapped)
				}
				if ok && c.lru.Len() != tt.keptAfter {
					return fmt.Errorf("%d statements kept, want %d", c.lru.Len(), tt.keptAfter)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
	if _, err := ParseOptions("nobinder,fast"); err == nil || !strings.Contains(err.Error(), `"fast"`) {
		t.Errorf("an unknown word: %v, want an error naming it", err)
	}
}

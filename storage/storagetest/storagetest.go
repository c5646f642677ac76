// Package storagetest opens migrated databases for tests: always a fresh
// SQLite file, and a fresh PostgreSQL schema when KITH_TEST_POSTGRES holds a
// DSN (CI sets it). Tests run the same code on each.
package storagetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/kith-social/kith/migrations"
	"github.com/kith-social/kith/storage"
)

// EnvPostgres names the variable holding the PostgreSQL DSN for tests.
const EnvPostgres = "KITH_TEST_POSTGRES"

// Backend is one database to run a test against.
type Backend struct {
	Name string // "sqlite" or "postgres"
	// Open returns a new, empty, migrated database and the DSN that reaches
	// it again (for tests that restart a node on the same database).
	Open func(t testing.TB) (*bun.DB, string)
	// Empty returns the DSN of a new database not migrated yet.
	Empty func(t testing.TB) string
}

// Backends lists SQLite and, when configured, PostgreSQL.
func Backends() []Backend {
	bs := []Backend{{Name: "sqlite", Open: OpenSQLite, Empty: EmptySQLite}}
	if os.Getenv(EnvPostgres) != "" {
		bs = append(bs, Backend{Name: "postgres", Open: OpenPostgres, Empty: EmptyPostgres})
	}
	return bs
}

// Each runs fn as a parallel subtest on every backend, each on its own
// new database (SQLite file or PostgreSQL schema). The subtests start once
// the calling test function has returned, so nothing after Each may depend
// on them, and fn must not share state between backends.
func Each(t *testing.T, fn func(t *testing.T, db *bun.DB)) {
	t.Helper()
	for _, b := range Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			db, _ := b.Open(t)
			fn(t, db)
		})
	}
}

// OpenSQLite creates a migrated SQLite database in a temporary directory.
func OpenSQLite(t testing.TB) (*bun.DB, string) {
	t.Helper()
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "kith.db")
	return open(t, dsn), dsn
}

// OpenPostgres creates a fresh schema in the test PostgreSQL database and
// returns a handle whose connections use it; the schema is dropped at the
// end. Schemas keep parallel test packages apart at little cost.
func OpenPostgres(t testing.TB) (*bun.DB, string) {
	t.Helper()
	dsn := EmptyPostgres(t)
	return open(t, dsn), dsn
}

// EmptySQLite returns the DSN of a SQLite file not created yet, for tests
// of what happens before and during migrations.
func EmptySQLite(t testing.TB) string {
	return "sqlite:" + filepath.Join(t.TempDir(), "kith.db")
}

// EmptyPostgres creates a fresh, empty schema in the test PostgreSQL
// database (dropped at the end) and returns a DSN whose connections use it.
func EmptyPostgres(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvPostgres)
	if base == "" {
		t.Skip(EnvPostgres + " not set")
	}
	schema := "kith_test_" + randomHex(6)
	// The administrative connection is held only while the schema is made
	// and dropped: parallel tests share one PostgreSQL (100 connections by
	// default), and an idle pool per test would hold one for nothing.
	exec := func(stmt string) error {
		admin, err := storage.Open(context.Background(), base, "")
		if err != nil {
			return fmt.Errorf("connect to test PostgreSQL: %w", err)
		}
		defer admin.Close()
		_, err = admin.ExecContext(context.Background(), stmt)
		return err
	}
	if err := exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() { _ = exec("DROP SCHEMA " + schema + " CASCADE") })
	dsn, err := withSearchPath(base, schema)
	if err != nil {
		t.Fatal(err)
	}
	return dsn
}

func open(t testing.TB, dsn string) *bun.DB {
	t.Helper()
	ctx := context.Background()
	db, err := storage.Open(ctx, dsn, t.TempDir())
	if err != nil {
		t.Fatalf("open %s: %v", dsn, err)
	}
	t.Cleanup(func() { db.Close() })
	if storage.IsPostgres(db) {
		db.SetMaxIdleConns(2) // see EmptyPostgres: connections are shared
	}
	if _, err := migrations.Up(ctx, db, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return db
}

// withSearchPath adds search_path to a postgres:// DSN; pgx passes unknown
// parameters to the server as run-time settings.
func withSearchPath(dsn, schema string) (string, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return "", fmt.Errorf("parse %s: %w", EnvPostgres, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Eventually polls cond until it holds, failing the test after a minute (an
// outer limit for a broken test, not a budget a passing one spends): tests
// wait for asynchronous work this way, never by sleeping a fixed time.
func Eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

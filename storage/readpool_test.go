package storage_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/kith-social/kith/storage"
)

// The SQLite read pool sees what the writer committed, and only that,
// reads while the writer holds a transaction open, and refuses to write.
// PostgreSQL needs none.
func TestOpenReadPool(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	if rp, err := storage.OpenReadPool(ctx, "postgres://nobody@127.0.0.1:1/none", ""); rp != nil || err != nil {
		t.Fatalf("PostgreSQL read pool = %v, %v; want none", rp, err)
	}
	dir := t.TempDir()
	db, err := storage.Open(ctx, "", dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `CREATE TABLE t (v TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO t (v) VALUES ('committed')`); err != nil {
		t.Fatal(err)
	}
	rp, err := storage.OpenReadPool(ctx, "", dir)
	if err != nil || rp == nil {
		t.Fatalf("read pool: %v, %v", rp, err)
	}
	defer rp.Close()

	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `INSERT INTO t (v) VALUES ('uncommitted')`); err != nil {
		t.Fatal(err)
	}
	var vs []string
	if err := rp.NewSelect().Table("t").Column("v").Scan(ctx, &vs); err != nil {
		t.Fatalf("read while the writer holds a transaction: %v", err)
	}
	if len(vs) != 1 || vs[0] != "committed" {
		t.Fatalf("read %q, want only the committed row", vs)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := rp.QueryRowContext(ctx, `SELECT count(*) FROM t WHERE v <> ?`, "x").Scan(&n); err != nil || n != 2 {
		t.Fatalf("after commit: %d rows, %v; want 2", n, err)
	}
	if _, err := rp.ExecContext(ctx, `INSERT INTO t (v) VALUES ('nope')`); err == nil {
		t.Fatal("the read pool wrote")
	}
}

// A passive checkpoint from the read pool moves the WAL's pages into the
// database file, and the writer only checkpoints by itself as a backstop.
func TestCheckpoint(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	db, err := storage.Open(ctx, "", dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var backstop int
	if err := db.QueryRowContext(ctx, "PRAGMA wal_autocheckpoint").Scan(&backstop); err != nil || backstop < 5000 {
		t.Fatalf("writer's wal_autocheckpoint = %d, %v; want a backstop of thousands of pages", backstop, err)
	}
	if _, err := db.ExecContext(ctx, `CREATE TABLE t (v BLOB)`); err != nil {
		t.Fatal(err)
	}
	for range 50 {
		if _, err := db.ExecContext(ctx, `INSERT INTO t (v) VALUES (randomblob(3000))`); err != nil {
			t.Fatal(err)
		}
	}
	rp, err := storage.OpenReadPool(ctx, "", dir)
	if err != nil {
		t.Fatal(err)
	}
	defer rp.Close()
	size := func() int64 {
		fi, err := os.Stat(filepath.Join(dir, "kith.db"))
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	if before := size(); before > 100_000 {
		t.Fatalf("database file is %d bytes before the checkpoint: the writer checkpointed by itself", before)
	}
	if err := storage.Checkpoint(ctx, rp); err != nil {
		t.Fatal(err)
	}
	if after := size(); after < 150_000 {
		t.Fatalf("database file is %d bytes after the checkpoint, want the 150 kB written to the WAL", after)
	}
}

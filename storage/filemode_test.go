//go:build unix

package storage_test

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/kith-social/kith/storage"
)

// The SQLite database and its -wal and -shm hold the groups' private keys:
// they are 0600 and a data directory Kith creates is 0700, whatever the
// umask, after writes, reads from the read pool, a checkpoint and a
// reopen. Not parallel: the umask is the process's.
func TestSQLiteFilesArePrivate(t *testing.T) {
	ctx := context.Background()
	for _, umask := range []int{0o022, 0o002, 0} {
		old := syscall.Umask(umask)
		dir := filepath.Join(t.TempDir(), "data")
		wantModes := func(when string) {
			t.Helper()
			for name, want := range map[string]os.FileMode{"": 0o700, "kith.db": 0o600, "kith.db-wal": 0o600, "kith.db-shm": 0o600} {
				st, err := os.Stat(filepath.Join(dir, name))
				if err != nil {
					t.Fatalf("umask %03o, %s: %v", umask, when, err)
				}
				if got := st.Mode().Perm(); got != want {
					t.Errorf("umask %03o, %s: %s has mode %04o, want %04o", umask, when, filepath.Join("data", name), got, want)
				}
			}
		}
		for round, when := range []string{"new database", "reopened"} {
			db, err := storage.Open(ctx, "", dir)
			if err != nil {
				t.Fatal(err)
			}
			if round == 0 {
				if _, err := db.ExecContext(ctx, "CREATE TABLE secrets (k TEXT)"); err != nil {
					t.Fatal(err)
				}
			}
			for range 50 {
				if _, err := db.ExecContext(ctx, "INSERT INTO secrets VALUES ('-----BEGIN PRIVATE KEY-----')"); err != nil {
					t.Fatal(err)
				}
			}
			reads, err := storage.OpenReadPool(ctx, "", dir)
			if err != nil {
				t.Fatal(err)
			}
			var n int
			if err := reads.QueryRowContext(ctx, "SELECT count(*) FROM secrets").Scan(&n); err != nil || n == 0 {
				t.Fatalf("read: %d rows, %v", n, err)
			}
			if err := storage.Checkpoint(ctx, reads); err != nil {
				t.Fatal(err)
			}
			wantModes(when)
			reads.Close()
			db.Close()
		}
		syscall.Umask(old)
	}
}

// A database left world-readable by an older version (or copied in with
// cp) is made private when Kith opens it. The directory is the operator's:
// kith serve warns about it (cmd/kith) but does not change it.
func TestSQLiteFilesMadePrivateOnOpen(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := storage.Open(ctx, "", dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, "CREATE TABLE t (x INTEGER)"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"kith.db", "kith.db-wal", "kith.db-shm"} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, nil, 0o644); err != nil && name != "kith.db" {
			t.Fatal(err)
		}
		if err := os.Chmod(p, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	db, err = storage.Open(ctx, "", dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, name := range []string{"kith.db", "kith.db-wal", "kith.db-shm"} {
		st, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %04o after open, want 0600", name, st.Mode().Perm())
		}
	}
	if st, _ := os.Stat(dir); st.Mode().Perm() != 0o755 {
		t.Errorf("existing directory's mode changed to %04o", st.Mode().Perm())
	}
}

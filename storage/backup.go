package storage

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/uptrace/bun"
)

// ErrBackupPostgres means a backup was asked of a PostgreSQL database,
// which pg_dump backs up (kith backup says how).
var ErrBackupPostgres = errors.New("kith backup copies SQLite databases; back up PostgreSQL with pg_dump")

// Backup writes a consistent copy of the SQLite database to path with
// VACUUM INTO: one read transaction, so the copy is the database as of one
// moment even while the node writes (WAL mode lets the writer go on), and
// it comes out compacted, WAL folded in, ready to be used as kith.db. The
// file is created here, 0600 whatever the umask (the database holds the
// groups' private keys), and never overwritten: an existing path is
// ErrConflict. A failed backup leaves no file behind.
func Backup(ctx context.Context, db *bun.DB, path string) error {
	if IsPostgres(db) {
		return ErrBackupPostgres
	}
	path, err := filepath.Abs(path)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return fmt.Errorf("backup: %s exists; choose a new file name: %w", path, ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	ok := false
	defer func() {
		if !ok {
			os.Remove(path)
		}
	}()
	if err := f.Chmod(0o600); err != nil { // umask-independent
		f.Close()
		return fmt.Errorf("backup: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	// VACUUM INTO writes into an empty existing file, keeping its mode.
	if _, err := db.ExecContext(ctx, "VACUUM INTO ?", path); err != nil {
		return fmt.Errorf("backup to %s: %w", path, err)
	}
	// SQLite does not sync what VACUUM INTO wrote: a backup must survive
	// a power cut right after the command says it is done.
	if err := syncFile(path); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := syncFile(filepath.Dir(path)); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	ok = true
	return nil
}

func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/kith-social/kith/storage"
)

// cmdBackup writes a consistent copy of the SQLite database to FILE while
// the node may be serving (storage.Backup). Uploaded media are files in
// DATA/media, written once and never changed, so a plain copy of that
// directory is consistent: the command says what to copy rather than
// packing gigabytes of images into the database's backup.
func cmdBackup(ctx context.Context, args []string, e env) error {
	fs, cf := newFlagSet("backup", e)
	cfg, pos, err := parseInterleaved(fs, cf, args, e)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("backup: want the FILE to write the copy to (kith backup FILE)")
	}
	file := pos[0]
	path, ok := storage.SQLitePath(cfg.DatabaseURL, cfg.Data)
	if !ok {
		return usagef("backup: this node's database is PostgreSQL, which kith backup does not copy: use pg_dump, for example\n"+
			"  pg_dump --format=custom --file=%s \"$KITH_DATABASE_URL\"\n"+
			"and restore into an empty database with\n"+
			"  pg_restore --no-owner --dbname=\"$KITH_DATABASE_URL\" %s\n"+
			"(docs/operations.md, \"Backup and restore\")", file, file)
	}
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("backup: no database at %s (check --data or --database): %w", path, err)
	}
	db, err := storage.Open(ctx, cfg.DatabaseURL, cfg.Data)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := storage.Backup(ctx, db, file); err != nil {
		if errors.Is(err, storage.ErrConflict) {
			return fmt.Errorf("%w (kith backup never overwrites a file)", err)
		}
		return err
	}
	abs, _ := filepath.Abs(file)
	fmt.Fprintf(e.stdout, "backed up %s to %s\n", path, abs)
	media := filepath.Join(cfg.Data, "media")
	if st, err := os.Stat(media); err == nil && st.IsDir() {
		fmt.Fprintf(e.stdout, "uploaded media are not in it: copy %s too, for example\n  rsync -a %s/ %s-media/\n", media, media, abs)
	}
	return nil
}

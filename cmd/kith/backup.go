package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/kith-social/kith/federation/mediastore"
	"github.com/kith-social/kith/storage"
)

// cmdBackup writes a consistent copy of the SQLite database to FILE while
// the node may be serving (storage.Backup). Uploaded media are files in
// DATA/media, written once and never changed, so a plain copy of that
// directory is consistent: the command says what to copy rather than
// packing gigabytes of images into the database's backup. With an S3
// --media-store the media are in the bucket, which it does not copy
// either: it says so, every time, so that no one takes the database's
// copy for the whole node.
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
			"(docs/operations.md, \"Backup and restore\")%s", file, file, bucketNote(cfg))
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
	if cfg.MediaStore != "" {
		fmt.Fprint(e.stdout, strings.TrimPrefix(bucketNote(cfg), "\n"))
		return nil
	}
	media := filepath.Join(cfg.Data, "media")
	if st, err := os.Stat(media); err == nil && st.IsDir() {
		fmt.Fprintf(e.stdout, "uploaded media are not in it: copy %s too, for example\n  rsync -a %s/ %s-media/\n", media, media, abs)
	}
	return nil
}

// bucketNote says that the media bucket is not in the backup, when the
// node keeps its media in one ("" otherwise).
func bucketNote(cfg *Config) string {
	if cfg.MediaStore == "" {
		return ""
	}
	where := cfg.MediaStore
	if sc, err := mediastore.ParseS3URL(cfg.MediaStore); err == nil {
		where = "s3://" + sc.Bucket + "/" + sc.Prefix
	}
	return "\nNOT INCLUDED: uploaded media and cached images are in the bucket " + where + " (--media-store), which kith backup\n" +
		"does not copy. Back the bucket up separately: turn on its versioning or replication, or copy it with\n" +
		"an S3 tool (rclone sync, aws s3 sync) (docs/operations.md, \"Backup and restore\").\n"
}

package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/uptrace/bun"

	"github.com/kith-social/kith/federation/grouparchive"
	"github.com/kith-social/kith/federation/iri"
)

// archiveConfig is what export and import need: the database, the node's
// addresses and its media store (the data directory or --media-store).
func archiveConfig(ctx context.Context, cfg *Config, e env, db *bun.DB) (grouparchive.Config, error) {
	store, err := openMediaStore(ctx, cfg, e.getenv)
	if err != nil {
		return grouparchive.Config{}, err
	}
	return grouparchive.Config{
		DB: db, IRI: iri.New(cfg.Scheme(), cfg.Domain), Scheme: cfg.Scheme(),
		Media: store, Now: time.Now,
	}, nil
}

// cmdGroupExport writes a group to a file (docs/operations.md, "Moving a
// group to another server").
func cmdGroupExport(ctx context.Context, args []string, e env) error {
	fs, cf := newFlagSet("group export", e)
	cfg, pos, err := parseInterleaved(fs, cf, args, e)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return usagef("group export: want a group NAME and a FILE to write")
	}
	db, err := openNodeDB(ctx, cfg, newLogger(cfg, e.stderr))
	if err != nil {
		return err
	}
	defer db.Close()
	ac, err := archiveConfig(ctx, cfg, e, db)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(pos[1]), ".kith-export-*")
	if err != nil {
		return fmt.Errorf("group export: %w", err)
	}
	defer os.Remove(tmp.Name()) // after the rename, a no-op
	n, err := grouparchive.Export(ctx, ac, pos[0], tmp)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), pos[1])
	}
	if err != nil {
		return fmt.Errorf("group export: %w", err)
	}
	fmt.Fprintf(e.stdout, "exported @%s@%s to %s: %d members, %d posts, %d roles, %d badges, %d events, %d polls, %d modmail conversations, %d media files\n",
		pos[0], cfg.Domain, pos[1], n.Members, n.Posts, n.Roles, n.Badges, n.Events, n.Polls, n.Modmail, n.Media)
	return nil
}

// cmdGroupImport recreates an exported group on this node.
func cmdGroupImport(ctx context.Context, args []string, e env) error {
	fs, cf := newFlagSet("group import", e)
	as := fs.String("as", "", "import under this name (default: the exported group's name)")
	cfg, pos, err := parseInterleaved(fs, cf, args, e)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("group import: want the FILE written by kith group export")
	}
	f, err := os.Open(pos[0])
	if err != nil {
		return fmt.Errorf("group import: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("group import: %w", err)
	}
	db, err := openNodeDB(ctx, cfg, newLogger(cfg, e.stderr))
	if err != nil {
		return err
	}
	defer db.Close()
	ac, err := archiveConfig(ctx, cfg, e, db)
	if err != nil {
		return err
	}
	res, err := grouparchive.Import(ctx, ac, f, st.Size(), *as)
	if err != nil {
		return err
	}
	verb := "created"
	if !res.Created {
		verb = "merged into"
	}
	n := res.Counts
	fmt.Fprintf(e.stdout, "%s @%s@%s: %d members waiting to follow, %d posts, %d roles, %d badges, %d events, %d polls, %d modmail conversations, %d media files\n",
		verb, res.Group.Name, cfg.Domain, n.Members, n.Posts, n.Roles, n.Badges, n.Events, n.Polls, n.Modmail, n.Media)
	if res.Alias != "" {
		fmt.Fprintf(e.stdout, "it lists %s as the address it moves from: on the old node, move the group to @%s@%s (admin › the group › Move)\n",
			res.Alias, res.Group.Name, cfg.Domain)
	}
	return nil
}

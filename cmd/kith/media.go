package main

import (
	"context"
	"fmt"

	"github.com/kith-social/kith/federation/mediastore"
)

// cmdMedia runs the media subcommands.
func cmdMedia(ctx context.Context, args []string, e env) error {
	if len(args) == 0 {
		return usagef("media: want a subcommand: migrate")
	}
	switch args[0] {
	case "migrate":
		return cmdMediaMigrate(ctx, args[1:], e)
	default:
		return usagef("media: unknown subcommand %q: want migrate", args[0])
	}
}

// cmdMediaMigrate copies the data directory's media (uploads in
// DATA/media, cached images in DATA/media-cache) into the --media-store
// bucket: resumable (an object already there with the same size and
// SHA-256 is skipped) and verified (each object is read back and compared).
// The node may keep serving meanwhile; uploads made after the copy started
// are copied by the next run, so run it again right after restarting the
// node with --media-store. Nothing is deleted from the data directory.
func cmdMediaMigrate(ctx context.Context, args []string, e env) error {
	fs, cf := newFlagSet("media migrate", e)
	verbose := fs.Bool("v", false, "print every object copied or skipped")
	cfg, pos, err := parseInterleaved(fs, cf, args, e)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usagef("media migrate: takes no arguments (the bucket is --media-store, the files are in --data)")
	}
	if cfg.MediaStore == "" {
		return usagef("media migrate: name the bucket to copy into with --media-store s3://BUCKET?endpoint=… (or KITH_MEDIA_STORE)")
	}
	dst, err := openMediaStore(ctx, cfg, e.getenv)
	if err != nil {
		return err
	}
	src := mediastore.NewDir(cfg.Data)
	fmt.Fprintf(e.stdout, "copying the media of %s into %s\n", cfg.Data, dst)
	res, err := mediastore.Copy(ctx, src, dst, []string{mediastore.UploadsPrefix, mediastore.CachePrefix}, func(ev mediastore.CopyEvent) {
		switch {
		case ev.Err != nil:
			fmt.Fprintf(e.stderr, "failed  %s: %v\n", ev.Key, ev.Err)
		case *verbose:
			fmt.Fprintf(e.stdout, "%-7s %s\n", ev.Action, ev.Key)
		}
	})
	fmt.Fprintf(e.stdout, "%d copied (%d bytes, each read back and checked), %d already there, %d failed\n",
		res.Copied, res.Bytes, res.Skipped, res.Failed)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, "done: start the node with the same --media-store, then run this again to copy what was uploaded meanwhile; DATA/media and DATA/media-cache can then be removed")
	return nil
}

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/uptrace/bun"

	"github.com/kith-social/kith/federation"
	"github.com/kith-social/kith/federation/community"
	"github.com/kith-social/kith/federation/mailer"
	"github.com/kith-social/kith/federation/media"
	"github.com/kith-social/kith/federation/mediastore"
	"github.com/kith-social/kith/federation/metrics"
	"github.com/kith-social/kith/federation/transport"
	"github.com/kith-social/kith/migrations"
	"github.com/kith-social/kith/storage"
)

var (
	errHelpShown = errors.New("help shown")
	errConflict  = storage.ErrConflict
)

// newFlagSet makes a FlagSet for a subcommand with the shared configuration flags.
func newFlagSet(name string, e env) (*flag.FlagSet, *configFlags) {
	fs := flag.NewFlagSet("kith "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	return fs, addConfigFlags(fs)
}

// parse parses args and loads the configuration.
func parse(fs *flag.FlagSet, cf *configFlags, args []string, e env) (*Config, error) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, errHelpShown
		}
		return nil, usageError{err}
	}
	cfg, err := cf.load(e.getenv)
	if err != nil {
		return nil, usageError{err}
	}
	return cfg, nil
}

// parseInterleaved parses flags that may come before or after positional
// arguments (`kith group create demo --closed`); it returns the positionals.
func parseInterleaved(fs *flag.FlagSet, cf *configFlags, args []string, e env) (*Config, []string, error) {
	var pos []string
	rest := args
	for {
		if err := fs.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, nil, errHelpShown
			}
			return nil, nil, usageError{err}
		}
		rest = fs.Args()
		if len(rest) == 0 {
			break
		}
		pos = append(pos, rest[0])
		rest = rest[1:]
	}
	cfg, err := cf.load(e.getenv)
	if err != nil {
		return nil, nil, usageError{err}
	}
	return cfg, pos, nil
}

func newLogger(cfg *Config, w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: cfg.LogLevel}))
}

// openDB opens and migrates the configured database.
func openDB(ctx context.Context, cfg *Config, log *slog.Logger) (*bun.DB, error) {
	db, err := storage.Open(ctx, cfg.DatabaseURL, cfg.Data)
	if err != nil {
		return nil, err
	}
	warnOpenDataDirs(cfg, log)
	if _, err := migrations.Up(ctx, db, log); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// warnOpenDataDirs warns when the data directory, or the directory of a
// SQLite file kept elsewhere, lets other users of the machine in: the
// database holds the groups' private keys. Kith creates these directories
// 0700 but does not change one that exists; the warning names the command
// that does.
func warnOpenDataDirs(cfg *Config, log *slog.Logger) {
	dirs := []string{cfg.Data}
	if path, ok := storage.SQLitePath(cfg.DatabaseURL, cfg.Data); ok && filepath.Dir(path) != filepath.Clean(cfg.Data) {
		dirs = append(dirs, filepath.Dir(path))
	}
	for _, dir := range dirs {
		st, err := os.Stat(dir)
		if err != nil || st.Mode().Perm()&0o077 == 0 {
			continue // missing (PostgreSQL, no uploads yet) or private
		}
		abs, err := filepath.Abs(dir)
		if err != nil {
			abs = dir
		}
		log.Warn("the data directory can be read by other users of this machine, and it holds the database with the groups' private keys and the uploads; "+
			"make it private with the command given as fix",
			"dir", abs, "mode", fmt.Sprintf("%04o", st.Mode().Perm()), "fix", "chmod 700 "+shellQuote(abs))
	}
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/._-+:@,", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func cmdMigrate(ctx context.Context, args []string, e env) error {
	fs, cf := newFlagSet("migrate", e)
	unlock := fs.Bool("unlock", false, "only remove a migration lock left by a process that stopped while migrating (refused while a process is migrating)")
	cfg, err := parse(fs, cf, args, e)
	if err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("migrate: unexpected argument %q", fs.Arg(0))
	}
	log := newLogger(cfg, e.stderr)
	db, err := storage.Open(ctx, cfg.DatabaseURL, cfg.Data)
	if err != nil {
		return err
	}
	defer db.Close()
	warnOpenDataDirs(cfg, log)
	if *unlock {
		n, err := migrations.Unlock(ctx, db)
		if errors.Is(err, storage.ErrMigrationLocked) {
			return fmt.Errorf("%w; it is alive, so its lock is not stale: wait for it to finish, or stop that process (its lock goes with it)", err)
		}
		if err != nil {
			return err
		}
		if n == 0 {
			fmt.Fprintln(e.stdout, "no stale migration lock found; nothing to do")
		} else {
			fmt.Fprintf(e.stdout, "removed %d stale migration lock row(s) from %s; start kith again\n", n, storage.BunLocksTable)
		}
		return nil
	}
	n, err := migrations.Up(ctx, db, log)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "database up to date (%d migrations applied now)\n", n)
	return nil
}

// newEngine builds the federation engine for the configuration; work runs
// its job queue in this process (serve), otherwise it only enqueues.
// reads may be nil (the engine then reads from db); listen is the
// PostgreSQL job queue's LISTEN connection (nil: poll).
// m receives the engine's metrics (nil: none).
func newEngine(ctx context.Context, cfg *Config, db, reads *bun.DB, listen *pgxpool.Pool, m *metrics.Metrics, log *slog.Logger, work bool) (*federation.Engine, error) {
	var engage community.EngagementConfig
	if cfg.SMTPURL != "" {
		m, err := mailer.New(cfg.SMTPURL, cfg.SMTPFrom)
		if err != nil {
			return nil, err
		}
		engage.Mailer = m
	}
	return federation.New(ctx, db, federation.Config{
		Engagement:      engage,
		Version:         version,
		Scheme:          cfg.Scheme(),
		Domain:          cfg.Domain,
		AuthorizedFetch: cfg.AuthorizedFetch,
		Transport: transport.Config{
			InsecureHTTP:         cfg.InsecureHTTP,
			AllowPrivateNetworks: cfg.AllowPrivateNetworks,
		},
		Work:            work,
		DeliveryWorkers: cfg.DeliveryWorkers,
		InboxWorkers:    cfg.InboxWorkers,
		RescueAfter:     cfg.JobRescueAfter,
		Log:             log,
		Reads:           reads,
		ListenPool:      listen,
		Metrics:         m,
	})
}

// openMediaStore opens --media-store: the data directory, or an S3
// bucket (checked now: a missing bucket or refused credentials stop the
// start, not the first upload). Credentials come from AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN), else from the shared
// credentials file (AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials,
// profile AWS_PROFILE).
func openMediaStore(ctx context.Context, cfg *Config, getenv func(string) string) (mediastore.Store, error) {
	if cfg.MediaStore == "" {
		return mediastore.NewDir(cfg.Data), nil
	}
	sc, err := mediastore.ParseS3URL(cfg.MediaStore)
	if err != nil {
		return nil, err
	}
	if id, secret := getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY"); id != "" || secret != "" {
		sc.Creds = credentials.NewStaticV4(id, secret, getenv("AWS_SESSION_TOKEN"))
	} else {
		sc.Creds = credentials.New(&credentials.FileAWSCredentials{
			Filename: getenv("AWS_SHARED_CREDENTIALS_FILE"), Profile: getenv("AWS_PROFILE"),
		})
	}
	if sc.Region == "" {
		sc.Region = getenv("AWS_REGION")
	}
	return mediastore.NewS3(ctx, sc)
}

// uploadsURL is where public pages link uploads with --media-public-url:
// the public URL of the bucket (or of a CDN whose origin it is) followed
// by the object's key, prefix included; "" without it (pages link /media/).
func uploadsURL(cfg *Config, store mediastore.Store) string {
	if cfg.MediaPublicURL == "" {
		return ""
	}
	key := mediastore.UploadsPrefix
	if s3, ok := store.(*mediastore.S3); ok {
		key = s3.ObjectKey(key)
	}
	return strings.TrimSuffix(cfg.MediaPublicURL, "/") + "/" + key
}

// newMediaCache opens the cache of other servers' images in the media
// store (DATA/media-cache by default); it fetches through a transport
// with the engine's guard (private networks only with
// --allow-private-networks).
func newMediaCache(ctx context.Context, cfg *Config, db, reads *bun.DB, fed *federation.Engine, store mediastore.Store, log *slog.Logger) (*media.Cache, error) {
	return media.New(ctx, db, media.Config{
		Store: store, Prefix: mediastore.CachePrefix,
		Reads: reads,
		Transport: transport.Config{
			InsecureHTTP:         cfg.InsecureHTTP,
			AllowPrivateNetworks: cfg.AllowPrivateNetworks,
			UserAgent:            fmt.Sprintf("Kith/%s (+%s://%s/)", version, cfg.Scheme(), cfg.Domain),
		},
		LocalMedia: fed.IRI.Media(""),
		Budget:     cfg.MediaCacheSize,
		MaxBytes:   cfg.MediaMaxFileSize,
		RetryAfter: cfg.MediaRetryAfter,
		Log:        log.With("component", "media"),
	})
}

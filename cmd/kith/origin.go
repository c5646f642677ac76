package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"github.com/uptrace/bun"

	"github.com/kith-social/kith/storage"
)

// The node's public origin (scheme and domain) is what `kith serve` runs
// as. Serve stores it; every other command uses the stored one unless told
// --domain, so that handles it prints and IRIs it mints (an Accept queued
// by `kith group approve`) name the node the fediverse knows.

// storeOrigin records the origin serve runs as, and logs a change: remote
// servers know the groups under the old one.
func storeOrigin(ctx context.Context, cfg *Config, db bun.IDB, log *slog.Logger) error {
	origin := cfg.Scheme() + "://" + cfg.Domain
	old, err := storage.GetSetting(ctx, db, storage.SettingPublicOrigin)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return err
	}
	if old == origin {
		return nil
	}
	if old != "" {
		log.Warn("the node's public address changed: servers that know its groups under the old one will not find them", "old", old, "new", origin)
	}
	return storage.SetSetting(ctx, db, time.Now(), storage.SettingPublicOrigin, origin)
}

// adoptStoredOrigin makes cfg use the origin serve stored, unless --domain
// was given or serve never ran on this database.
func adoptStoredOrigin(ctx context.Context, cfg *Config, db bun.IDB) error {
	if cfg.DomainGiven {
		return nil
	}
	stored, err := storage.GetSetting(ctx, db, storage.SettingPublicOrigin)
	if errors.Is(err, storage.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	u, err := url.Parse(stored)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return fmt.Errorf("the stored public address %q is not scheme://domain: start kith serve with --domain to store it again", stored)
	}
	cfg.Domain, cfg.InsecureHTTP = u.Host, u.Scheme == "http"
	return nil
}

// openNodeDB opens the database for a command other than serve, with the
// node's stored origin adopted.
func openNodeDB(ctx context.Context, cfg *Config, log *slog.Logger) (*bun.DB, error) {
	db, err := openDB(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	if err := adoptStoredOrigin(ctx, cfg, db); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// Setting is one node-wide value (the instance actor's keys, the one-time
// setup token, …). A key-value table keeps node settings free of
// migrations for each new knob.
type Setting struct {
	bun.BaseModel `bun:"table:node_settings,alias:ns"`

	Key       string    `bun:"key,pk"`
	Value     string    `bun:"value,notnull"`
	UpdatedAt time.Time `bun:"updated_at,notnull"`
}

// Well-known setting keys.
const (
	SettingInstancePrivateKey = "instance_private_key_pem"
	SettingInstancePublicKey  = "instance_public_key_pem"
	SettingSetupToken         = "setup_token"
	// SettingPublicOrigin is the scheme and domain `kith serve` runs as
	// (https://kith.example): every other command mints the same IRIs.
	SettingPublicOrigin = "public_origin"
)

// GetSetting returns the value stored under key, or ErrNotFound.
func GetSetting(ctx context.Context, db bun.IDB, key string) (string, error) {
	s := new(Setting)
	if err := db.NewSelect().Model(s).Where("key = ?", key).Scan(ctx); err != nil {
		return "", notFound(err, "setting "+key)
	}
	return s.Value, nil
}

// SetSetting stores value under key, replacing any earlier value.
func SetSetting(ctx context.Context, db bun.IDB, now time.Time, key, value string) error {
	s := &Setting{Key: key, Value: value, UpdatedAt: now.UTC()}
	_, err := db.NewInsert().Model(s).
		On("CONFLICT (key) DO UPDATE").
		Set("value = EXCLUDED.value, updated_at = EXCLUDED.updated_at").
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("set setting %s: %w", key, err)
	}
	return nil
}

// SetSettingIfAbsent stores value under key unless a value is there already,
// and reports whether it stored it. Two processes starting at once agree on
// one value (the instance key pair, say).
func SetSettingIfAbsent(ctx context.Context, db bun.IDB, now time.Time, key, value string) (bool, error) {
	s := &Setting{Key: key, Value: value, UpdatedAt: now.UTC()}
	res, err := db.NewInsert().Model(s).On("CONFLICT (key) DO NOTHING").Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("set setting %s: %w", key, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("set setting %s: %w", key, err)
	}
	return n == 1, nil
}

// DeleteSetting removes key; a missing key is not an error.
func DeleteSetting(ctx context.Context, db bun.IDB, key string) error {
	if _, err := db.NewDelete().Model((*Setting)(nil)).Where("key = ?", key).Exec(ctx); err != nil {
		return fmt.Errorf("delete setting %s: %w", key, err)
	}
	return nil
}

package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// RemoteMedia is one image from another server in the node's media cache
// (federation/media): the remote URL, and what the node stored for it —
// or, with FailedAt set and no ContentHash, a recent fetch that failed.
type RemoteMedia struct {
	bun.BaseModel `bun:"table:remote_media,alias:rm"`

	URLHash     string    `bun:"url_hash,pk"` // hex SHA-256 of URL
	URL         string    `bun:"url,notnull"`
	ContentHash string    `bun:"content_hash,notnull"` // hex SHA-256 of the stored file; "" when none
	MediaType   string    `bun:"media_type,notnull"`
	Width       int       `bun:"width,notnull"`
	Height      int       `bun:"height,notnull"`
	SizeBytes   int64     `bun:"size_bytes,notnull"`
	FetchedAt   time.Time `bun:"fetched_at,nullzero"`
	LastUsedAt  time.Time `bun:"last_used_at,nullzero"`
	FailedAt    time.Time `bun:"failed_at,nullzero"`
	Failure     string    `bun:"failure,notnull"`
}

// Stored tells whether the node holds a file for the row.
func (m *RemoteMedia) Stored() bool { return m.ContentHash != "" }

// RemoteMediaByHash loads a cache row by the hash of its URL, or
// ErrNotFound.
func RemoteMediaByHash(ctx context.Context, db bun.IDB, urlHash string) (*RemoteMedia, error) {
	m := new(RemoteMedia)
	if err := db.NewSelect().Model(m).Where("url_hash = ?", urlHash).Scan(ctx); err != nil {
		return nil, notFound(err, "remote media "+urlHash)
	}
	return m, nil
}

// StoreRemoteMedia records a fetched and stored image, replacing whatever
// the row held (a failure, an older copy).
func StoreRemoteMedia(ctx context.Context, db bun.IDB, m *RemoteMedia) error {
	m.FetchedAt, m.LastUsedAt = m.FetchedAt.UTC(), m.LastUsedAt.UTC()
	m.FailedAt, m.Failure = time.Time{}, ""
	_, err := db.NewInsert().Model(m).
		On("CONFLICT (url_hash) DO UPDATE").
		Set("url = EXCLUDED.url, content_hash = EXCLUDED.content_hash, media_type = EXCLUDED.media_type").
		Set("width = EXCLUDED.width, height = EXCLUDED.height, size_bytes = EXCLUDED.size_bytes").
		Set("fetched_at = EXCLUDED.fetched_at, last_used_at = EXCLUDED.last_used_at").
		Set("failed_at = NULL, failure = ''").
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("store remote media %s: %w", m.URL, err)
	}
	return nil
}

// RecordRemoteMediaFailure remembers that fetching url failed at `at`, so
// that it is not tried again for a while. The row holds no file afterwards.
func RecordRemoteMediaFailure(ctx context.Context, db bun.IDB, urlHash, url, reason string, at time.Time) error {
	if len(reason) > 500 {
		reason = reason[:500]
	}
	m := &RemoteMedia{URLHash: urlHash, URL: url, FailedAt: at.UTC(), Failure: reason}
	_, err := db.NewInsert().Model(m).
		On("CONFLICT (url_hash) DO UPDATE").
		Set("failed_at = EXCLUDED.failed_at, failure = EXCLUDED.failure").
		Set("content_hash = '', media_type = '', width = 0, height = 0, size_bytes = 0, fetched_at = NULL").
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("record remote media failure %s: %w", url, err)
	}
	return nil
}

// TouchRemoteMedia marks a stored image as used at `at`, for the
// least-recently-used eviction.
func TouchRemoteMedia(ctx context.Context, db bun.IDB, urlHash string, at time.Time) error {
	_, err := db.NewUpdate().Model((*RemoteMedia)(nil)).
		Set("last_used_at = ?", at.UTC()).
		Where("url_hash = ?", urlHash).Exec(ctx)
	if err != nil {
		return fmt.Errorf("touch remote media %s: %w", urlHash, err)
	}
	return nil
}

// RemoteMediaBytes is the size of every stored image together.
func RemoteMediaBytes(ctx context.Context, db bun.IDB) (int64, error) {
	var n int64
	err := db.NewSelect().Model((*RemoteMedia)(nil)).
		ColumnExpr("COALESCE(SUM(size_bytes), 0)").Scan(ctx, &n)
	if err != nil {
		return 0, fmt.Errorf("sum remote media sizes: %w", err)
	}
	return n, nil
}

// LeastRecentlyUsedRemoteMedia returns up to limit stored images, the
// longest unused first.
func LeastRecentlyUsedRemoteMedia(ctx context.Context, db bun.IDB, limit int) ([]RemoteMedia, error) {
	var ms []RemoteMedia
	err := db.NewSelect().Model(&ms).
		Where("content_hash <> ''").
		OrderExpr("last_used_at ASC, url_hash ASC").
		Limit(int64(limit)).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("list remote media by last use: %w", err)
	}
	return ms, nil
}

// DeleteRemoteMedia removes a cache row; a missing row is not an error.
func DeleteRemoteMedia(ctx context.Context, db bun.IDB, urlHash string) error {
	if _, err := db.NewDelete().Model((*RemoteMedia)(nil)).Where("url_hash = ?", urlHash).Exec(ctx); err != nil {
		return fmt.Errorf("delete remote media %s: %w", urlHash, err)
	}
	return nil
}

// PruneRemoteMediaFailures forgets failed fetches older than before, and
// returns how many it forgot.
func PruneRemoteMediaFailures(ctx context.Context, db bun.IDB, before time.Time) (int, error) {
	res, err := db.NewDelete().Model((*RemoteMedia)(nil)).
		Where("content_hash = '' AND failed_at < ?", before.UTC()).Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("prune remote media failures: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("prune remote media failures: %w", err)
	}
	return int(n), nil
}

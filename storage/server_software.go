package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// ServerSoftware is what a remote server runs, as its NodeInfo says.
type ServerSoftware struct {
	bun.BaseModel `bun:"table:server_software,alias:ss"`

	Host      string    `bun:"host,pk"`
	Name      string    `bun:"name,notnull"` // lower case; "" while unknown
	Version   string    `bun:"version,notnull"`
	CheckedAt time.Time `bun:"checked_at,notnull"`
	Error     string    `bun:"error,notnull"` // why the last check failed
}

// RecordServerSoftware stores the result of a NodeInfo check. A failed
// check (errText set) keeps the name and version known before, so a
// server that is down for a day keeps its shapes.
func RecordServerSoftware(ctx context.Context, db bun.IDB, s ServerSoftware) error {
	s.CheckedAt = s.CheckedAt.UTC()
	if len(s.Error) > 500 {
		s.Error = s.Error[:500]
	}
	q := db.NewInsert().Model(&s).On("CONFLICT (host) DO UPDATE").
		Set("checked_at = EXCLUDED.checked_at, error = EXCLUDED.error")
	if s.Error == "" {
		q = q.Set("name = EXCLUDED.name, version = EXCLUDED.version")
	}
	if _, err := q.Exec(ctx); err != nil {
		return fmt.Errorf("record software of %s: %w", s.Host, err)
	}
	return nil
}

// ListServerSoftware lists every server whose software was checked.
func ListServerSoftware(ctx context.Context, db bun.IDB) ([]ServerSoftware, error) {
	var ss []ServerSoftware
	if err := db.NewSelect().Model(&ss).Order("host").Scan(ctx); err != nil {
		return nil, fmt.Errorf("list server software: %w", err)
	}
	return ss, nil
}

// HostsToCheck lists up to limit hosts of remote actors whose software was
// never checked or last checked before `before`, by host.
func HostsToCheck(ctx context.Context, db bun.IDB, before time.Time, limit int) ([]string, error) {
	var hosts []string
	err := db.NewSelect().TableExpr("remote_actors AS ra").
		ColumnExpr("DISTINCT ra.host").
		Join("LEFT JOIN server_software AS ss ON ss.host = ra.host").
		Where("ra.host <> ''").
		Where("ss.host IS NULL OR ss.checked_at < ?", before.UTC()).
		OrderExpr("ra.host").
		Limit(int64(limit)).Scan(ctx, &hosts)
	if err != nil {
		return nil, fmt.Errorf("list servers to check: %w", err)
	}
	return hosts, nil
}

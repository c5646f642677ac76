package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// Server is the delivery health of one remote server (host[:port]).
type Server struct {
	bun.BaseModel `bun:"table:servers,alias:sv"`

	Host             string    `bun:"host,pk"`
	LastSuccessAt    time.Time `bun:"last_success_at,nullzero"`
	LastFailureAt    time.Time `bun:"last_failure_at,nullzero"`
	LastError        string    `bun:"last_error,notnull"`
	Failures         int       `bun:"failures,notnull"` // consecutive
	FirstFailureAt   time.Time `bun:"first_failure_at,nullzero"`
	UnreachableSince time.Time `bun:"unreachable_since,nullzero"`
	Deliveries       int       `bun:"deliveries,notnull"` // successful, in all
}

// Unreachable tells whether deliveries to the server are held back.
func (s *Server) Unreachable() bool { return !s.UnreachableSince.IsZero() }

// ServerByHost loads a server's health; an unknown server is ErrNotFound.
func ServerByHost(ctx context.Context, db bun.IDB, host string) (*Server, error) {
	s := new(Server)
	if err := db.NewSelect().Model(s).Where("host = ?", host).Scan(ctx); err != nil {
		return nil, notFound(err, "server "+host)
	}
	return s, nil
}

// RecordDeliverySuccess marks a server reachable again.
func RecordDeliverySuccess(ctx context.Context, db bun.IDB, host string, at time.Time) error {
	return RecordDeliverySuccesses(ctx, db, []string{host}, at)
}

// RecordDeliveryFailure counts a failed delivery and marks the server
// unreachable once it has failed `threshold` times in a row over at least
// `window`. It returns the updated row.
func RecordDeliveryFailure(ctx context.Context, db bun.IDB, host, reason string, at time.Time, threshold int, window time.Duration) (*Server, error) {
	at = at.UTC()
	if len(reason) > 500 {
		reason = reason[:500]
	}
	s := &Server{Host: host, LastFailureAt: at, LastError: reason, Failures: 1, FirstFailureAt: at}
	_, err := db.NewInsert().Model(s).
		On("CONFLICT (host) DO UPDATE").
		Set("last_failure_at = EXCLUDED.last_failure_at, last_error = EXCLUDED.last_error").
		Set("failures = sv.failures + 1").
		Set("first_failure_at = COALESCE(sv.first_failure_at, EXCLUDED.first_failure_at)").
		Exec(ctx)
	if err != nil {
		return nil, fmt.Errorf("record delivery failure for %s: %w", host, err)
	}
	s, err = ServerByHost(ctx, db, host)
	if err != nil {
		return nil, err
	}
	if !s.Unreachable() && s.Failures >= threshold && at.Sub(s.FirstFailureAt) >= window {
		s.UnreachableSince = at
		if _, err := db.NewUpdate().Model(s).Column("unreachable_since").WherePK().Exec(ctx); err != nil {
			return nil, fmt.Errorf("mark %s unreachable: %w", host, err)
		}
	}
	return s, nil
}

// MarkServerAlive clears a server's unreachable state when we hear from
// it (it delivered to us).
func MarkServerAlive(ctx context.Context, db bun.IDB, host string) error {
	_, err := db.NewUpdate().Model((*Server)(nil)).
		Set("unreachable_since = NULL, failures = 0, first_failure_at = NULL").
		Where("host = ? AND unreachable_since IS NOT NULL", host).Exec(ctx)
	if err != nil {
		return fmt.Errorf("mark %s alive: %w", host, err)
	}
	return nil
}

// ListServers lists every known server, by host.
func ListServers(ctx context.Context, db bun.IDB) ([]Server, error) {
	var ss []Server
	if err := db.NewSelect().Model(&ss).Order("host").Scan(ctx); err != nil {
		return nil, fmt.Errorf("list servers: %w", err)
	}
	return ss, nil
}

// RecordDeliverySuccesses is RecordDeliverySuccess for many deliveries at
// once, one statement for a whole batch of a fan-out: hosts may repeat
// (each occurrence counts one delivery).
func RecordDeliverySuccesses(ctx context.Context, db bun.IDB, hosts []string, at time.Time) error {
	if len(hosts) == 0 {
		return nil
	}
	// One row per host: an upsert may not touch the same row twice.
	count := map[string]int{}
	rows := make([]Server, 0, len(hosts))
	for _, h := range hosts {
		if count[h] == 0 {
			rows = append(rows, Server{Host: h, LastSuccessAt: at.UTC()})
		}
		count[h]++
	}
	for i := range rows {
		rows[i].Deliveries = count[rows[i].Host]
	}
	_, err := db.NewInsert().Model(&rows).
		On("CONFLICT (host) DO UPDATE").
		Set("last_success_at = EXCLUDED.last_success_at, failures = 0, first_failure_at = NULL, unreachable_since = NULL").
		Set("deliveries = sv.deliveries + EXCLUDED.deliveries").
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("record %d deliveries: %w", len(hosts), err)
	}
	return nil
}

// FanoutDone remembers that a fan-out batch job finished: its results are
// written in the same transaction, so a rerun of the job (its completion
// was lost in a crash) can tell that there is nothing left to do.
type FanoutDone struct {
	bun.BaseModel `bun:"table:fanouts_done,alias:fd"`

	JobID  int64     `bun:"job_id,pk"`
	DoneAt time.Time `bun:"done_at,notnull"`
}

// MarkFanoutDone records that the fan-out job finished.
func MarkFanoutDone(ctx context.Context, db bun.IDB, jobID int64, at time.Time) error {
	_, err := db.NewInsert().Model(&FanoutDone{JobID: jobID, DoneAt: at.UTC()}).On("CONFLICT (job_id) DO NOTHING").Exec(ctx)
	if err != nil {
		return fmt.Errorf("mark fan-out job %d done: %w", jobID, err)
	}
	return nil
}

// IsFanoutDone tells whether the fan-out job finished before.
func IsFanoutDone(ctx context.Context, db bun.IDB, jobID int64) (bool, error) {
	n, err := db.NewSelect().Model((*FanoutDone)(nil)).Where("job_id = ?", jobID).Count(ctx)
	if err != nil {
		return false, fmt.Errorf("look up fan-out job %d: %w", jobID, err)
	}
	return n > 0, nil
}

// PruneFanoutsDone forgets finished fan-out jobs older than cutoff: by
// then the queue has long recorded them.
func PruneFanoutsDone(ctx context.Context, db bun.IDB, cutoff time.Time) (int, error) {
	res, err := db.NewDelete().Model((*FanoutDone)(nil)).Where("done_at < ?", cutoff.UTC()).Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("prune finished fan-outs: %w", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

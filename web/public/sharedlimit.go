package public

import (
	"context"
	"net/http"
	"time"

	"github.com/go-chi/httprate"
	"github.com/uptrace/bun"

	"github.com/kith-social/kith/storage"
)

// sharedCounterTimeout bounds one count's query: httprate's counter
// interface carries no request context.
const sharedCounterTimeout = 5 * time.Second

// sharedCounter is an httprate.LimitCounter kept in the database
// (storage.AddRateCount), so that a form's limit holds across every
// `kith serve` process on one PostgreSQL database instead of per process.
type sharedCounter struct {
	db     bun.IDB
	prefix string // keeps each limit's keys apart
	window time.Duration
}

var _ httprate.LimitCounter = (*sharedCounter)(nil)

func (c *sharedCounter) Config(_ int, window time.Duration) { c.window = window }

func (c *sharedCounter) Increment(key string, currentWindow time.Time) error {
	return c.IncrementBy(key, currentWindow, 1)
}

func (c *sharedCounter) IncrementBy(key string, currentWindow time.Time, n int) error {
	ctx, cancel := context.WithTimeout(context.Background(), sharedCounterTimeout)
	defer cancel()
	return storage.AddRateCount(ctx, c.db, c.prefix+key, currentWindow, n, currentWindow.Add(-2*c.window))
}

func (c *sharedCounter) Get(key string, currentWindow, previousWindow time.Time) (int, int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), sharedCounterTimeout)
	defer cancel()
	return storage.RateCounts(ctx, c.db, c.prefix+key, currentWindow, previousWindow)
}

// limitByClient limits requests per client to limit a minute: in the
// database on PostgreSQL (shared by every process), in memory on SQLite
// (one process).
func limitByClient(db *bun.DB, name string, limit int, key httprate.KeyFunc) func(next http.Handler) http.Handler {
	var opts []httprate.Option
	if db != nil && storage.IsPostgres(db) {
		opts = append(opts, httprate.WithLimitCounter(&sharedCounter{db: db, prefix: name + ":"}))
	}
	return httprate.LimitBy(limit, time.Minute, key, opts...)
}

package web

import (
	"context"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/uptrace/bun"

	"github.com/kith-social/kith/federation"
	"github.com/kith-social/kith/storage/queue"
)

// Metrics are served by the metrics listener (kith serve
// --metrics-listen), never by the public router: Deps.Metrics.Handler.
// The web layer adds to the node's registry what is read at scrape time
// (nodeCollector) and times every request (observeRequests).

// observeRequests records each request's latency by the route pattern it
// matched (chi's pattern, such as /groups/{name}/posts/{id}: raw paths
// would make a series per post) and status class.
func (s *Server) observeRequests(next http.Handler) http.Handler {
	if s.metrics == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
		next.ServeHTTP(ww, r)
		route := ""
		if rc := chi.RouteContext(r.Context()); rc != nil {
			route = rc.RoutePattern()
		}
		status := ww.Status()
		if status == 0 {
			status = http.StatusOK // nothing written: net/http answers 200
		}
		s.metrics.Request(r.Method, route, status, time.Since(start))
	})
}

// nodeCollector reads, at each scrape, the job queue, the database pools
// and the group-commit counters.
type nodeCollector struct {
	db, reads *bun.DB
	fed       *federation.Engine

	jobs, depth, conns, waits, waitSecs, txs, txCalls *prometheus.Desc
}

func newNodeCollector(db, reads *bun.DB, fed *federation.Engine) *nodeCollector {
	return &nodeCollector{
		db: db, reads: reads, fed: fed,
		jobs: prometheus.NewDesc("kith_jobs",
			"Jobs in the queue that have not finished, by kind and state.", []string{"kind", "state"}, nil),
		depth: prometheus.NewDesc("kith_queue_depth",
			"Jobs ready to run that no worker has taken yet (state available), by kind: the backlog.", []string{"kind"}, nil),
		conns: prometheus.NewDesc("kith_db_connections",
			"Open database connections, by pool and state.", []string{"pool", "state"}, nil),
		waits: prometheus.NewDesc("kith_db_waits_total",
			"Times a query waited for a free connection, by pool.", []string{"pool"}, nil),
		waitSecs: prometheus.NewDesc("kith_db_wait_seconds_total",
			"Time spent waiting for a free connection, by pool. On SQLite the writer is one connection every write waits for: its wait is the first sign that a node writes more than it can.", []string{"pool"}, nil),
		txs: prometheus.NewDesc("kith_db_transactions_total",
			"Write transactions run; concurrent ones are grouped into one (group commit).", nil, nil),
		txCalls: prometheus.NewDesc("kith_db_transaction_calls_total",
			"Callers' transactions run, grouped or alone: this ÷ kith_db_transactions_total is how many shared one.", nil, nil),
	}
}

func (c *nodeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.jobs, c.depth, c.conns, c.waits, c.waitSecs, c.txs, c.txCalls} {
		ch <- d
	}
}

func (c *nodeCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if counts, err := queue.Counts(ctx, c.db); err != nil {
		ch <- prometheus.NewInvalidMetric(c.jobs, err)
	} else {
		depth := map[string]int{}
		for _, k := range counts {
			ch <- prometheus.MustNewConstMetric(c.jobs, prometheus.GaugeValue, float64(k.Count), k.Kind, k.State)
			if k.State == "available" {
				depth[k.Kind] += k.Count
			}
		}
		for kind, n := range depth {
			ch <- prometheus.MustNewConstMetric(c.depth, prometheus.GaugeValue, float64(n), kind)
		}
	}
	for _, p := range []struct {
		name string
		db   *bun.DB
	}{{"writer", c.db}, {"reads", c.reads}} {
		if p.db == nil {
			continue
		}
		st := p.db.Stats()
		ch <- prometheus.MustNewConstMetric(c.conns, prometheus.GaugeValue, float64(st.InUse), p.name, "in_use")
		ch <- prometheus.MustNewConstMetric(c.conns, prometheus.GaugeValue, float64(st.Idle), p.name, "idle")
		ch <- prometheus.MustNewConstMetric(c.waits, prometheus.CounterValue, float64(st.WaitCount), p.name)
		ch <- prometheus.MustNewConstMetric(c.waitSecs, prometheus.CounterValue, st.WaitDuration.Seconds(), p.name)
	}
	gc := c.fed.GroupCommitStats()
	ch <- prometheus.MustNewConstMetric(c.txs, prometheus.CounterValue, float64(gc.Transactions))
	ch <- prometheus.MustNewConstMetric(c.txCalls, prometheus.CounterValue, float64(gc.Calls))
}

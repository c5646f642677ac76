package web

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/uptrace/bun"

	"github.com/kith-social/kith/storage/queue"
)

// metrics answers /metrics in Prometheus's text format: the job queue by
// kind and state, what an operator (and the load tool, which waits for
// the inbox queue to empty) watches. Only loopback clients are answered —
// a scraper on the same machine, or through an SSH tunnel; the real-IP
// middleware has already replaced a local proxy's address with its
// client's, so requests from outside through the proxy are refused.
func (s *Server) metrics(w http.ResponseWriter, r *http.Request) {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
		http.Error(w, "metrics are served to loopback clients only", http.StatusForbidden)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	counts, err := queue.Counts(ctx, s.db)
	if err != nil {
		s.log.ErrorContext(ctx, "metrics", "err", err)
		http.Error(w, "database unavailable", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	fmt.Fprintln(w, "# HELP kith_jobs Jobs in the queue that have not finished, by kind and state.")
	fmt.Fprintln(w, "# TYPE kith_jobs gauge")
	for _, c := range counts {
		fmt.Fprintf(w, "kith_jobs{kind=%q,state=%q} %d\n", c.Kind, c.State, c.Count)
	}
	s.poolMetrics(w)
	gc := s.fed.GroupCommitStats()
	fmt.Fprintln(w, "# HELP kith_db_transactions_total Write transactions run; concurrent ones are grouped into one (group commit).")
	fmt.Fprintln(w, "# TYPE kith_db_transactions_total counter")
	fmt.Fprintf(w, "kith_db_transactions_total %d\n", gc.Transactions)
	fmt.Fprintln(w, "# HELP kith_db_transaction_calls_total Callers' transactions run, grouped or alone: this ÷ kith_db_transactions_total is how many shared one.")
	fmt.Fprintln(w, "# TYPE kith_db_transaction_calls_total counter")
	fmt.Fprintf(w, "kith_db_transaction_calls_total %d\n", gc.Calls)
}

// poolMetrics writes the database connection pools' use: on SQLite the
// writer is one connection that every write waits for, so its wait time
// is the first sign that a node writes more than it can
// (docs/performance.md).
func (s *Server) poolMetrics(w io.Writer) {
	pools := []struct {
		name string
		db   *bun.DB
	}{{"writer", s.db}, {"reads", s.reads}}
	fmt.Fprintln(w, "# HELP kith_db_connections Open database connections, by pool and state.")
	fmt.Fprintln(w, "# TYPE kith_db_connections gauge")
	for _, p := range pools {
		if p.db != nil {
			st := p.db.Stats()
			fmt.Fprintf(w, "kith_db_connections{pool=%q,state=\"in_use\"} %d\n", p.name, st.InUse)
			fmt.Fprintf(w, "kith_db_connections{pool=%q,state=\"idle\"} %d\n", p.name, st.Idle)
		}
	}
	fmt.Fprintln(w, "# HELP kith_db_waits_total Times a query waited for a free connection, by pool.")
	fmt.Fprintln(w, "# TYPE kith_db_waits_total counter")
	for _, p := range pools {
		if p.db != nil {
			fmt.Fprintf(w, "kith_db_waits_total{pool=%q} %d\n", p.name, p.db.Stats().WaitCount)
		}
	}
	fmt.Fprintln(w, "# HELP kith_db_wait_seconds_total Time spent waiting for a free connection, by pool.")
	fmt.Fprintln(w, "# TYPE kith_db_wait_seconds_total counter")
	for _, p := range pools {
		if p.db != nil {
			fmt.Fprintf(w, "kith_db_wait_seconds_total{pool=%q} %.3f\n", p.name, p.db.Stats().WaitDuration.Seconds())
		}
	}
}

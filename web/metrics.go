package web

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"

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
}

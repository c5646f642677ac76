package main

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// queueJobs reads /metrics on the node's metrics listener (-metrics) and
// returns its unfinished jobs by kind.
func (r *run) queueJobs(ctx context.Context) (map[string]int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.metrics.JoinPath("/metrics").String(), nil)
	if err != nil {
		return nil, err
	}
	resp, err := r.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: HTTP %d (is the node started with --metrics-listen, and -metrics its address?)", req.URL, resp.StatusCode)
	}
	jobs := map[string]int{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		// kith_jobs{kind="inbox",state="available"} 12
		line := sc.Text()
		rest, ok := strings.CutPrefix(line, `kith_jobs{kind="`)
		if !ok {
			continue
		}
		kind, rest, _ := strings.Cut(rest, `"`)
		_, value, _ := strings.Cut(rest, "} ")
		n, err := strconv.ParseFloat(strings.TrimSpace(value), 64) // Prometheus writes 1e+06 for a million
		if err != nil {
			return nil, fmt.Errorf("GET /metrics: bad line %q", line)
		}
		jobs[kind] += int(n)
	}
	return jobs, sc.Err()
}

// waitProcessed polls /metrics until no inbox job is left (every accepted
// activity processed) and returns when that was, and the jobs of other
// kinds left at that moment.
func (r *run) waitProcessed(ctx context.Context) (time.Time, map[string]int, error) {
	ctx, cancel := context.WithTimeout(ctx, r.cfg.Timeout)
	defer cancel()
	tick := time.NewTicker(500 * time.Millisecond) // each poll counts the queue on the node: not too often
	defer tick.Stop()
	for {
		jobs, err := r.queueJobs(ctx)
		if err != nil {
			return time.Time{}, nil, err
		}
		// Received activities wait as "inbox" jobs, or "inbox_batch" jobs
		// when they arrived together.
		if waiting := jobs["inbox"] + jobs["inbox_batch"]; waiting == 0 {
			delete(jobs, "inbox")
			delete(jobs, "inbox_batch")
			return time.Now(), jobs, nil
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			return time.Time{}, jobs, fmt.Errorf("%d inbox jobs still unfinished after -timeout %s", jobs["inbox"]+jobs["inbox_batch"], r.cfg.Timeout)
		}
	}
}

// deliveryKinds are the jobs an inbox burst leaves behind: the
// deliveries it causes (fan-outs and single deliveries, retries included).
var deliveryKinds = []string{"fanout", "deliver"}

// waitDelivered polls /metrics until no inbox, fan-out or delivery job is
// left — the whole cost of what was received, outgoing included — and
// returns when that was.
func (r *run) waitDelivered(ctx context.Context) (time.Time, error) {
	ctx, cancel := context.WithTimeout(ctx, r.cfg.Timeout)
	defer cancel()
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	for {
		jobs, err := r.queueJobs(ctx)
		if err != nil {
			return time.Time{}, err
		}
		waiting := jobs["inbox"] + jobs["inbox_batch"]
		for _, k := range deliveryKinds {
			waiting += jobs[k]
		}
		if waiting == 0 {
			return time.Now(), nil
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			return time.Time{}, fmt.Errorf("%d inbox and delivery jobs still unfinished after -timeout %s", waiting, r.cfg.Timeout)
		}
	}
}

// nodeCPU reads the node's CPU time so far, in seconds (user + system:
// process_cpu_seconds_total on its metrics listener).
func (r *run) nodeCPU(ctx context.Context) (float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.metrics.JoinPath("/metrics").String(), nil)
	if err != nil {
		return 0, err
	}
	resp, err := r.client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("read the node's CPU time: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("GET %s: HTTP %d (is the node started with --metrics-listen, and -metrics its address?)", req.URL, resp.StatusCode)
	}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "process_cpu_seconds_total "); ok {
			return strconv.ParseFloat(strings.TrimSpace(v), 64)
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("GET %s: no process_cpu_seconds_total", req.URL)
}

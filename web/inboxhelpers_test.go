package web_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kith-social/kith/federation/httpsig"
	"github.com/kith-social/kith/federation/inbox"
	"github.com/kith-social/kith/web/webtest"
)

// jobs follows how the node's inbox jobs end, without failing the test on
// a timeout (webtest.Node.WaitProcessed does): a job that finished (acted
// on or dropped), one whose attempt failed and waits for a retry, or none
// within the deadline.
type jobs struct {
	n       *webtest.Node
	mu      sync.Mutex
	done    map[string]inbox.Processed
	changed chan struct{}
}

func trackJobs(n *webtest.Node) *jobs {
	j := &jobs{n: n, done: map[string]inbox.Processed{}, changed: make(chan struct{})}
	n.Fed.Inbox.OnProcessed(func(p inbox.Processed) {
		j.mu.Lock()
		defer j.mu.Unlock()
		j.done[p.ActivityID] = p
		close(j.changed)
		j.changed = make(chan struct{})
	})
	return j
}

// jobEnd is how an inbox job ended.
type jobEnd struct {
	Processed inbox.Processed
	Finished  bool   // the hook fired: acted on, dropped, or failed for good
	Failed    string // an attempt failed and the job waits for a retry: the errors
}

func (e jobEnd) String() string {
	switch {
	case e.Failed != "":
		return "FAILED (retrying): " + e.Failed
	case !e.Finished:
		return "NOT PROCESSED in time"
	case e.Processed.Err != nil:
		return "FAILED: " + e.Processed.Err.Error()
	case e.Processed.Dropped != "":
		return "dropped: " + e.Processed.Dropped
	default:
		return "accepted+processed"
	}
}

// OK tells whether the job finished without an error (acted on or dropped).
func (e jobEnd) OK() bool { return e.Finished && e.Processed.Err == nil && e.Failed == "" }

// wait returns how the job of activity id ended, polling the job table for
// failed attempts until the deadline.
func (j *jobs) wait(t testing.TB, id string, timeout time.Duration) jobEnd {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(25 * time.Millisecond)
	defer tick.Stop()
	for {
		j.mu.Lock()
		p, ok := j.done[id]
		changed := j.changed
		j.mu.Unlock()
		if ok {
			return jobEnd{Processed: p, Finished: true}
		}
		if errs := j.failedAttempts(t, id); errs != "" {
			return jobEnd{Failed: errs}
		}
		select {
		case <-changed:
		case <-tick.C:
		case <-deadline.C:
			return jobEnd{}
		}
	}
}

// failedAttempts returns the recorded errors of an inbox job for activity
// id that failed at least once and has not finished: the queue's errors of
// the job's own attempts, or the error of its attempt in a batch, which
// the retry job carries (federation/inbox.go). A job running again after a
// failed attempt counts: the queue may take a retry due within a second at
// once, so the job can sit between attempts for less than a poll.
func (j *jobs) failedAttempts(t testing.TB, id string) string {
	t.Helper()
	var rows []struct {
		State  string `bun:"state"`
		Errors string `bun:"errs"`
	}
	err := j.n.DB.NewRaw(`SELECT state, CAST(errors AS TEXT) AS errs FROM river_job
		WHERE kind = 'inbox' AND attempt >= 1 AND errors IS NOT NULL
		AND state IN ('retryable', 'available', 'running', 'discarded', 'cancelled')
		AND CAST(args AS TEXT) LIKE ?
		UNION ALL
		SELECT state, CAST(args AS TEXT) AS errs FROM river_job
		WHERE kind = 'inbox' AND state IN ('scheduled', 'available')
		AND CAST(args AS TEXT) LIKE ? AND CAST(args AS TEXT) LIKE '%"last_error"%'`, "%"+id+"%", "%"+id+"%").Scan(context.Background(), &rows)
	if err != nil {
		t.Fatalf("query river_job: %v", err)
	}
	for _, r := range rows {
		if r.Errors != "" {
			return r.State + ": " + printable(r.Errors)
		}
	}
	return ""
}

// printable keeps the readable runs of s (SQLite stores the job errors in
// a binary encoding).
func printable(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r < ' ' || r > '~' }), " ")
}

// recorded tells whether the inbox recorded activity id as received.
func recorded(t testing.TB, n *webtest.Node, id string) bool {
	t.Helper()
	c, err := n.DB.NewSelect().Table("received_activities").Where("iri = ?", id).Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return c > 0
}

// stateCounts counts the rows an accepted activity would add.
func stateCounts(t testing.TB, n *webtest.Node) map[string]int {
	t.Helper()
	ctx := context.Background()
	counts := map[string]int{}
	for _, table := range []string{"follows", "posts", "received_activities", "reactions", "outbox_activities"} {
		c, err := n.DB.NewSelect().Table(table).Count(ctx)
		if err != nil {
			t.Fatalf("count %s: %v", table, err)
		}
		counts[table] = int(c)
	}
	c, err := n.DB.NewSelect().Table("river_job").Where("kind IN ('inbox', 'inbox_batch', 'deliver', 'fanout')").Count(ctx)
	if err != nil {
		t.Fatalf("count river_job: %v", err)
	}
	counts["river_job"] = int(c)
	return counts
}

// postSigned POSTs body to url, signed with key (nil: unsigned) as
// Mastodon signs, after mutate had its say, and returns the status and
// the answer's first line.
func postSigned(t testing.TB, c *http.Client, url string, body []byte, key *httpsig.Key, at time.Time, mutate func(*http.Request)) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/activity+json")
	if key != nil {
		if err := httpsig.Sign(req, body, *key, at); err != nil {
			t.Fatal(err)
		}
	}
	if mutate != nil {
		mutate(req)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	line, _, _ := strings.Cut(strings.TrimSpace(string(b)), "\n")
	return resp.StatusCode, line
}

// get GETs url unsigned with an ActivityPub Accept header.
func get(t testing.TB, c *http.Client, url, accept string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

const activityJSON = "application/activity+json"

// table formats rows as aligned columns for t.Log.
func table(header []string, rows [][]string) string {
	width := make([]int, len(header))
	for _, r := range append([][]string{header}, rows...) {
		for i, c := range r {
			width[i] = max(width[i], min(len(c), 70))
		}
	}
	var b strings.Builder
	for _, r := range append([][]string{header}, rows...) {
		for i, c := range r {
			if len(c) > 160 {
				c = c[:157] + "..."
			}
			fmt.Fprintf(&b, "%-*s  ", width[i], c)
		}
		b.WriteString("\n")
	}
	return b.String()
}

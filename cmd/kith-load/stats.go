package main

import (
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"
)

// percentile returns the nearest-rank p-th percentile (0 < p <= 100) of ds:
// the smallest value such that at least p% of the values are <= it. It
// returns 0 for no values. ds is not modified.
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	rank := int(math.Ceil(p / 100 * float64(len(s))))
	rank = max(1, min(rank, len(s)))
	return s[rank-1]
}

// histogram counts HTTP status codes; code 0 counts transport errors.
type histogram map[int]int

// String renders "202×980 401×12 err×3", codes ascending, errors last.
func (h histogram) String() string {
	if len(h) == 0 {
		return "-"
	}
	var b strings.Builder
	for _, c := range slices.Sorted(maps.Keys(h)) {
		if c == 0 {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%d×%d", c, h[c])
	}
	if n := h[0]; n > 0 {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "err×%d", n)
	}
	return b.String()
}

// count returns how many responses had a status in [lo, hi].
func (h histogram) count(lo, hi int) int {
	n := 0
	for c, k := range h {
		if c >= lo && c <= hi {
			n += k
		}
	}
	return n
}

// total is the number of requests, errors included.
func (h histogram) total() int {
	n := 0
	for _, k := range h {
		n += k
	}
	return n
}

// recorder collects the outcome of many concurrent requests.
type recorder struct {
	mu       sync.Mutex
	codes    histogram
	lat      []time.Duration
	firstErr string
}

func newRecorder() *recorder { return &recorder{codes: histogram{}} }

// add records one request: its status (0 for a transport error), how long
// it took, and the error if any (the first one is kept as a sample).
func (r *recorder) add(status int, d time.Duration, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil {
		status = 0
		if r.firstErr == "" {
			r.firstErr = err.Error()
		}
	}
	r.codes[status]++
	r.lat = append(r.lat, d)
}

// snapshot returns a copy of what was recorded.
func (r *recorder) snapshot() (histogram, []time.Duration, string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return maps.Clone(r.codes), slices.Clone(r.lat), r.firstErr
}

// rate is n events over d, per second.
func rate(n int, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}

// fmtDur prints a duration rounded to what matters at its size.
func fmtDur(d time.Duration) string {
	switch {
	case d == 0:
		return "0"
	case d < time.Millisecond:
		return d.Round(time.Microsecond).String()
	case d < time.Second:
		return d.Round(10 * time.Microsecond).String()
	default:
		return d.Round(time.Millisecond).String()
	}
}

// fmtRate prints a per-second rate.
func fmtRate(r float64) string { return strconv.FormatFloat(r, 'f', 1, 64) + "/s" }

// table is the report: sections of "metric, value, note" rows printed in
// aligned columns.
type table struct {
	rows [][3]string
}

// section starts a new titled group of rows.
func (t *table) section(title string) {
	t.rows = append(t.rows, [3]string{"", "", ""}, [3]string{"== " + title, "", ""})
}

// add appends a row; note explains the number or says what was expected.
func (t *table) add(metric, value, note string) {
	t.rows = append(t.rows, [3]string{metric, value, note})
}

// addf appends a row whose value is formatted.
func (t *table) addf(metric, note, format string, args ...any) {
	t.add(metric, fmt.Sprintf(format, args...), note)
}

// write prints the table.
func (t *table) write(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for i, r := range t.rows {
		if i == 0 && r == [3]string{} {
			continue // no blank line before the first section
		}
		if strings.HasPrefix(r[0], "== ") || r == [3]string{} {
			if _, err := fmt.Fprintln(tw, r[0]); err != nil {
				return fmt.Errorf("write table: %w", err)
			}
			continue
		}
		if _, err := fmt.Fprintf(tw, "  %s\t%s\t%s\n", r[0], r[1], r[2]); err != nil {
			return fmt.Errorf("write table: %w", err)
		}
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	return nil
}

// latencyRows adds count, p50, p99 and max of ds.
func (t *table) latencyRows(prefix string, ds []time.Duration, note string) {
	t.add(prefix+" p50", fmtDur(percentile(ds, 50)), note)
	t.add(prefix+" p99", fmtDur(percentile(ds, 99)), "")
	t.add(prefix+" max", fmtDur(percentile(ds, 100)), "")
}

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/kith-social/kith/federation/iri"
)

// floorPage names the cheapest GET the node answers, measured beside the
// pages as their floor.
const floorPage = "floor: /healthz (SELECT 1)"

// page is one URL the pages scenario GETs.
type page struct {
	name, url, accept string
}

// pages: -concurrency clients (64 by default), each on its own loopback
// source address with one keep-alive connection like a browser, GET the
// group page, the outbox and a thread page round-robin for -duration.
func (r *run) pages(ctx context.Context) error {
	list := []page{
		{"group page (HTML)", r.group.ID, "text/html,application/xhtml+xml"},
		{"outbox (AP JSON)", r.group.Outbox, acceptActivity},
	}
	thread, how, firstPage := r.threadPage(ctx)
	if firstPage != "" {
		list = append(list, page{"outbox page 1 (AP JSON)", firstPage, acceptActivity})
	}
	if thread != "" {
		list = append(list, page{"thread page (HTML)", thread, "text/html,application/xhtml+xml"})
	}
	// The floor: the same HTTP stack and middleware and one trivial query
	// (SELECT 1). A page's p50 over this p50 is what rendering it costs.
	list = append(list, page{floorPage, strings.TrimSuffix(r.node.base.String(), "/") + "/healthz", "text/plain"})
	recs := make([]*recorder, len(list))
	bytesIn := make([]int64, len(list))
	for i := range recs {
		recs[i] = newRecorder()
	}
	first := netip.MustParseAddr("127.0.100.1")
	bind := canBind(first)
	start := time.Now()
	deadline := start.Add(r.cfg.Duration)
	dctx, cancel := context.WithDeadline(ctx, deadline.Add(r.cfg.Timeout))
	defer cancel()
	var mu sync.Mutex
	var wg sync.WaitGroup
	var sent int
	for c := range r.cfg.Concurrency {
		src := netip.Addr{}
		if bind {
			src = serverIP(first, c)
		}
		client := newClient(src, r.cfg.Timeout, 1)
		wg.Go(func() {
			defer client.CloseIdleConnections()
			for k := c; time.Now().Before(deadline) && dctx.Err() == nil; k++ {
				mu.Lock()
				if sent >= r.cfg.MaxRequests {
					mu.Unlock()
					return
				}
				sent++
				mu.Unlock()
				i := k % len(list)
				status, n, d, err := r.get(dctx, client, list[i])
				recs[i].add(status, d, err)
				mu.Lock()
				bytesIn[i] += n
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)

	t := r.tbl
	t.section("pages")
	src := "from 127.0.0.1"
	if bind {
		src = "each from its own address 127.0.100.x"
	}
	t.addf("clients", src+", one keep-alive connection each, for "+fmtDur(elapsed), "%d", r.cfg.Concurrency)
	if thread == "" {
		t.add("thread page", "skipped", how)
	} else {
		t.add("thread page", thread, how)
	}
	total := 0
	for i, p := range list {
		codes, lat, firstErr := recs[i].snapshot()
		total += codes.total()
		t.addf(p.name+": requests", p.url, "%d", codes.total())
		t.add(p.name+": req/s", fmtRate(rate(codes.total(), elapsed)), "")
		t.add(p.name+": p50", fmtDur(percentile(lat, 50)), "")
		t.add(p.name+": p99", fmtDur(percentile(lat, 99)), "")
		t.add(p.name+": status", codes.String(), "expect 200"+errNote(firstErr))
		if n := codes.total(); n > 0 {
			t.addf(p.name+": bytes", "average response body", "%d", bytesIn[i]/int64(n))
		}
	}
	t.add("all pages: req/s", fmtRate(rate(total, elapsed)), "the floor's requests included")
	_, floorLat, _ := recs[len(recs)-1].snapshot()
	if f := percentile(floorLat, 50); f > 0 {
		for i, p := range list[:len(list)-1] {
			_, lat, _ := recs[i].snapshot()
			t.addf(p.name+": p50 ÷ floor", "p50 over the p50 of "+floorPage, "%.1f×", float64(percentile(lat, 50))/float64(f))
		}
	}
	return nil
}

// get fetches one page and reads its body.
func (r *run) get(ctx context.Context, c *http.Client, p page) (status int, n int64, d time.Duration, err error) {
	req, err := r.node.newRequest(ctx, http.MethodGet, p.url, nil)
	if err != nil {
		return 0, 0, 0, err
	}
	req.Header.Set("Accept", p.accept)
	req.Header.Set("User-Agent", userAgent)
	start := time.Now()
	resp, err := c.Do(req)
	if err != nil {
		return 0, 0, time.Since(start), fmt.Errorf("GET %s: %w", p.url, err)
	}
	n, err = io.Copy(io.Discard, io.LimitReader(resp.Body, 8<<20))
	resp.Body.Close()
	if err != nil {
		return 0, n, time.Since(start), fmt.Errorf("GET %s: read body: %w", p.url, err)
	}
	return resp.StatusCode, n, time.Since(start), nil
}

// threadPage finds the thread page to load: -thread, or the first post
// of the group in its outbox (following "first" when the outbox is
// paged). It also returns the outbox's first page when that is a URL of
// its own (the page, not the root, is where a node reads its database).
func (r *run) threadPage(ctx context.Context) (thread, how, firstPage string) {
	doc, err := r.getJSON(ctx, r.group.Outbox)
	if err != nil {
		doc = nil
		how = "outbox unreadable (" + err.Error() + "); pass -thread"
	}
	items := itemsOf(doc)
	switch first := doc["first"].(type) {
	case string:
		firstPage = first
		if page, err := r.getJSON(ctx, first); err == nil && len(items) == 0 {
			items = itemsOf(page)
		}
	case map[string]any:
		if len(items) == 0 {
			items = itemsOf(first)
		}
	}
	if r.cfg.Thread != "" {
		if strings.HasPrefix(r.cfg.Thread, "/") {
			return strings.TrimSuffix(r.node.base.String(), "/") + r.cfg.Thread, "from -thread", firstPage
		}
		return r.cfg.Thread, "from -thread", firstPage
	}
	if doc == nil {
		return "", how, ""
	}
	u, err := url.Parse(r.group.ID)
	if err != nil {
		return "", "group IRI unparseable", firstPage
	}
	b := iri.New(u.Scheme, u.Host)
	for _, it := range items {
		m, _ := it.(map[string]any)
		cands := []string{idOf(it)}
		if m != nil {
			cands = append(cands, idOf(m["object"]))
			if o, ok := m["object"].(map[string]any); ok {
				cands = append(cands, idOf(o["object"]))
			}
		}
		for _, c := range cands {
			if g, id := b.PostID(c); g == r.group.Name && id != "" {
				return c, "first post of the group in its outbox", firstPage
			}
		}
		// A plain boost of a member's post has the id iri.Announce(group,
		// postID): the thread page is then iri.Post(group, postID).
		if m != nil && m["type"] == "Announce" && str(m["object"]) != "" {
			if id, ok := strings.CutPrefix(idOf(m), b.Announce(r.group.Name, "")); ok && id != "" && !strings.ContainsAny(id, "/?#") {
				return b.Post(r.group.Name, id), "derived from the first boost in the outbox (federation/iri layout)", firstPage
			}
		}
	}
	return "", "no post of the group in its outbox (run -scenario fanout first, or pass -thread)", firstPage
}

func (r *run) getJSON(ctx context.Context, target string) (map[string]any, error) {
	req, err := r.node.newRequest(ctx, http.MethodGet, target, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", acceptActivity)
	resp, err := r.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", target, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("GET %s: HTTP %d", target, resp.StatusCode)
	}
	var m map[string]any
	if err := json.NewDecoder(io.LimitReader(resp.Body, 4<<20)).Decode(&m); err != nil {
		return nil, fmt.Errorf("GET %s: %w", target, err)
	}
	return m, nil
}

// itemsOf returns orderedItems or items of a collection (page).
func itemsOf(doc map[string]any) []any {
	if it, ok := doc["orderedItems"].([]any); ok {
		return it
	}
	it, _ := doc["items"].([]any)
	return it
}

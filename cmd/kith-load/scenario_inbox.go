package main

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// inboxGen builds the inbox scenario's activities: Likes of the seed
// post, Updates of the actor's own last post, and Creates (replies in the
// seed's thread, which mention the group). It is safe for concurrent use.
type inboxGen struct {
	r       *run
	members []member
	seed    string

	mu    sync.Mutex
	notes map[int]map[string]any // actor idx → its last note
	kinds map[string]int
}

// build returns the n-th activity, who sends it and where.
func (g *inboxGen) build(n int) (actor, string, []byte, error) {
	a := g.members[n%len(g.members)].actor
	kind := g.r.cfg.Mix.pick(n)
	now := time.Now()
	id := g.r.ids.next()
	g.mu.Lock()
	var act map[string]any
	switch note := g.notes[a.idx]; {
	case kind == "Like":
		act = likeActivity(a, g.seed, id)
	case kind == "Update" && note != nil:
		act = updateActivity(a, note, id, "edited by kith-load", now)
	default: // Create, or an Update with nothing to update yet
		kind = "Create"
		var n map[string]any
		act, n = noteCreate(a, g.r.group, id, "a reply from kith-load", g.seed, now)
		g.notes[a.idx] = n
	}
	g.kinds[kind]++
	g.mu.Unlock()
	body, err := json.Marshal(act)
	if err != nil {
		return actor{}, "", nil, fmt.Errorf("marshal %s: %w", kind, err)
	}
	return a, inboxFor(g.r.cfg.Inbox, g.r.group, n), body, nil
}

// sign builds and signs the n-th activity.
func (g *inboxGen) sign(n int) (signedPost, error) {
	a, inbox, body, err := g.build(n)
	if err != nil {
		return signedPost{}, err
	}
	return signPost(g.r.node, a.srv, inbox, body, a.key, time.Now())
}

// inbox: the members send signed Likes, Updates and Creates as fast as
// the node takes them, -concurrency at a time, for -duration (and at most
// -max-requests). Activities are signed before the clock starts (up to
// -presign), so the tool's own RSA signing does not limit the rate.
func (r *run) inbox(ctx context.Context, members []member) error {
	seedAuthor := members[0].actor
	create, seedNote := noteCreate(seedAuthor, r.group, r.ids.next(), "thread seed from kith-load", "", time.Now())
	sp, err := signActivity(r.node, seedAuthor, inboxFor("shared", r.group, 0), create)
	if err != nil {
		return err
	}
	seedStatus, _, seedErr := sp.send(ctx, seedAuthor.srv.client)
	g := &inboxGen{r: r, members: members, seed: str(seedNote["id"]), notes: map[int]map[string]any{}, kinds: map[string]int{}}

	// Build sequentially (cheap, and Updates need the actor's earlier
	// Create), then sign on every core (the expensive part).
	pre := min(r.cfg.Presign, r.cfg.MaxRequests)
	type built struct {
		a     actor
		inbox string
		body  []byte
	}
	raw := make([]built, pre)
	for n := range pre {
		a, inbox, body, err := g.build(n)
		if err != nil {
			return err
		}
		raw[n] = built{a, inbox, body}
	}
	signStart := time.Now()
	presigned := make([]signedPost, pre)
	var signErr atomic.Pointer[error]
	forEach(ctx, pre, r.cores, func(n int) {
		p, err := signPost(r.node, raw[n].a.srv, raw[n].inbox, raw[n].body, raw[n].a.key, time.Now())
		if err != nil {
			signErr.CompareAndSwap(nil, &err)
			return
		}
		presigned[n] = p
	})
	if e := signErr.Load(); e != nil {
		return *e
	}
	signTook := time.Since(signStart)

	rec := newRecorder()
	var next, live atomic.Int64
	before := r.sink.totals()
	r.event("inbox-start")
	start := time.Now()
	deadline := start.Add(r.cfg.Duration)
	dctx, cancel := context.WithDeadline(ctx, deadline.Add(r.cfg.Timeout))
	defer cancel()
	var wg sync.WaitGroup
	for range r.cfg.Concurrency {
		wg.Go(func() {
			for time.Now().Before(deadline) && dctx.Err() == nil {
				n := int(next.Add(1) - 1)
				if n >= r.cfg.MaxRequests {
					return
				}
				var p signedPost
				if n < len(presigned) {
					p = presigned[n]
				} else {
					live.Add(1)
					var err error
					if p, err = g.sign(n); err != nil {
						rec.add(0, 0, err)
						continue
					}
				}
				status, d, err := p.send(dctx, p.from.client)
				rec.add(status, d, err)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	codes, lat, firstErr := rec.snapshot()
	after := r.sink.totals()
	ok := codes.count(200, 299)
	processedAt, left, processErr := r.waitProcessed(ctx)

	t := r.tbl
	t.section("inbox")
	t.add("seed post", g.seed, "Likes target it, Creates reply to it; seed POST: "+statusString(seedStatus, seedErr))
	t.addf("presigned", "signed on "+fmt.Sprint(r.cores)+" cores before the clock started, in "+fmtDur(signTook), "%d", pre)
	t.addf("signed live", "signed while sending, after the presigned ran out: the tool's own signing ("+fmtRate(verifyCeiling(r.cost.Sign, r.cores))+" at most) may have limited the rate", "%d", live.Load())
	t.addf("activities sent", fmt.Sprintf("%d members on %d servers, %d at a time, for %s", len(members), len(r.fleet.servers), r.cfg.Concurrency, fmtDur(elapsed)), "%d", codes.total())
	g.mu.Lock()
	t.add("kinds", countsString(g.kinds), "built (presigned ones included, sent or not); -mix "+r.cfg.Mix.String())
	g.mu.Unlock()
	t.add("status", codes.String(), "expect 202"+errNote(firstErr))
	t.addf("accepted (2xx)", "", "%d", ok)
	t.addf("errors (non-2xx)", "transport errors and refusals", "%d", codes.total()-ok)
	t.add("activities/s", fmtRate(rate(ok, elapsed)), "accepted per second")
	if processErr != nil {
		t.add("processed", "unknown", processErr.Error())
	} else {
		took := processedAt.Sub(start)
		t.add("all processed after", fmtDur(took), fmt.Sprintf("from the first POST until the node's inbox queue was empty (/metrics); %s after the last answer", fmtDur(took-elapsed)))
		t.add("processed/s", fmtRate(rate(ok, took)), "accepted and processed per second: what the node sustains")
		t.add("left queued then", countsString(left), "jobs of other kinds: the deliveries the processed activities caused (announces), which drain at the fan-out rate")
		if deliveredAt, err := r.waitDelivered(ctx); err != nil {
			t.add("all delivered", "unknown", err.Error())
		} else {
			took := deliveredAt.Sub(start)
			t.add("all delivered after", fmtDur(took), "from the first POST until no inbox, fan-out or delivery job was left: the whole cost, outgoing included")
			t.add("processed/s incl. deliveries", fmtRate(rate(ok, took)), "accepted per second over that time: what the node sustains with the deliveries it causes")
		}
	}
	t.latencyRows("latency", lat, "POST to answer")
	t.add("floor: verify", fmtDur(r.cost.Verify), "one RSA-2048 verification, one core")
	t.add("ceiling by verify", fmtRate(verifyCeiling(r.cost.Verify, r.cores)), fmt.Sprintf("%d cores ÷ verify cost: no node can accept more signed activities than this", r.cores))
	t.addf("fleet got meanwhile", "deliveries the node made to the fake servers during the run (Creates fan out)", "%d", after.Deliveries-before.Deliveries)
	return nil
}

package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// member is an actor whose Follow the group accepted.
type member struct {
	actor
	acceptedAfter time.Duration
}

// follow is the setup of every scenario and a scenario itself: every
// actor POSTs a signed Follow (Mastodon's shape) to the group, then the
// tool waits until the sink has seen an Accept for each, or -timeout. It
// returns the accepted members.
func (r *run) follow(ctx context.Context) ([]member, error) {
	n := r.cfg.Members
	rec := newRecorder()
	sentAt := make([]time.Time, n)
	followIDs := make([]string, n)
	var signErr error
	var errOnce sync.Once
	sign := func(i int) (signedPost, bool) {
		a := r.fleet.actor(i)
		act := followActivity(a, r.group.ID, r.ids.next())
		followIDs[i] = str(act["id"])
		p, err := signActivity(r.node, a, inboxFor(r.cfg.Inbox, r.group, i), act)
		if err != nil {
			errOnce.Do(func() { signErr = err })
			return signedPost{}, false
		}
		return p, true
	}
	// With -presign-follows (the default) every Follow is signed on all
	// cores before the clock starts, so that the tool's own signing does
	// not compete with the node for the cores during the measurement; the
	// Dates are seconds old when sent, well within the 12 hours a
	// receiver (Kith, Mastodon) accepts.
	var presigned []signedPost
	var signTook time.Duration
	if r.cfg.PresignFollows {
		signStart := time.Now()
		presigned = make([]signedPost, n)
		forEach(ctx, n, r.cores, func(i int) {
			if p, ok := sign(i); ok {
				presigned[i] = p
			}
		})
		signTook = time.Since(signStart)
		if signErr != nil {
			return nil, signErr
		}
	}
	before := r.fleet.stats()
	cpu0, cpuErr := r.nodeCPU(ctx)
	start := time.Now()
	forEach(ctx, n, r.cfg.Concurrency, func(i int) {
		var p signedPost
		if presigned != nil {
			p = presigned[i]
		} else {
			var ok bool
			if p, ok = sign(i); !ok {
				return
			}
		}
		sentAt[i] = time.Now()
		status, d, err := p.send(ctx, r.fleet.actor(i).srv.client)
		rec.add(status, d, err)
	})
	if signErr != nil {
		return nil, signErr
	}
	posted := time.Since(start)

	// Wait for the Accepts: only the still-pending actors are checked on
	// each delivery, so waiting costs O(members) in all.
	acceptedAt := make([]time.Time, n)
	pending := make([]int, 0, n)
	for i := range n {
		if !sentAt[i].IsZero() {
			pending = append(pending, i)
		}
	}
	wctx, cancel := waitCtx(ctx, r.cfg.Timeout)
	werr := r.sink.wait(wctx, func() bool {
		kept := pending[:0]
		for _, i := range pending {
			t, ok := r.sink.acceptedAt(followIDs[i])
			if !ok {
				t, ok = r.sink.acceptedAt(r.fleet.actor(i).id())
			}
			if ok {
				acceptedAt[i] = t
				continue
			}
			kept = append(kept, i)
		}
		pending = kept
		return len(pending) == 0
	})
	cancel()
	if werr != nil && !timedOut(werr) {
		return nil, fmt.Errorf("wait for Accepts: %w", werr)
	}

	var members []member
	var lat []time.Duration
	var last time.Time
	for i := range n {
		if acceptedAt[i].IsZero() {
			continue
		}
		d := acceptedAt[i].Sub(sentAt[i])
		members = append(members, member{actor: r.fleet.actor(i), acceptedAfter: d})
		lat = append(lat, d)
		if acceptedAt[i].After(last) {
			last = acceptedAt[i]
		}
	}
	codes, postLat, firstErr := rec.snapshot()
	after, tot := r.fleet.stats(), r.sink.totals()
	cpu1, err := r.nodeCPU(ctx)
	cpuErr = errors.Join(cpuErr, err)

	t := r.tbl
	t.section("follow (setup)")
	if presigned != nil {
		t.addf("Follows presigned", "signed on "+fmt.Sprint(r.cores)+" cores before the clock started (-presign-follows), in "+fmtDur(signTook), "%d", n)
	} else {
		t.add("Follows presigned", "-", "-presign-follows=false: each Follow signed as it is sent, on the cores the node uses too")
	}
	t.addf("Follows POSTed", "signed Follow to "+r.cfg.Inbox+" inbox, "+fmt.Sprint(r.cfg.Concurrency)+" at a time", "%d in %s", codes.total(), fmtDur(posted))
	t.add("POST status", codes.String(), "expect 202 for each"+errNote(firstErr))
	t.latencyRows("POST latency", postLat, "until the node answered")
	t.addf("Accepts received", "Accept{Follow} verified at the fake inboxes", "%d of %d", len(members), n)
	if len(members) > 0 {
		total := last.Sub(start)
		t.addf("all Accepts after", "from the first Follow to the last Accept", "%s", fmtDur(total))
		t.add("follows/s", fmtRate(rate(len(members), total)), "accepted follows per second, end to end")
		if cpuErr != nil {
			t.add("node CPU per follow", "unknown", cpuErr.Error())
		} else {
			per := time.Duration((cpu1 - cpu0) / float64(len(members)) * float64(time.Second))
			t.add("node CPU per follow", fmtDur(per), fmt.Sprintf("the node's CPU time (process_cpu_seconds_total, user + system) from the first Follow to the last Accept ÷ accepted follows; %.1f s in all", cpu1-cpu0))
		}
		t.latencyRows("Accept latency", lat, "per member: its Follow POST to its Accept")
	}
	t.addf("actor fetches by node", "GETs of actor documents: the node resolving keys and profiles (≥1 per member on a fresh node)", "%d", after.ActorGets-before.ActorGets)
	t.addf("key fetches by fleet", "the fake servers fetching the group's key (cached per server)", "%d", after.KeyFetches-before.KeyFetches)
	t.add("deliveries to fleet", countsString(tot.ByType), "everything the node sent, verified")
	t.add("refused at fleet", countsString(tot.Rejected), "deliveries whose signature did not verify (expect none)")
	if len(members) < n {
		return members, fmt.Errorf("%w: %d of %d Follows accepted within -timeout %s", errIncomplete, len(members), n, r.cfg.Timeout)
	}
	return members, nil
}

// errNote appends a sample error to a note.
func errNote(sample string) string {
	if sample == "" {
		return ""
	}
	if len(sample) > 120 {
		sample = sample[:120] + "…"
	}
	return "; first error: " + sample
}

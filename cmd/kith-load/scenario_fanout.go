package main

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"
)

// fanout: one member posts a public Note mentioning the group, and the
// tool measures how long the node takes to Announce it to every server
// that has an accepted member (one POST per shared inbox expected).
func (r *run) fanout(ctx context.Context, members []member) error {
	expected := map[string]bool{}
	for _, m := range members {
		expected[m.srv.host] = true
	}
	author := members[0].actor
	create, note := noteCreate(author, r.group, r.ids.next(), "fan-out probe from kith-load", "", time.Now())
	noteID := str(note["id"])
	p, err := signActivity(r.node, author, inboxFor("shared", r.group, 0), create)
	if err != nil {
		return err
	}
	dupBefore := r.sink.totals().Duplicates
	t0 := time.Now()
	status, postDur, postErr := p.send(ctx, author.srv.client)

	reached := func() map[string]arrival { return r.sink.arrivals(noteID) }
	wctx, cancel := waitCtx(ctx, r.cfg.Timeout)
	werr := r.sink.wait(wctx, func() bool {
		got := reached()
		for h := range expected {
			if _, ok := got[h]; !ok {
				return false
			}
		}
		return true
	})
	cancel()
	if werr != nil && !timedOut(werr) {
		return fmt.Errorf("wait for the fan-out: %w", werr)
	}
	if werr == nil && r.cfg.Settle > 0 {
		// Keep the sink open a little for late duplicates and for the
		// second Announce (plain boost beside Announce{Create}).
		select {
		case <-time.After(r.cfg.Settle):
		case <-ctx.Done():
		}
	}

	got := reached()
	var lat []time.Duration
	kinds := map[string]int{}
	perServer := []int{}
	var lastArrival time.Time
	for h, a := range got {
		if !expected[h] {
			continue
		}
		lat = append(lat, a.At.Sub(t0))
		if a.At.After(lastArrival) {
			lastArrival = a.At
		}
		n := 0
		for k, c := range a.Kinds {
			kinds[k] += c
			n += c
		}
		perServer = append(perServer, n)
	}
	slices.Sort(perServer)
	deliveries := 0
	for _, c := range kinds {
		deliveries += c
	}
	S := len(expected)
	floor := fanoutFloor(S, r.cost.Sign, r.cores)

	t := r.tbl
	t.section("fanout")
	t.add("post", noteID, "Create{Note} to Public, cc followers + group, Mention tag; POSTed to the shared inbox")
	t.add("POST status", statusString(status, postErr), "expect 202")
	t.add("POST latency", fmtDur(postDur), "")
	t.addf("servers reached", "servers with at least one accepted member", "%d of %d", len(lat), S)
	t.add("Announce deliveries", fmt.Sprint(deliveries), countsString(kinds)+"; expect one per server per kind (FEP-1b12 Announce{Create} and/or a plain Announce of the note)")
	if len(perServer) > 0 {
		t.addf("per server", "deliveries referencing the post; more than the kinds sent means per-follower, not per-shared-inbox, delivery", "min %d, max %d", perServer[0], perServer[len(perServer)-1])
	}
	t.addf("duplicates", "same activity id twice at the same server, counted until -settle after the last server", "%d", r.sink.totals().Duplicates-dupBefore)
	t.latencyRows("per-server latency", lat, "from the POST to the server's first Announce")
	if len(lat) > 0 {
		total := lastArrival.Sub(t0)
		t.add("total time", fmtDur(total), "from the POST until the last server got its Announce")
		t.add("floor", fmtDur(floor), fmt.Sprintf("%d servers × %s per RSA-2048 signature ÷ %d cores: nothing can be faster", S, fmtDur(r.cost.Sign), r.cores))
		if len(kinds) > 1 {
			t.add("floor × kinds", fmtDur(floor*time.Duration(len(kinds))), fmt.Sprintf("the node signs %d Announces per server", len(kinds)))
		}
		if floor > 0 {
			t.addf("total ÷ floor", "how far from pure signing cost the fan-out is", "%.1f×", float64(total)/float64(floor))
		}
	}
	if missing := missingHosts(expected, got); len(missing) > 0 {
		t.add("not reached", fmt.Sprint(len(missing)), "e.g. "+missing[0])
		return fmt.Errorf("%w: %d of %d servers got no Announce of %s within -timeout %s", errIncomplete, len(missing), S, noteID, r.cfg.Timeout)
	}
	return nil
}

// missingHosts lists, sorted, the expected hosts that got nothing.
func missingHosts(expected map[string]bool, got map[string]arrival) []string {
	var out []string
	for _, h := range slices.Sorted(maps.Keys(expected)) {
		if _, ok := got[h]; !ok {
			out = append(out, h)
		}
	}
	return out
}

// statusString is a status code, or the error when there was none.
func statusString(status int, err error) string {
	if err != nil {
		return "error: " + err.Error()
	}
	return fmt.Sprint(status)
}

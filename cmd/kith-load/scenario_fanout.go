package main

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kith-social/kith/federation/software"
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
	n := max(r.cfg.Posts, 1)
	type probe struct {
		id      string
		t0      time.Time
		status  int
		postDur time.Duration
		postErr error
		tries   int
		answers string
	}
	probes := make([]probe, n)
	// The node reads each server's NodeInfo when it first stores one of its
	// actors; the shapes it sends depend on it, so the fan-out waits for it.
	known, knownErr := r.waitNodeInfo(ctx)
	knownNote := ""
	if knownErr != nil {
		knownNote = knownErr.Error()
	}
	S := len(expected)
	shapes := 1 // a known family gets one shape of a member's post
	if software.FamilyOf(r.cfg.Software) == software.Unknown {
		shapes = 2
	}
	// The floors are measured right before the first post and again after
	// the fan-out, with the node idle: the machine's speed moves by tens of
	// percent within minutes, so a probe taken at the start of the run (a
	// minute earlier, before the setup) says little about the fan-out.
	key, _ := r.keys.key(0)
	before := measureFloors(key, S*shapes, r.cores)
	dupBefore := r.sink.totals().Duplicates
	r.event("fanout-start")
	for i := range probes {
		if i > 0 {
			select {
			case <-time.After(r.cfg.PostEvery):
			case <-ctx.Done():
			}
		}
		create, note := noteCreate(author, r.group, r.ids.next(), fmt.Sprintf("fan-out probe %d from kith-load", i+1), "", time.Now())
		p := &probes[i]
		p.id = str(note["id"])
		p.t0 = time.Now()
		p.status, p.postDur, p.tries, p.answers, p.postErr = r.postUntilAccepted(ctx, author, create)
		r.event(fmt.Sprintf("posted %d %s status %d tries %d answers %s", i+1, p.id, p.status, p.tries, p.answers))
	}
	r.event("posted-all")

	// Only servers with a member get Announces, so counting hosts is
	// enough; the table below checks which ones.
	reachedAll := func() bool {
		for _, p := range probes {
			if r.sink.hostsWithKinds(p.id, r.cfg.Kinds) < len(expected) {
				return false
			}
		}
		return true
	}
	wctx, cancel := waitCtx(ctx, r.cfg.Timeout)
	werr := r.sink.wait(wctx, reachedAll)
	cancel()
	if werr != nil && !timedOut(werr) {
		return fmt.Errorf("wait for the fan-out: %w", werr)
	}
	r.event("fanout-done")
	if werr == nil && r.cfg.Settle > 0 {
		// Keep the sink open a little for late duplicates and for the
		// second Announce (plain boost beside Announce{Create}).
		select {
		case <-time.After(r.cfg.Settle):
		case <-ctx.Done():
		}
	}

	after := measureFloors(key, S*shapes, r.cores)
	fl := before.faster(after)
	floor := fanoutFloor(S, fl.sign, r.cores)
	t := r.tbl
	t.section("fanout")
	t.add("servers' software", fmt.Sprintf("%s (%s): %d shape(s) per server", r.cfg.Software, software.FamilyOf(r.cfg.Software), shapes), "-software; what each fake server's NodeInfo says")
	t.addf("NodeInfo read", "servers whose NodeInfo the node had read before the post"+errNote(knownNote), "%d of %d", known, len(r.fleet.servers))
	t.add("RSA-2048 sign, around the fan-out", fmtDur(fl.sign), fmt.Sprintf("one core, median; %s before the first post, %s after the fan-out: the faster counts, so a slow moment does not flatter the node", fmtDur(before.sign), fmtDur(after.sign)))
	t.add("signing floor, measured", fmtDur(fl.parallel), fmt.Sprintf("%d signatures by %d goroutines at once, the node idle: what the cores really sign together (the floor assumes %d× one core); %s before, %s after, the faster counts%s",
		S*shapes, r.cores, r.cores, fmtDur(before.parallel), fmtDur(after.parallel), errNote(errString(fl.err))))
	var missingAll []string
	var ratios, measuredRatios []float64
	lost := 0
	for i, p := range probes {
		got := r.sink.arrivals(p.id)
		var lat []time.Duration
		kinds := map[string]int{}
		perServer := []int{}
		var lastArrival, lastAny time.Time
		for h, a := range got {
			if !expected[h] {
				continue
			}
			lat = append(lat, a.At.Sub(p.t0))
			if a.At.After(lastArrival) {
				lastArrival = a.At
			}
			if a.Last.After(lastAny) {
				lastAny = a.Last
			}
			k := 0
			for kind, c := range a.Kinds {
				kinds[kind] += c
				k += c
			}
			perServer = append(perServer, k)
		}
		slices.Sort(perServer)
		deliveries := 0
		for _, c := range kinds {
			deliveries += c
		}
		missing := missingHosts(expected, got)
		for h, a := range got {
			if expected[h] && len(a.Kinds) < r.cfg.Kinds {
				missing = append(missing, h+" (only "+countsString(a.Kinds)+")")
			}
		}
		lost += len(missing)
		for _, h := range missing {
			missingAll = append(missingAll, p.id+" → "+h)
		}
		var all time.Duration // from the POST until the last delivery of any kind
		ratio := ""           // of this post, for its line in a run of several
		if len(lat) > 0 {
			all = lastAny.Sub(p.t0)
			if fs := floor * time.Duration(shapes); fs > 0 {
				ratios = append(ratios, float64(all)/float64(fs))
				ratio = fmt.Sprintf("; all delivered ÷ floor %.1f×", ratios[len(ratios)-1])
			}
			if fl.parallel > 0 {
				measuredRatios = append(measuredRatios, float64(all)/float64(fl.parallel))
				ratio += fmt.Sprintf(", ÷ measured floor %.2f×", measuredRatios[len(measuredRatios)-1])
			}
		}
		if n > 1 {
			// One line per post: a fault run posts several.
			total := "-"
			if len(lat) > 0 {
				total = fmtDur(lastArrival.Sub(p.t0)) + ratio
			}
			t.addf(fmt.Sprintf("post %d", i+1), fmt.Sprintf("POST %s after %d tries (%s); %d deliveries (%s); per server min %d max %d; last server after %s",
				statusString(p.status, p.postErr), p.tries, p.answers, deliveries, countsString(kinds), first(perServer), last(perServer), total),
				"%d of %d servers", len(lat), S)
			continue
		}
		t.add("post", p.id, "Create{Note} to Public, cc followers + group, Mention tag; POSTed to the shared inbox")
		t.add("POST status", statusString(p.status, p.postErr), "expect 202")
		t.add("POST latency", fmtDur(p.postDur), "")
		t.addf("servers reached", "servers with at least one accepted member", "%d of %d", len(lat), S)
		t.add("Announce deliveries", fmt.Sprint(deliveries), countsString(kinds)+"; expect one per server per kind (FEP-1b12 Announce{Create} and/or a plain Announce of the note)")
		if len(perServer) > 0 {
			t.addf("per server", "deliveries referencing the post; more than the kinds sent means per-follower, not per-shared-inbox, delivery", "min %d, max %d", perServer[0], perServer[len(perServer)-1])
		}
		t.add("first server", fmtDur(percentile(lat, 0)), "from the POST to the first Announce anywhere: the node's work before its first signature")
		t.latencyRows("per-server latency", lat, "from the POST to the server's first Announce")
		if len(lat) > 0 {
			total := lastArrival.Sub(p.t0)
			t.add("total time", fmtDur(total), "from the POST until the last server got its Announce")
			t.add("floor", fmtDur(floor), fmt.Sprintf("%d servers × %s per RSA-2048 signature ÷ %d cores: the one-core model (it assumes %d cores sign %d× as fast as one)", S, fmtDur(fl.sign), r.cores, r.cores, r.cores))
			if len(kinds) > 1 {
				fk := floor * time.Duration(len(kinds))
				t.add("floor × kinds", fmtDur(fk), fmt.Sprintf("the node signs %d Announces per server", len(kinds)))
				t.add("all kinds delivered", fmtDur(all), "from the POST until the last delivery of every kind (seen within -settle)")
				if fk > 0 {
					t.addf("all kinds ÷ (floor × kinds)", "the fair ratio when every server gets one POST per kind", "%.1f×", float64(all)/float64(fk))
				}
			}
			if floor > 0 {
				t.addf("total ÷ floor", "how far from pure signing cost the fan-out is", "%.1f×", float64(total)/float64(floor))
				if fl.parallel > 0 {
					t.addf("all delivered ÷ measured floor", "how far the fan-out is from nothing but signing on this machine's cores", "%.2f×", float64(all)/float64(fl.parallel))
				}
				fs := floor * time.Duration(shapes)
				t.add("floor of the shapes sent", fmtDur(fs), fmt.Sprintf("floor × %d shape(s) the servers' family uses", shapes))
				t.addf("all delivered ÷ floor of the shapes", "from the POST until the last delivery of any kind (seen within -settle), against the signatures the shapes need", "%.1f×", float64(all)/float64(fs))
			}
		}
	}
	if n > 1 && len(ratios) > 0 {
		t.add("posts ÷ floor of the shapes", ratioSpread(ratios, "%.1f×"), "each post from its POST until the last delivery of any kind, against the one-core model")
		if len(measuredRatios) > 0 {
			t.add("posts ÷ measured floor", ratioSpread(measuredRatios, "%.2f×"), "the same, against the signing floor measured around the fan-outs")
		}
	}
	t.addf("duplicates", "same activity id twice at the same server, counted until -settle after the last server", "%d", r.sink.totals().Duplicates-dupBefore)
	if n > 1 {
		t.addf("lost", fmt.Sprintf("(post, server) pairs without %d kinds of Announce within -timeout: must be 0", r.cfg.Kinds), "%d of %d", lost, n*S)
	}
	if len(missingAll) > 0 {
		t.add("not reached", fmt.Sprint(len(missingAll)), "e.g. "+missingAll[0])
		return fmt.Errorf("%w: %d (post, server) pairs got no Announce within -timeout %s", errIncomplete, len(missingAll), r.cfg.Timeout)
	}
	return nil
}

// postUntilAccepted POSTs activity, signed afresh each time, until the node
// answers 2xx, as a real server retries a delivery: a node being
// restarted refuses connections or answers 5xx for a moment. It gives up
// after -timeout.
func (r *run) postUntilAccepted(ctx context.Context, author actor, activity map[string]any) (status int, dur time.Duration, tries int, answers string, err error) {
	deadline := time.Now().Add(r.cfg.Timeout)
	var seen []string // the node's answers, run-length encoded: "conn×3 500×2 202"
	note := func(a string) {
		if n := len(seen); n > 0 {
			prev, count, _ := strings.Cut(seen[n-1], "×")
			if prev == a {
				c, _ := strconv.Atoi(count)
				seen[n-1] = fmt.Sprintf("%s×%d", a, max(c, 1)+1)
				return
			}
		}
		seen = append(seen, a)
	}
	for {
		tries++
		p, serr := signActivity(r.node, author, inboxFor("shared", r.group, 0), activity)
		if serr != nil {
			return 0, 0, tries, strings.Join(seen, " "), serr
		}
		status, dur, err = p.send(ctx, author.srv.client)
		if err != nil {
			note("conn")
		} else {
			note(strconv.Itoa(status))
		}
		retry := err != nil || status >= 500 || status == http.StatusTooManyRequests
		if !retry || time.Now().After(deadline) || ctx.Err() != nil {
			return status, dur, tries, strings.Join(seen, " "), err
		}
		select {
		case <-time.After(500 * time.Millisecond):
		case <-ctx.Done():
		}
	}
}

func first(s []int) int {
	if len(s) == 0 {
		return 0
	}
	return s[0]
}

func last(s []int) int {
	if len(s) == 0 {
		return 0
	}
	return s[len(s)-1]
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

// ratioSpread is the median and the range of ratios, in format f.
func ratioSpread(ratios []float64, f string) string {
	sorted := slices.Sorted(slices.Values(ratios))
	med := sorted[len(sorted)/2]
	if len(sorted)%2 == 0 {
		med = (sorted[len(sorted)/2-1] + med) / 2
	}
	return fmt.Sprintf("median "+f+" ("+f+"–"+f+", %d posts)", med, sorted[0], sorted[len(sorted)-1], len(sorted))
}

// errString is err's text, or "" for nil.
func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

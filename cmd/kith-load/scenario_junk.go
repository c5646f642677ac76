package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// junkSource is the address junk is sent from, apart from every fake
// server, so that a per-IP rate limit on the node hits the junk and not
// the legitimate member.
func junkSource() netip.Addr { return netip.MustParseAddr("127.0.66.6") }

// Junk classes.
const (
	junkUnsigned  = "unsigned"
	junkBadSig    = "bad signature"
	junkOversized = "oversized"
)

// junk: unsigned, badly signed and oversized (>1 MiB) POSTs at the
// highest rate -concurrency allows, for -duration, while one legitimate
// member keeps delivering signed Likes one after another. It reports
// what the node answered each class and whether the member still got in.
func (r *run) junk(ctx context.Context, members []member) error {
	legit := members[0].actor
	target := members[len(members)-1].actor // whom the junk claims to be

	// Bad signatures: real signed Likes from several members with one
	// character of the signature flipped, so the node must resolve the
	// key — and may refetch it from the fleet — before refusing.
	var badsig []signedPost
	for i := range min(len(members), 32) {
		a := members[len(members)-1-i].actor
		p, err := signActivity(r.node, a, inboxFor(r.cfg.Inbox, r.group, i), likeActivity(a, r.group.ID, r.ids.next()))
		if err != nil {
			return err
		}
		badsig = append(badsig, corruptSignature(p))
	}
	unsignedBody, err := json.Marshal(likeActivity(target, r.group.ID, r.ids.next()))
	if err != nil {
		return fmt.Errorf("marshal junk: %w", err)
	}
	unsigned := badsig[0]
	unsigned.body = unsignedBody
	unsigned.header = unsigned.header.Clone()
	unsigned.header.Del("Signature")
	unsigned.header.Del("Digest")
	// Oversized: 1 MiB + 1 KiB of JSON, with a (bad) Signature header so
	// that the node's size check, not its missing-signature check, must
	// refuse it — ideally from Content-Length, before reading the body.
	oversized := badsig[0]
	oversized.body = oversizedBody(target.id(), maxInboxBody+1024)

	src := netip.Addr{}
	if !r.fleet.PortMode && canBind(junkSource()) {
		src = junkSource()
	}
	junkClient := newClient(src, r.cfg.Timeout, r.cfg.Concurrency)
	defer junkClient.CloseIdleConnections()

	recs := map[string]*recorder{junkUnsigned: newRecorder(), junkBadSig: newRecorder(), junkOversized: newRecorder()}
	classes := []string{junkUnsigned, junkBadSig, junkOversized}
	legitRec := newRecorder()
	before := r.fleet.stats()
	start := time.Now()
	deadline := start.Add(r.cfg.Duration)
	dctx, cancel := context.WithDeadline(ctx, deadline.Add(r.cfg.Timeout))
	defer cancel()

	var wg sync.WaitGroup
	var next atomic.Int64
	// Each class has its own share of the workers, so a class the node
	// refuses slowly (bad signatures cost a key lookup) does not slow the
	// others down.
	for w := range max(r.cfg.Concurrency, len(classes)) {
		class := classes[w%len(classes)]
		wg.Go(func() {
			for time.Now().Before(deadline) && dctx.Err() == nil {
				n := int(next.Add(1) - 1)
				if n >= r.cfg.MaxRequests {
					return
				}
				var p signedPost
				switch class {
				case junkUnsigned:
					p = unsigned
				case junkBadSig:
					p = badsig[(n/len(classes))%len(badsig)]
				default:
					p = oversized
				}
				status, d, err := p.send(dctx, junkClient)
				recs[class].add(status, d, err)
			}
		})
	}
	// The legitimate member: one signed Like at a time, signed live.
	wg.Go(func() {
		for i := 0; time.Now().Before(deadline) && dctx.Err() == nil && i < r.cfg.MaxRequests; i++ {
			p, err := signActivity(r.node, legit, inboxFor(r.cfg.Inbox, r.group, i), likeActivity(legit, r.group.ID, r.ids.next()))
			if err != nil {
				legitRec.add(0, 0, err)
				return
			}
			status, d, err := p.send(dctx, legit.srv.client)
			legitRec.add(status, d, err)
		}
	})
	wg.Wait()
	elapsed := time.Since(start)
	after := r.fleet.stats()
	// One more unsigned POST from the flooding address: a node that rate
	// limits it should still answer 429 and say when to come back.
	retryAfter := "-"
	if req, err := http.NewRequestWithContext(ctx, http.MethodPost, unsigned.url, bytes.NewReader(unsigned.body)); err == nil {
		req.Host = unsigned.host
		req.Header = unsigned.header.Clone()
		if resp, err := junkClient.Do(req); err == nil {
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
			retryAfter = fmt.Sprintf("%d, Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
		}
	}

	t := r.tbl
	t.section("junk")
	srcNote := "junk sent from " + src.String()
	if !src.IsValid() {
		srcNote = "junk sent from 127.0.0.1"
	}
	t.addf("duration", srcNote+", "+fmt.Sprint(max(r.cfg.Concurrency, len(classes)))+" at a time, a third per class", "%s", fmtDur(elapsed))
	t.add("flooder's next POST", retryAfter, "after the flood, from the flooding address: expect 429 with Retry-After")
	expect := map[string]string{
		junkUnsigned:  "expect 401 (or 429 once rate limited)",
		junkBadSig:    "expect 401 (or 429); the node resolves the key first",
		junkOversized: "expect 413 from Content-Length, before the body is read (or 429)",
	}
	for _, c := range classes {
		codes, lat, firstErr := recs[c].snapshot()
		rejected := codes.total() - codes.count(200, 299)
		t.addf(c+": sent", "", "%d", codes.total())
		t.add(c+": status", codes.String(), expect[c]+errNote(firstErr))
		t.add(c+": rejects/s", fmtRate(rate(rejected, elapsed)), "")
		t.add(c+": latency p50", fmtDur(percentile(lat, 50)), "")
		t.add(c+": latency p99", fmtDur(percentile(lat, 99)), "")
		if n := codes.count(200, 299); n > 0 {
			t.addf(c+": ACCEPTED", "junk the node took: a bug", "%d", n)
		}
	}
	codes, lat, firstErr := legitRec.snapshot()
	ok := codes.count(200, 299)
	t.addf("legitimate: sent", "signed Likes by "+legit.id()+", one at a time", "%d", codes.total())
	t.add("legitimate: status", codes.String(), "expect 202 throughout"+errNote(firstErr))
	t.latencyRows("legitimate: latency", lat, "")
	verdict := "yes"
	if codes.total() == 0 || ok < codes.total() {
		verdict = fmt.Sprintf("NO: %d of %d accepted", ok, codes.total())
	}
	t.add("legitimate still succeed", verdict, "")
	t.addf("actor fetches by node", "GETs of fleet actor documents during the junk: key refetches caused by bad signatures (should stay bounded)", "%d", after.ActorGets-before.ActorGets)
	if codes.total() == 0 || ok < codes.total() {
		return fmt.Errorf("%w: legitimate deliveries failed under junk: %s", errIncomplete, codes.String())
	}
	return nil
}

// oversizedBody is a syntactically valid Like of size bytes, padded in a
// "content" string.
func oversizedBody(actorID string, size int) []byte {
	head := `{"@context":"https://www.w3.org/ns/activitystreams","type":"Like","id":"` + actorID + `#likes/oversized","actor":"` + actorID + `","object":"` + actorID + `","content":"`
	tail := `"}`
	var b bytes.Buffer
	b.Grow(size)
	b.WriteString(head)
	b.WriteString(strings.Repeat("x", max(0, size-len(head)-len(tail))))
	b.WriteString(tail)
	return b.Bytes()
}

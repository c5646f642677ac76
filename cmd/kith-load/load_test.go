package main

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kith-social/kith/federation/httpsig"
)

func TestPercentile(t *testing.T) {
	t.Parallel()
	ms := func(xs ...int) []time.Duration {
		var out []time.Duration
		for _, x := range xs {
			out = append(out, time.Duration(x)*time.Millisecond)
		}
		return out
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = 100 - i // 100…1, unsorted on purpose
	}
	tests := []struct {
		name string
		ds   []time.Duration
		p    float64
		want time.Duration
	}{
		{"empty", nil, 50, 0},
		{"one", ms(7), 99, 7 * time.Millisecond},
		{"p50 of 4", ms(4, 1, 3, 2), 50, 2 * time.Millisecond},
		{"p99 of 4", ms(4, 1, 3, 2), 99, 4 * time.Millisecond},
		{"p50 of 100", ms(hundred...), 50, 50 * time.Millisecond},
		{"p99 of 100", ms(hundred...), 99, 99 * time.Millisecond},
		{"p100 of 100", ms(hundred...), 100, 100 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := append([]time.Duration(nil), tt.ds...)
			if got := percentile(tt.ds, tt.p); got != tt.want {
				t.Errorf("percentile(%v) = %v, want %v", tt.p, got, tt.want)
			}
			for i := range in {
				if in[i] != tt.ds[i] {
					t.Fatal("percentile sorted its input in place")
				}
			}
		})
	}
}

func TestHistogramAndRecorder(t *testing.T) {
	t.Parallel()
	r := newRecorder()
	r.add(202, time.Millisecond, nil)
	r.add(202, 2*time.Millisecond, nil)
	r.add(401, time.Millisecond, nil)
	r.add(0, time.Millisecond, errors.New("connection refused"))
	codes, lat, first := r.snapshot()
	if got, want := codes.String(), "202×2 401×1 err×1"; got != want {
		t.Errorf("histogram = %q, want %q", got, want)
	}
	if codes.total() != 4 || codes.count(200, 299) != 2 || len(lat) != 4 || first != "connection refused" {
		t.Errorf("total %d, 2xx %d, %d latencies, first error %q", codes.total(), codes.count(200, 299), len(lat), first)
	}
	if got := (histogram{}).String(); got != "-" {
		t.Errorf("empty histogram = %q", got)
	}
	if got := rate(50, 2*time.Second); got != 25 {
		t.Errorf("rate = %v", got)
	}
	if got := fanoutFloor(250, 2*time.Millisecond, 4); got != 125*time.Millisecond {
		t.Errorf("fanoutFloor = %v, want 125ms", got)
	}
	// The measured floor signs every one of n, however cores divide it:
	// 7 signatures cannot take less than 7 one-core signatures ÷ 2 cores.
	k, _ := rsa.GenerateKey(rand.Reader, 2048)
	one, err := measureRSA(k)
	if err != nil {
		t.Fatal(err)
	}
	pf, err := measureParallelSign(k, 7, 2)
	if err != nil {
		t.Fatal(err)
	}
	if least := fanoutFloor(7, one.Sign, 2) / 2; pf < least {
		t.Errorf("7 signatures on 2 cores took %v, less than half the least possible %v: not all were made", pf, least)
	}
	if got := verifyCeiling(50*time.Microsecond, 2); got != 40000 {
		t.Errorf("verifyCeiling = %v, want 40000", got)
	}
}

func TestTable(t *testing.T) {
	t.Parallel()
	var tb table
	tb.section("fanout")
	tb.add("servers reached", "250 of 250", "servers with a member")
	tb.add("p50", "12ms", "")
	tb.section("junk")
	tb.add("unsigned: status", "401×10", "expect 401")
	var buf bytes.Buffer
	if err := tb.write(&buf); err != nil {
		t.Fatal(err)
	}
	want := "== fanout\n" +
		"  servers reached  250 of 250  servers with a member\n" +
		"  p50              12ms        \n" +
		"\n" +
		"== junk\n" +
		"  unsigned: status  401×10  expect 401\n"
	if buf.String() != want {
		t.Errorf("table:\n%s\nwant:\n%s", buf.String(), want)
	}
}

func TestMix(t *testing.T) {
	t.Parallel()
	m, err := parseMix("like:70,update:20,create:10")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for n := range 1000 {
		got[m.pick(n)]++
	}
	if got["Like"] != 700 || got["Update"] != 200 || got["Create"] != 100 {
		t.Errorf("picks = %v, want 700/200/100", got)
	}
	if m.pick(0) == m.pick(1) && m.pick(1) == m.pick(2) && m.pick(2) == m.pick(3) {
		t.Error("kinds are not interleaved")
	}
	for _, bad := range []string{"", "like", "like:x", "poke:1", "like:0,update:0"} {
		if _, err := parseMix(bad); err == nil {
			t.Errorf("parseMix(%q) accepted", bad)
		}
	}
}

func TestCheckURLOnlyLoopback(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, host string
		ok       bool
	}{
		{"http://127.0.0.1:8080", "127.0.0.1:8080", true},
		{"http://127.0.4.250:7000/inbox", "127.0.4.250:7000", true},
		{"http://localhost:8080/", "127.0.0.1:8080", true},
		{"http://10.0.0.1:8080", "", false},
		{"http://[::1]:8080", "", false},
		{"http://kith.example", "", false},
		{"ftp://127.0.0.1", "", false},
	}
	for _, tt := range tests {
		u, err := checkURL(tt.in)
		if (err == nil) != tt.ok {
			t.Errorf("checkURL(%q) error %v, want ok=%v", tt.in, err, tt.ok)
			continue
		}
		if tt.ok && u.Host != tt.host {
			t.Errorf("checkURL(%q) host %q, want %q", tt.in, u.Host, tt.host)
		}
	}
	if err := loopbackControl("tcp4", "192.0.2.1:80", nil); !errors.Is(err, errNotLoopback) {
		t.Errorf("dial guard let 192.0.2.1 through: %v", err)
	}
	if err := loopbackControl("tcp4", "127.0.3.3:7000", nil); err != nil {
		t.Errorf("dial guard refused 127.0.3.3: %v", err)
	}
	if got := serverIP(netip.MustParseAddr("127.0.1.1"), 250).String(); got != "127.0.2.1" {
		t.Errorf("server 250 at %s, want 127.0.2.1", got)
	}
	if got := serverIP(netip.MustParseAddr("127.0.1.1"), 999).String(); got != "127.0.4.250" {
		t.Errorf("server 999 at %s, want 127.0.4.250", got)
	}
}

// testFleet starts 5 servers with 20 members and a 4-key pool.
func testFleet(t *testing.T, node nodeTarget) (*fleet, *sink, *keyPool) {
	t.Helper()
	ctx := t.Context()
	keys, err := newKeyPool(ctx, 4)
	if err != nil {
		t.Fatal(err)
	}
	s := newSink()
	f, err := startFleet(ctx, fleetConfig{Servers: 5, Members: 20, Port: 0, FirstIP: netip.MustParseAddr("127.0.201.1"),
		Keys: keys, Sink: s, Node: node, Timeout: 5 * time.Second, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.close)
	if len(f.servers) != 5 {
		t.Fatalf("%d servers, want 5 (%s)", len(f.servers), f.Short)
	}
	return f, s, keys
}

// TestSinkVerifiesAndCountsDuplicates signs deliveries as a node would and
// checks that the sink verifies them (fetching the key over HTTP), counts a
// repeated activity id as a duplicate and refuses bad signatures.
func TestSinkVerifiesAndCountsDuplicates(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	keys, err := newKeyPool(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	// A stand-in for the node: it only serves its group's key.
	groupKey, groupPEM := keys.key(1)
	var nodeURL string
	keyServer := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, contentActivity, map[string]any{"id": nodeURL + "/groups/g", "type": "Group",
			"publicKey": map[string]any{"id": nodeURL + "/groups/g#main-key", "owner": nodeURL + "/groups/g", "publicKeyPem": groupPEM}})
	})
	srv := newLoopbackServer(t, keyServer)
	nodeURL = srv
	base, _ := url.Parse(nodeURL)
	f, s, _ := testFleet(t, nodeTarget{base: base, domain: base.Host})
	key := httpsig.Key{ID: nodeURL + "/groups/g#main-key", Private: groupKey}
	target := f.servers[2]

	deliver := func(act map[string]any, mutate func(*http.Request)) int {
		t.Helper()
		body, _ := json.Marshal(act)
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, target.sharedInbox(), bytes.NewReader(body))
		if err := httpsig.Sign(req, body, key, time.Now()); err != nil {
			t.Fatal(err)
		}
		if mutate != nil {
			mutate(req)
		}
		resp, err := newClient(netip.Addr{}, 5*time.Second, 1).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	announce := map[string]any{"id": nodeURL + "/groups/g/activities/1", "type": "Announce", "actor": nodeURL + "/groups/g", "object": "http://127.0.201.1/users/u0/statuses/1"}
	if got := deliver(announce, nil); got != http.StatusAccepted {
		t.Fatalf("first delivery: HTTP %d", got)
	}
	if got := deliver(announce, nil); got != http.StatusAccepted {
		t.Fatalf("repeated delivery: HTTP %d", got)
	}
	if got := deliver(announce, func(r *http.Request) { r.Header.Set("Signature", flipSignature(r.Header.Get("Signature"))) }); got != http.StatusUnauthorized {
		t.Errorf("bad signature: HTTP %d, want 401", got)
	}
	if got := deliver(announce, func(r *http.Request) { r.Header.Del("Signature") }); got != http.StatusUnauthorized {
		t.Errorf("unsigned: HTTP %d, want 401", got)
	}
	impostor := map[string]any{"id": "x", "type": "Like", "actor": "http://127.0.201.1/users/u0", "object": "y"}
	if got := deliver(impostor, nil); got != http.StatusUnauthorized {
		t.Errorf("actor not the signer: HTTP %d, want 401", got)
	}

	tot := s.totals()
	if tot.Deliveries != 2 || tot.Duplicates != 1 || tot.Hosts != 1 {
		t.Errorf("sink: %d deliveries, %d duplicates on %d hosts; want 2, 1, 1", tot.Deliveries, tot.Duplicates, tot.Hosts)
	}
	if n := tot.Rejected["signature: bad signature"]; n != 1 {
		t.Errorf("rejected = %v, want one bad signature", tot.Rejected)
	}
	if n := tot.Rejected["signature: no signature"]; n != 1 {
		t.Errorf("rejected = %v, want one missing signature", tot.Rejected)
	}
	if n := tot.Rejected["actor is not the signer"]; n != 1 {
		t.Errorf("rejected = %v, want one actor mismatch", tot.Rejected)
	}
	if got := target.keyFetch.Load(); got != 2 {
		t.Errorf("key fetched %d times, want twice (cached, then refreshed once for the bad signature)", got)
	}
	hs, ok := s.host(target.host)
	if !ok || hs.Count != 2 || hs.Duplicates != 1 || hs.Last.Before(hs.First) {
		t.Errorf("host stats %+v", hs)
	}
	arr := s.arrivals("http://127.0.201.1/users/u0/statuses/1")
	if a, ok := arr[target.host]; !ok || a.Kinds["Announce(iri)"] != 2 {
		t.Errorf("arrivals = %+v", arr)
	}
}

// TestFleetServesActorsAndPayloads checks the documents the node will
// fetch: actor (with the pool's key), WebFinger, and the notes the payload
// builders publish, in Mastodon's shape.
func TestFleetServesActorsAndPayloads(t *testing.T) {
	t.Parallel()
	base, _ := url.Parse("http://127.0.0.1:1")
	node := nodeTarget{base: base, domain: "kith.test"}
	f, _, keys := testFleet(t, node)
	a := f.actor(7)
	if a.srv != f.servers[2] || a.id() != "http://"+f.servers[2].host+"/users/u7" {
		t.Fatalf("actor 7 on %s as %s", a.srv.host, a.id())
	}
	c := newClient(netip.Addr{}, 5*time.Second, 1)
	get := func(u string) map[string]any {
		t.Helper()
		resp, err := c.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: HTTP %d", u, resp.StatusCode)
		}
		var m map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	doc := get(a.id())
	_, pem := keys.key(7)
	pk, _ := doc["publicKey"].(map[string]any)
	ep, _ := doc["endpoints"].(map[string]any)
	if doc["type"] != "Person" || pk["publicKeyPem"] != pem || pk["id"] != a.key.ID || ep["sharedInbox"] != a.srv.sharedInbox() || doc["inbox"] != a.inbox() {
		t.Errorf("actor document: %v", doc)
	}
	if resp, err := c.Get(f.servers[0].url("/users/u7")); err != nil || resp.StatusCode != http.StatusNotFound {
		t.Errorf("u7 served by the wrong server: %v %v", resp, err)
	}
	wf := get(a.srv.url("/.well-known/webfinger?resource=acct:" + url.QueryEscape(a.handle())))
	if wf["subject"] != "acct:"+a.handle() {
		t.Errorf("webfinger: %v", wf)
	}

	g := groupInfo{Name: "load", ID: "http://kith.test/groups/load", Inbox: "http://kith.test/groups/load/inbox", SharedInbox: "http://kith.test/inbox"}
	create, note := noteCreate(a, g, "42", "hello", "", time.Now())
	if create["type"] != "Create" || create["actor"] != a.id() || create["id"] != str(note["id"])+"/activity" {
		t.Errorf("create: %v", create)
	}
	to, cc := note["to"].([]string), note["cc"].([]string)
	tags, _ := note["tag"].([]any)
	m, _ := tags[0].(map[string]any)
	if len(to) != 1 || to[0] != asPublic || len(cc) != 2 || cc[0] != a.followers() || cc[1] != g.ID ||
		m["type"] != "Mention" || m["href"] != g.ID || m["name"] != "@load@kith.test" {
		t.Errorf("note addressing: to %v cc %v tag %v", to, cc, tags)
	}
	if served := get(str(note["id"])); served["id"] != note["id"] || served["content"] != note["content"] {
		t.Errorf("served note: %v", served)
	}
	if u := updateActivity(a, note, "1", "edited", time.Now()); u["type"] != "Update" || idOf(u["object"]) != note["id"] {
		t.Errorf("update: %v", u)
	}
	if l := likeActivity(a, "x", "1"); l["actor"] != a.id() || l["object"] != "x" {
		t.Errorf("like: %v", l)
	}

	// A request to the node's domain goes to -node with the Host kept;
	// anything outside 127/8 is refused.
	p, err := signActivity(node, a, g.SharedInbox, followActivity(a, g.ID, "9"))
	if err != nil {
		t.Fatal(err)
	}
	if p.url != "http://127.0.0.1:1/inbox" || p.host != "kith.test" || p.header.Get("Digest") == "" || !strings.Contains(p.header.Get("Signature"), `keyId="`+a.key.ID+`"`) {
		t.Errorf("signed post: %s Host %s %v", p.url, p.host, p.header)
	}
	if _, err := signActivity(node, a, "http://example.com/inbox", followActivity(a, g.ID, "9")); !errors.Is(err, errNotLoopback) {
		t.Errorf("POST to example.com allowed: %v", err)
	}
	bad := corruptSignature(p)
	if bad.header.Get("Signature") == p.header.Get("Signature") {
		t.Error("corruptSignature changed nothing")
	}
	if b := oversizedBody(a.id(), maxInboxBody+1024); len(b) != maxInboxBody+1024 || !json.Valid(b) {
		t.Errorf("oversized body: %d bytes, valid JSON %v", len(b), json.Valid(b))
	}
}

// TestScenariosAgainstFakeNode runs every scenario, briefly, against the
// in-test fake node: the tool's plumbing end to end.
func TestScenariosAgainstFakeNode(t *testing.T) {
	t.Parallel()
	keys, err := newKeyPool(t.Context(), 1)
	if err != nil {
		t.Fatal(err)
	}
	n := newFakeNode(t, keys)
	for _, sc := range []string{"follow", "follow-live", "fanout", "inbox", "junk", "pages"} {
		t.Run(sc, func(t *testing.T) {
			var out, errs bytes.Buffer
			scenario, extra := sc, []string(nil)
			if sc == "follow-live" { // the Follows signed as they are sent
				scenario, extra = "follow", []string{"-presign-follows=false"}
			}
			args := append([]string{"-node", n.base, "-metrics", n.base, "-group", "load", "-scenario", scenario, "-members", "20", "-servers", "5",
				"-port", "0", "-keys", "2", "-duration", "300ms", "-timeout", "5s", "-settle", "100ms", "-presign", "40", "-concurrency", "8"}, extra...)
			code := mainCode(t.Context(), args, &out, &errs)
			t.Logf("kith-load %s:\n%s%s", sc, out.String(), errs.String())
			if code != exitOK {
				t.Fatalf("exit code %d", code)
			}
			want := map[string][]string{
				"follow":      {"Follows presigned 20", "Accepts received", "20 of 20", "node CPU per follow 25ms"},
				"follow-live": {"Follows presigned - -presign-follows=false", "Accepts received", "20 of 20", "node CPU per follow 25ms"},
				"fanout":      {"NodeInfo read 5 of 5", "mastodon (microblog): 1 shape(s)", "servers reached", "5 of 5", "Announce(Create)×5 Announce(iri)×5", "min 2, max 2", "signing floor, measured", "all delivered ÷ measured floor"},
				"inbox":       {"activities/s", "accepted (2xx)", "processed/s", "left queued then fanout×3", "all delivered after", "processed/s incl. deliveries"},
				"junk":        {"unsigned: status 401×", "oversized: status", "413×", "legitimate still succeed yes"},
				"pages":       {"thread page", "/groups/load/posts/1", "outbox (AP JSON): status 200×"},
			}[sc]
			if sc == "inbox" {
				// The fake node's first /metrics still lists a batch of
				// received activities: the tool must wait for the second.
				n.mu.Lock()
				polls := n.metrics
				n.mu.Unlock()
				if polls < 2 {
					t.Errorf("/metrics polled %d times, want 2 (until no inbox or inbox_batch job is left)", polls)
				}
			}
			flat := strings.Join(strings.Fields(out.String()), " ")
			for _, w := range want {
				if !strings.Contains(flat, w) {
					t.Errorf("output lacks %q", w)
				}
			}
		})
	}
}

func TestFlags(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"-node", "http://192.168.1.1:8080"},
		{"-scenario", "nope"},
		{"-servers", "0"},
		{"-inbox", "somewhere"},
		{"-mix", "like"},
		{"extra"},
	} {
		if code := mainCode(t.Context(), args, io.Discard, io.Discard); code != exitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, exitUsage)
		}
	}
}

// newLoopbackServer serves h on 127.0.0.1 and returns its base URL.
func newLoopbackServer(t *testing.T, h http.Handler) string {
	t.Helper()
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	ln, err := netListen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String()
}

func netListen(addr string) (net.Listener, error) { return net.Listen("tcp", addr) }

// TestThreadPageFromBoost derives the thread page from a plain boost in a
// paged outbox, as the node's outbox lists them.
func TestThreadPageFromBoost(t *testing.T) {
	t.Parallel()
	var base string
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("page") == "true" {
			writeJSON(w, contentActivity, map[string]any{"type": "OrderedCollectionPage", "orderedItems": []any{
				map[string]any{"type": "Announce", "id": base + "/groups/g/activities/announce-01ab-cd", "object": "http://127.0.9.9/users/u0/statuses/1"},
			}})
			return
		}
		writeJSON(w, contentActivity, map[string]any{"type": "OrderedCollection", "first": base + "/groups/g/outbox?page=true"})
	})
	base = newLoopbackServer(t, h)
	u, _ := url.Parse(base)
	r := &run{node: nodeTarget{base: u, domain: u.Host}, client: newClient(netip.Addr{}, 5*time.Second, 1),
		group: groupInfo{Name: "g", ID: base + "/groups/g", Outbox: base + "/groups/g/outbox"}}
	thread, how, first := r.threadPage(t.Context())
	if thread != base+"/groups/g/posts/01ab-cd" || first != base+"/groups/g/outbox?page=true" {
		t.Errorf("thread %q (%s), first page %q", thread, how, first)
	}
}

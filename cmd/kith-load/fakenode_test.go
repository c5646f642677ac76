package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kith-social/kith/federation/httpsig"
)

// fakeNode is a minimal stand-in for a Kith node, just enough for the
// scenarios to run in a test: one group "load" whose inboxes verify
// signatures for real, Accept every Follow and Announce (plain and
// FEP-1b12) every Create to each follower's shared inbox, once.
type fakeNode struct {
	t      testing.TB
	srv    *httptest.Server
	base   string
	key    httpsig.Key
	pem    string
	client *http.Client

	mu        sync.Mutex
	keys      map[string]httpsig.PublicKey
	seen      map[string]bool
	followers map[string]string // actor → shared inbox
	work      sync.WaitGroup
	metrics   int // GETs of /metrics
	// sincePost counts GETs of /metrics since the last inbox POST: the
	// inbox queue empties on the second, the fan-outs it caused on the
	// third.
	sincePost int
}

func newFakeNode(t testing.TB, keys *keyPool) *fakeNode {
	t.Helper()
	k, pem := keys.key(keys.len() - 1)
	n := &fakeNode{
		t: t, pem: pem, client: newClient(netip.Addr{}, 5*time.Second, 8),
		keys: map[string]httpsig.PublicKey{}, seen: map[string]bool{}, followers: map[string]string{},
	}
	n.srv = httptest.NewServer(n)
	n.base = n.srv.URL
	n.key = httpsig.Key{ID: n.base + "/groups/load#main-key", Private: k}
	t.Cleanup(func() {
		n.work.Wait()
		n.srv.Close()
	})
	return n
}

func (n *fakeNode) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Method == http.MethodPost && (r.URL.Path == "/inbox" || r.URL.Path == "/groups/load/inbox"):
		n.inbox(w, r)
	case r.URL.Path == "/groups/load" && strings.Contains(r.Header.Get("Accept"), "html"):
		fmt.Fprint(w, "<html><body>the load group</body></html>")
	case r.URL.Path == "/groups/load":
		writeJSON(w, contentActivity, map[string]any{
			"@context": []any{asContext, secContext}, "id": n.base + "/groups/load", "type": "Group",
			"preferredUsername": "load", "inbox": n.base + "/groups/load/inbox", "outbox": n.base + "/groups/load/outbox",
			"followers": n.base + "/groups/load/followers", "endpoints": map[string]any{"sharedInbox": n.base + "/inbox"},
			"publicKey": map[string]any{"id": n.key.ID, "owner": n.base + "/groups/load", "publicKeyPem": n.pem},
		})
	case r.URL.Path == "/groups/load/outbox":
		writeJSON(w, contentActivity, map[string]any{
			"@context": asContext, "id": n.base + "/groups/load/outbox", "type": "OrderedCollection",
			"first": map[string]any{"type": "OrderedCollectionPage", "orderedItems": []any{
				map[string]any{"id": n.base + "/groups/load/activities/1", "type": "Create", "object": n.base + "/groups/load/posts/1"},
			}},
		})
	case r.URL.Path == "/metrics":
		n.mu.Lock()
		n.metrics++
		n.sincePost++
		inbox, fanout := 0, 0
		if n.sincePost == 1 {
			inbox = 2
		}
		if n.sincePost <= 2 {
			fanout = 3
		}
		cpu := float64(n.metrics) / 2
		n.mu.Unlock()
		fmt.Fprintf(w, "# TYPE kith_jobs gauge\nkith_jobs{kind=\"fanout\",state=\"available\"} %d\nkith_jobs{kind=\"inbox\",state=\"running\"} 0\nkith_jobs{kind=\"inbox_batch\",state=\"running\"} %d\n", fanout, inbox)
		fmt.Fprintf(w, "# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total %g\n", cpu)
	case r.URL.Path == "/groups/load/posts/1":
		fmt.Fprint(w, "<html><body>a thread</body></html>")
	default:
		http.NotFound(w, r)
	}
}

func (n *fakeNode) inbox(w http.ResponseWriter, r *http.Request) {
	n.mu.Lock()
	n.sincePost = 0
	n.mu.Unlock()
	if r.Header.Get("Signature") == "" {
		http.Error(w, "not signed", http.StatusUnauthorized)
		return
	}
	if r.ContentLength > maxInboxBody {
		http.Error(w, "too large", http.StatusRequestEntityTooLarge)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxInboxBody))
	if err != nil {
		http.Error(w, "too large", http.StatusRequestEntityTooLarge)
		return
	}
	pk, err := httpsig.Verify(r.Context(), r, body, n, time.Now())
	if err != nil {
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	var act map[string]any
	if err := json.Unmarshal(body, &act); err != nil || idOf(act["actor"]) != pk.Owner {
		http.Error(w, "bad activity", http.StatusBadRequest)
		return
	}
	n.mu.Lock()
	dup := n.seen[str(act["id"])]
	n.seen[str(act["id"])] = true
	n.mu.Unlock()
	w.WriteHeader(http.StatusAccepted)
	if dup {
		return
	}
	n.work.Go(func() { n.process(act) })
}

func (n *fakeNode) process(act map[string]any) {
	ctx := context.Background()
	actorID := idOf(act["actor"])
	switch str(act["type"]) {
	case "Follow":
		doc, err := n.getJSON(ctx, actorID)
		if err != nil {
			n.t.Errorf("fake node: fetch follower: %v", err)
			return
		}
		// Like Kith, read the follower's server's NodeInfo (the document
		// itself: the links document is the same everywhere in the fleet).
		if u, err := url.Parse(actorID); err == nil {
			if _, err := n.getJSON(ctx, u.Scheme+"://"+u.Host+"/nodeinfo/2.0"); err != nil {
				n.t.Errorf("fake node: NodeInfo of %s: %v", u.Host, err)
			}
		}
		shared, _ := doc["endpoints"].(map[string]any)
		n.mu.Lock()
		n.followers[actorID] = str(shared["sharedInbox"])
		n.mu.Unlock()
		inner := map[string]any{"id": act["id"], "type": "Follow", "actor": actorID, "object": act["object"]}
		n.post(ctx, str(doc["inbox"]), map[string]any{"@context": asContext, "id": n.base + "/groups/load/activities/accept-" + str(act["id"]),
			"type": "Accept", "actor": n.base + "/groups/load", "object": inner})
	case "Create":
		obj, _ := act["object"].(map[string]any)
		inboxes := map[string]bool{}
		n.mu.Lock()
		for _, in := range n.followers {
			inboxes[in] = true
		}
		n.mu.Unlock()
		for in := range inboxes {
			n.post(ctx, in, map[string]any{"@context": asContext, "id": n.base + "/groups/load/activities/announce-" + str(obj["id"]),
				"type": "Announce", "actor": n.base + "/groups/load", "object": str(obj["id"])})
			n.post(ctx, in, map[string]any{"@context": asContext, "id": n.base + "/groups/load/activities/announce-create-" + str(obj["id"]),
				"type": "Announce", "actor": n.base + "/groups/load", "object": act})
		}
	}
}

// post signs and delivers as the group.
func (n *fakeNode) post(ctx context.Context, inbox string, act map[string]any) {
	body, _ := json.Marshal(act)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, inbox, bytes.NewReader(body))
	if err != nil {
		n.t.Errorf("fake node: %v", err)
		return
	}
	req.Header.Set("Content-Type", contentActivity)
	if err := httpsig.Sign(req, body, n.key, time.Now()); err != nil {
		n.t.Errorf("fake node: %v", err)
		return
	}
	resp, err := n.client.Do(req)
	if err != nil {
		return // the fleet may be gone already
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		n.t.Errorf("fake node: POST %s %s: HTTP %d", act["type"], inbox, resp.StatusCode)
	}
}

func (n *fakeNode) getJSON(ctx context.Context, iri string) (map[string]any, error) {
	u, err := checkURL(strings.SplitN(iri, "#", 2)[0])
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", acceptActivity)
	resp, err := n.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: HTTP %d", iri, resp.StatusCode)
	}
	var m map[string]any
	return m, json.NewDecoder(resp.Body).Decode(&m)
}

// ResolveKey fetches the sender's actor document (cached).
func (n *fakeNode) ResolveKey(ctx context.Context, keyID string, refresh bool) (httpsig.PublicKey, error) {
	n.mu.Lock()
	pk, ok := n.keys[keyID]
	n.mu.Unlock()
	if ok && !refresh {
		return pk, nil
	}
	doc, err := n.getJSON(ctx, keyID)
	if err != nil {
		return httpsig.PublicKey{}, err
	}
	if pk, err = httpsig.KeyFromDocument(doc, keyID); err != nil {
		return httpsig.PublicKey{}, err
	}
	n.mu.Lock()
	n.keys[keyID] = pk
	n.mu.Unlock()
	return pk, nil
}

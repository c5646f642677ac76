package web_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kith-social/kith/federation/fedtest"
	"github.com/kith-social/kith/federation/httpsig"
	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/web/webtest"
)

// TestInboxRefusesBadInput sends broken requests to the inbox: each is
// refused with the right status before anything is stored or queued.
func TestInboxRefusesBadInput(t *testing.T) {
	t.Parallel()
	webtest.Each(t, func(t *testing.T, s *webtest.Scenario) {
		n, group, masto := s.Node, s.GroupIRI, s.Masto
		alice, bob := s.Alice(), masto.NewActor("bob")
		if alice.Key().Private == bob.Key().Private {
			bob.RotateKey() // the pool may hand both the same key
		}
		c := n.Net.HTTPClient()
		shared := n.URL("/inbox")
		aliceKey, bobKey := alice.Key(), bob.Key()

		marshal := func(v any) []byte {
			b, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
		follow := func(change map[string]any) []byte {
			f := alice.Follow(group)
			maps.Copy(f, change)
			return marshal(f)
		}
		huge := follow(map[string]any{"content": strings.Repeat("a", 1<<20)})
		now := time.Now()

		for _, tc := range []struct {
			name   string
			url    string
			body   []byte
			key    *httpsig.Key
			at     time.Time
			mutate func(*http.Request)
			status int
		}{
			{name: "unsigned", body: follow(nil), status: http.StatusUnauthorized},
			{name: "bad signature", body: follow(nil), key: &aliceKey, mutate: corruptSignature, status: http.StatusUnauthorized},
			{name: "key of another actor", body: follow(nil), key: &bobKey, status: http.StatusUnauthorized},
			{name: "digest mismatch", body: follow(nil), key: &aliceKey, mutate: func(r *http.Request) {
				r.Header.Set("Digest", "SHA-256=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=") // of ""
			}, status: http.StatusUnauthorized},
			{name: "date 13 h old", body: follow(nil), key: &aliceKey, at: now.Add(-13 * time.Hour), status: http.StatusUnauthorized},
			{name: "date 2 h ahead", body: follow(nil), key: &aliceKey, at: now.Add(2 * time.Hour), status: http.StatusUnauthorized},
			{name: "no Date", body: follow(nil), key: &aliceKey, mutate: func(r *http.Request) { r.Header.Del("Date") }, status: http.StatusUnauthorized},
			{name: "body over 1 MiB", body: huge, key: &aliceKey, status: http.StatusRequestEntityTooLarge},
			{name: "body over 1 MiB without a length", body: huge, key: &aliceKey, mutate: func(r *http.Request) {
				r.ContentLength = -1
				r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(huge))) // hides the length: sent chunked
			}, status: http.StatusRequestEntityTooLarge},
			{name: "malformed JSON", body: []byte(`{"type":"Follow","actor":`), key: &aliceKey, status: http.StatusBadRequest},
			{name: "empty body", body: []byte{}, key: &aliceKey, status: http.StatusBadRequest},
			{name: "JSON array", body: []byte("[" + string(follow(nil)) + "]"), key: &aliceKey, status: http.StatusBadRequest},
			{name: "id is a number", body: follow(map[string]any{"id": 7}), key: &aliceKey, status: http.StatusBadRequest},
			{name: "actor is a number", body: follow(map[string]any{"actor": 5}), key: &aliceKey, status: http.StatusBadRequest},
			{name: "type is a number", body: follow(map[string]any{"type": 1}), key: &aliceKey, status: http.StatusBadRequest},
			{name: "object is a number", body: follow(map[string]any{"object": 3}), key: &aliceKey, status: http.StatusBadRequest},
			{name: "no actor", body: follow(map[string]any{"actor": nil}), key: &aliceKey, status: http.StatusBadRequest},
			{name: "inbox of a group that does not exist", url: n.URL("/groups/nobody/inbox"), body: follow(nil), key: &aliceKey, status: http.StatusNotFound},
		} {
			t.Run(tc.name, func(t *testing.T) {
				url, at := tc.url, tc.at
				if url == "" {
					url = shared
				}
				if at.IsZero() {
					at = time.Now()
				}
				before := stateCounts(t, n)
				status, reason := postSigned(t, c, url, tc.body, tc.key, at, tc.mutate)
				if status != tc.status {
					t.Errorf("status %d (%s), want %d", status, reason, tc.status)
				}
				if reason == "" {
					t.Errorf("status %d without a reason", status)
				}
				if after := stateCounts(t, n); !maps.Equal(before, after) {
					t.Errorf("state changed: %v → %v", before, after)
				}
			})
		}

		// The same request, done right, is accepted and changes state:
		// the refusals above were not vacuous.
		before := stateCounts(t, n)
		f := alice.Follow(group)
		if status, reason := postSigned(t, c, shared, marshal(f), &aliceKey, time.Now(), nil); status != http.StatusAccepted {
			t.Fatalf("a good Follow: status %d (%s)", status, reason)
		}
		n.WaitProcessed(t, id(f))
		if after := stateCounts(t, n); after["follows"] != before["follows"]+1 || after["received_activities"] != before["received_activities"]+1 {
			t.Errorf("a good Follow: state %v → %v", before, after)
		}
	})
}

// corruptSignature changes the first character of the signature value.
func corruptSignature(r *http.Request) {
	s := r.Header.Get("Signature")
	at := strings.Index(s, `signature="`) + len(`signature="`)
	flip := byte('A')
	if s[at] == 'A' {
		flip = 'B'
	}
	r.Header.Set("Signature", s[:at]+string(flip)+s[at+1:])
}

// misbehaving is a remote server that answers some paths badly.
type misbehaving struct {
	host  string
	actor map[string]any // served at /users/x
	bad   string         // the path that misbehaves
	kind  string         // "redirect", "slow" or "huge"
	stop  chan struct{}
}

func (m *misbehaving) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != m.bad {
		if r.URL.Path == "/users/x" {
			w.Header().Set("Content-Type", activityJSON)
			_ = json.NewEncoder(w).Encode(m.actor)
			return
		}
		http.NotFound(w, r)
		return
	}
	switch m.kind {
	case "redirect":
		// Forever, each hop to a new URL so no client sees a plain loop.
		hop := len(r.URL.Query().Get("hop"))
		http.Redirect(w, r, fmt.Sprintf("%s?hop=%s", m.bad, strings.Repeat("x", hop+1)), http.StatusFound)
	case "slow":
		w.Header().Set("Content-Type", activityJSON)
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(`{"id":`))
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		select { // never finishes: the client has to give up
		case <-r.Context().Done():
		case <-m.stop:
		}
	case "huge":
		w.Header().Set("Content-Type", activityJSON)
		_, _ = fmt.Fprintf(w, `{"id":"http://%s%s","type":"Person","summary":"`, m.host, m.bad)
		chunk := bytes.Repeat([]byte("a"), 64<<10)
		for range 1024 { // 64 MiB at most, unless the client hangs up first
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}
}

// TestMisbehavingServers makes the node fetch from servers that redirect
// forever, never finish answering, or send documents larger than it
// reads: the inbox refuses (the actor's key cannot be had) or the job
// ends, in bounded time, and the node keeps serving meanwhile.
func TestMisbehavingServers(t *testing.T) {
	t.Parallel()
	key := testKey(t)
	pem, err := httpsig.PublicKeyPEM(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	kinds := []string{"redirect", "huge", "slow"}
	const fetchTimeout = 3 * time.Second // how long the node waits for a server
	opts := webtest.ScenarioOptions{
		Options: webtest.Options{FetchTimeout: fetchTimeout},
		Group:   func(g *storage.Group) { g.PostingPolicy = storage.PostingAnyone },
	}
	webtest.EachWith(t, opts, func(t *testing.T, s *webtest.Scenario) {
		n, group := s.Node, s.GroupIRI
		j := trackJobs(n)
		c := n.Net.HTTPClient()
		stop := make(chan struct{})
		t.Cleanup(func() { close(stop) }) // before the node stops: frees a hanging handler

		// Two servers per kind: one whose actor document misbehaves,
		// one whose actor is fine but whose post misbehaves.
		for _, kind := range kinds {
			for _, where := range []string{"actor", "object"} {
				host := kind + "-" + where + ".test"
				actorIRI := "http://" + host + "/users/x"
				m := &misbehaving{host: host, kind: kind, stop: stop, bad: "/notes/1", actor: map[string]any{
					"@context": []any{"https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"},
					"id":       actorIRI, "type": "Person", "preferredUsername": "x", "inbox": actorIRI + "/inbox",
					"publicKey": map[string]any{"id": actorIRI + "#main-key", "owner": actorIRI, "publicKeyPem": pem},
				}}
				if where == "actor" {
					m.bad = "/users/x"
				}
				n.Net.AddHost(host, m)
			}
		}

		// Each case runs in its own goroutine, so the slow ones wait
		// together; results are checked on the test's goroutine.
		type result struct {
			kind, where string
			status      int
			reason      string
			took        time.Duration
			end         jobEnd
		}
		results := make(chan result)
		for _, kind := range kinds {
			go func() {
				// The actor's document misbehaves: its key cannot be
				// had, so the inbox refuses.
				actorIRI := "http://" + kind + "-actor.test/users/x"
				k := httpsig.Key{ID: actorIRI + "#main-key", Private: key}
				body, _ := json.Marshal(map[string]any{"@context": "https://www.w3.org/ns/activitystreams",
					"id": actorIRI + "#follow/1", "type": "Follow", "actor": actorIRI, "object": group})
				start := time.Now()
				status, reason := postSigned(t, c, n.URL("/inbox"), body, &k, time.Now(), nil)
				results <- result{kind: kind, where: "actor", status: status, reason: reason, took: time.Since(start)}
			}()
			go func() {
				// The actor is fine but the post it names misbehaves:
				// accepted, then the job gives up.
				actorIRI := "http://" + kind + "-object.test/users/x"
				k := httpsig.Key{ID: actorIRI + "#main-key", Private: key}
				createID := actorIRI + "#create/1"
				body, _ := json.Marshal(map[string]any{"@context": "https://www.w3.org/ns/activitystreams",
					"id": createID, "type": "Create", "actor": actorIRI, "object": "http://" + kind + "-object.test/notes/1",
					"to": []string{fedtest.Public}, "cc": []string{group}})
				start := time.Now()
				r := result{kind: kind, where: "object"}
				if r.status, r.reason = postSigned(t, c, n.URL("/inbox"), body, &k, time.Now(), nil); r.status == http.StatusAccepted {
					r.end = j.wait(t, createID, 5*fetchTimeout)
				}
				r.took = time.Since(start)
				results <- r
			}()
		}
		// Meanwhile the node answers at once.
		start := time.Now()
		if status, _ := get(t, c, n.URL("/actor"), activityJSON); status != http.StatusOK {
			t.Errorf("GET /actor: %d", status)
		}
		if d := time.Since(start); d >= fetchTimeout {
			t.Errorf("GET /actor took %s while fetches hang", d)
		}
		deadline := time.After(10 * fetchTimeout) // a case that failed its goroutine never reports
		for range 2 * len(kinds) {
			var r result
			select {
			case r = <-results:
			case <-deadline:
				t.Fatalf("a case did not report within %s", 10*fetchTimeout)
			}
			job := ""
			if r.where == "object" {
				job = "; job: " + r.end.String()
			}
			t.Logf("%s %s: status %d %s%s (%s)", r.kind, r.where, r.status, r.reason, job, r.took.Round(time.Millisecond))
			if r.took > 5*fetchTimeout {
				t.Errorf("%s %s took %s", r.kind, r.where, r.took)
			}
			if r.where == "actor" {
				if r.status != http.StatusUnauthorized {
					t.Errorf("Follow from an actor whose server misbehaves (%s): status %d (%s), want 401", r.kind, r.status, r.reason)
				}
				continue
			}
			switch {
			case r.status != http.StatusAccepted:
				t.Errorf("Create naming a misbehaving object (%s): status %d (%s), want 202", r.kind, r.status, r.reason)
			case !r.end.Finished && r.end.Failed == "":
				t.Errorf("%s object: the job did not end within %s", r.kind, 5*fetchTimeout)
			case r.end.OK() && r.end.Processed.Dropped == "":
				t.Errorf("%s object: a post that cannot be fetched was accepted", r.kind)
			case r.kind != "slow" && !r.end.Finished:
				// A timeout may pass; a redirect loop or an endless
				// document will not.
				t.Errorf("%s object is permanent: the job should give up, not retry", r.kind)
			}
		}
		// The node still serves, and nothing was stored.
		if status, _ := get(t, c, n.URL("/healthz"), ""); status != http.StatusOK {
			t.Errorf("GET /healthz: %d", status)
		}
		if s := stateCounts(t, n); s["posts"] != 0 || s["follows"] != 0 {
			t.Errorf("misbehaving servers changed state: %v", s)
		}
	})
}

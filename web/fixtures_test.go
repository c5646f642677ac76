package web_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/kith-social/kith/federation/fedtest"
	"github.com/kith-social/kith/federation/fedtest/fixtures"
	"github.com/kith-social/kith/federation/httpsig"
	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/storage/storagetest"
	"github.com/kith-social/kith/web/webtest"
)

// The real-payload fixtures (fixtures.Dir: shared/fixtures/fediverse,
// beside the repository) hold activities, objects and collections captured
// from real servers (see their README).

// fixtureActivity is one captured activity.
type fixtureActivity struct {
	Name  string // path under fixturesDir
	Raw   []byte
	ID    string
	Type  string
	Actor string
}

// fixtureSet is every captured document, by id.
type fixtureSet struct {
	activities []fixtureActivity
	docs       map[string]map[string]any // id → document (objects, collections, embedded objects)
}

func loadFixtures(t *testing.T) *fixtureSet {
	t.Helper()
	set := &fixtureSet{docs: map[string]map[string]any{}}
	var embedded []map[string]any
	fixturesDir := fixtures.Dir(t)
	err := filepath.WalkDir(fixturesDir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".json") {
			return err
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(fixturesDir, path)
		rel = filepath.ToSlash(rel)
		var doc map[string]any
		_ = json.Unmarshal(raw, &doc) // not every fixture need be an object; the inbox judges
		if strings.Contains(rel, "/activities/") {
			a := fixtureActivity{Name: rel, Raw: raw}
			if doc != nil {
				a.ID, a.Type, a.Actor = str(doc["id"]), str(doc["type"]), idOf(doc["actor"])
				if a.Actor == "" {
					// Not an activity (a bare Note): sign it for its author, so
					// that the inbox judges the document, not the signature.
					a.Actor = idOf(doc["attributedTo"])
				}
				if obj, ok := doc["object"].(map[string]any); ok {
					embedded = append(embedded, obj)
				}
			}
			set.activities = append(set.activities, a)
			return nil
		}
		if id := str(doc["id"]); id != "" {
			set.docs[id] = doc
		}
		return nil
	})
	if err != nil || len(set.activities) == 0 {
		t.Fatalf("fixtures in %s: %v (%d activities)", fixturesDir, err, len(set.activities))
	}
	// Objects only seen embedded in an activity are served too, so that a
	// fetch by id finds them (captured documents win).
	for len(embedded) > 0 {
		obj := embedded[0]
		embedded = embedded[1:]
		if id := str(obj["id"]); id != "" && obj["type"] != nil && set.docs[id] == nil {
			set.docs[id] = obj
		}
		if inner, ok := obj["object"].(map[string]any); ok {
			embedded = append(embedded, inner)
		}
	}
	// Likely order of events: joins before posts, edits and votes before
	// removals, so that the later activities find what they refer to.
	sort.SliceStable(set.activities, func(i, j int) bool {
		return activityRank(set.activities[i].Type) < activityRank(set.activities[j].Type)
	})
	return set
}

func activityRank(typ string) int {
	switch typ {
	case "Follow":
		return 0
	case "Accept", "Reject":
		return 1
	case "Create":
		return 2
	case "Update", "Announce":
		return 3
	case "Like", "Dislike":
		return 4
	case "Undo":
		return 6
	case "Delete":
		return 7
	default:
		return 5
	}
}

func str(v any) string { s, _ := v.(string); return s }

func idOf(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case map[string]any:
		return str(x["id"])
	}
	return ""
}

// fixtureNet serves the captured documents from fake instances under their
// original host names and signs activities for their actors.
type fixtureNet struct {
	instances map[string]*fedtest.Instance
	keys      map[string]httpsig.Key // actor IRI → the key the test signs with
}

// serveFixtures registers an instance per host and serves every document
// at its id's path. Actor documents carry the real servers' public keys;
// they are served with a key the test controls, under the same keyId, and
// actors the fixtures only name get a minimal document.
func serveFixtures(t *testing.T, network *fedtest.Network, set *fixtureSet, key *rsa.PrivateKey, rewrite func([]byte) []byte) *fixtureNet {
	t.Helper()
	pem, err := httpsig.PublicKeyPEM(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	fn := &fixtureNet{instances: map[string]*fedtest.Instance{}, keys: map[string]httpsig.Key{}}
	serve := func(iri string, doc map[string]any) {
		u, err := url.Parse(iri)
		if err != nil || u.Host == "" || u.Fragment != "" {
			return // an id with a fragment shares its path with another document
		}
		host := strings.ToLower(u.Host)
		host = strings.TrimSuffix(strings.TrimSuffix(host, ":443"), ":80")
		inst := fn.instances[host]
		if inst == nil {
			inst = network.NewInstance(host, fedtest.Mastodon)
			fn.instances[host] = inst
		}
		b, err := json.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		if rewrite != nil {
			b = rewrite(b)
		}
		path := u.Path
		if path == "" {
			path = "/"
		}
		inst.Serve(path, b)
		inst.ServeIRI(iri, b) // the same path may hold an http:// and an https:// id
	}
	for id, doc := range set.docs {
		serve(id, doc)
	}
	var actors []string
	for _, a := range set.activities {
		if a.Actor != "" && !slices.Contains(actors, a.Actor) {
			actors = append(actors, a.Actor)
		}
	}
	for _, actor := range actors {
		doc := set.docs[actor]
		if doc == nil {
			doc = syntheticActor(actor)
		} else {
			doc = cloneMap(doc)
		}
		keyID := actor + "#main-key"
		if pk, ok := doc["publicKey"].(map[string]any); ok && str(pk["id"]) != "" {
			keyID = str(pk["id"])
		}
		doc["publicKey"] = map[string]any{"id": keyID, "owner": actor, "publicKeyPem": pem}
		serve(actor, doc)
		if k, _, _ := strings.Cut(keyID, "#"); k != actor {
			serve(k, doc) // lotide's keyId has a double slash: serve it there too
		}
		fn.keys[actor] = httpsig.Key{ID: keyID, Private: key}
	}
	return fn
}

// syntheticActor is a minimal actor document for an actor the fixtures name
// but did not capture.
func syntheticActor(id string) map[string]any {
	typ := "Person"
	if strings.Contains(id, "/c/") || strings.Contains(id, "/m/") || strings.Contains(id, "/video-channels/") {
		typ = "Group"
	}
	u, _ := url.Parse(id)
	name := filepath.Base(u.Path)
	if name == "/" || name == "." {
		name = u.Hostname()
	}
	return map[string]any{
		"@context":          []any{"https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"},
		"id":                id,
		"type":              typ,
		"preferredUsername": name,
		"inbox":             id + "/inbox",
		"outbox":            id + "/outbox",
		"endpoints":         map[string]any{"sharedInbox": u.Scheme + "://" + u.Host + "/inbox"},
	}
}

func cloneMap(m map[string]any) map[string]any {
	b, _ := json.Marshal(m)
	var c map[string]any
	_ = json.Unmarshal(b, &c)
	return c
}

// fixtureOutcome is what became of one fixture.
type fixtureOutcome struct {
	Name, Type string
	Status     int
	Reason     string // the refusal's text (4xx)
	End        jobEnd
	Queued     bool // recorded and queued for processing
	Repeat     bool // its id was received before: no second effect
}

func (o fixtureOutcome) summary() string {
	switch {
	case o.Status != http.StatusAccepted:
		return "refused " + http.StatusText(o.Status) + ": " + o.Reason
	case o.Repeat:
		return "accepted as a repeat: its id was received before"
	case !o.Queued:
		return "accepted, nothing to do (not queued)"
	default:
		return o.End.String()
	}
}

// feedFixtures POSTs each activity to the shared inbox, signed for its
// actor, and waits for its job. Every one must be accepted and processed
// without an error, or refused with a 4xx.
func feedFixtures(t *testing.T, n *webtest.Node, fn *fixtureNet, acts []fixtureActivity, rewrite func([]byte) []byte) []fixtureOutcome {
	t.Helper()
	j := trackJobs(n)
	c := n.Net.HTTPClient()
	var outs []fixtureOutcome
	for _, a := range acts {
		body := a.Raw
		if rewrite != nil {
			body = rewrite(body)
		}
		var key *httpsig.Key
		if k, ok := fn.keys[a.Actor]; ok {
			key = &k
		}
		o := fixtureOutcome{Name: a.Name, Type: a.Type}
		o.Repeat = a.ID != "" && recorded(t, n, a.ID)
		start := time.Now()
		o.Status, o.Reason = postSigned(t, c, n.URL("/inbox"), body, key, time.Now(), nil)
		if time.Since(start) > 10*time.Second {
			t.Errorf("%s: the inbox took %s to answer", a.Name, time.Since(start))
		}
		switch {
		case o.Status == http.StatusAccepted:
			o.Queued = !o.Repeat && a.ID != "" && recorded(t, n, a.ID)
			if o.Queued {
				o.End = j.wait(t, a.ID, wait)
				if !o.End.OK() {
					t.Errorf("%s: %s", a.Name, o.End)
				}
			}
		case o.Status >= 400 && o.Status < 500 && o.Reason != "":
		default:
			t.Errorf("%s: status %d (%s), want 202 or a 4xx with a reason", a.Name, o.Status, o.Reason)
		}
		outs = append(outs, o)
	}
	rows := make([][]string, 0, len(outs))
	for _, o := range outs {
		rows = append(rows, []string{o.Name, o.Type, o.summary()})
	}
	t.Logf("outcome per fixture:\n%s", table([]string{"fixture", "type", "outcome"}, rows))
	// The node still answers after all of it.
	if status, _ := get(t, c, n.URL("/actor"), activityJSON); status != http.StatusOK {
		t.Errorf("GET /actor after the fixtures: %d", status)
	}
	return outs
}

// TestFixtureActivities feeds every captured activity, as captured, to the
// shared inbox. None concerns a group here, so most are accepted and then
// dropped; what matters is that none is a 5xx, a panic, a hang or a job
// that fails.
func TestFixtureActivities(t *testing.T) {
	t.Parallel()
	set := loadFixtures(t)
	key := testKey(t)
	for _, b := range storagetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			n := webtest.Start(t, b, webtest.Options{})
			// Groups named like the fixtures' communities: the captured
			// activities address them on their own servers, not here.
			for _, name := range []string{"main", "testcom", "tenforward", "foss"} {
				n.CreateGroup(t, name, nil)
			}
			fn := serveFixtures(t, n.Net, set, key, nil)
			outs := feedFixtures(t, n, fn, set.activities, nil)
			if len(outs) != len(set.activities) {
				t.Fatalf("%d outcomes for %d fixtures", len(outs), len(set.activities))
			}
			if s := stateCounts(t, n); s["posts"] != 0 || s["follows"] != 0 || s["reactions"] != 0 {
				t.Errorf("activities for other servers' communities changed state here: %v", s)
			}
		})
	}
}

// communities maps the fixtures' communities to local groups: with the
// addresses rewritten, the same payloads concern groups on this node.
var communities = map[string]string{
	"enterprise.lemmy.ml/c/main":       "main",
	"ds9.lemmy.ml/c/testcom":           "testcom",
	"enterprise.lemmy.ml/c/tenforward": "tenforward",
	"beehaw.org/c/foss":                "foss",
	"some-mbin.instance/m/someMag":     "somemag",
}

func rewriteCommunities(b []byte) []byte {
	s := string(b)
	for remote, local := range communities {
		for _, scheme := range []string{"https://", "http://"} {
			s = strings.ReplaceAll(s, scheme+remote, "http://"+webtest.Host+"/groups/"+local)
		}
	}
	return []byte(s)
}

// TestFixtureActivitiesAddressedHere feeds the captured activities with
// their communities replaced by local groups (open, anyone may post), so
// that the real shapes go through membership, posting and reactions.
func TestFixtureActivitiesAddressedHere(t *testing.T) {
	t.Parallel()
	set := loadFixtures(t)
	key := testKey(t)
	var acts []fixtureActivity
	for _, a := range set.activities {
		body := rewriteCommunities(a.Raw)
		if string(body) == string(a.Raw) || strings.HasPrefix(a.Actor+"/", "http://"+webtest.Host+"/") {
			continue
		}
		if local := string(rewriteCommunities([]byte(a.Actor))); local != a.Actor {
			continue // a community's own activity: groups here send those, never receive them
		}
		acts = append(acts, a)
	}
	for _, b := range storagetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			n := webtest.Start(t, b, webtest.Options{})
			groups := map[string]*storage.Group{}
			for _, name := range communities {
				groups[name] = n.CreateGroup(t, name, func(g *storage.Group) { g.PostingPolicy = storage.PostingAnyone })
			}
			fn := serveFixtures(t, n.Net, set, key, rewriteCommunities)
			outs := feedFixtures(t, n, fn, acts, rewriteCommunities)
			byName := map[string]fixtureOutcome{}
			for _, o := range outs {
				byName[o.Name] = o
			}
			// These real payloads must take effect, not merely be dropped.
			for _, name := range []string{
				"lemmy/activities/following/follow.json",
				"lemmy/activities/create_or_update/create_page.json",
				"lemmy/activities/create_or_update/create_comment.json",
				"lemmy/activities/create_or_update/update_page.json",
				"lemmy/activities/voting/like_note.json",
				"lemmy/activities/voting/undo_like_note.json", // embeds a Like with another id
				"lemmy/activities/voting/dislike_page.json",
				"lemmy/activities/voting/undo_dislike_page.json", // undoes a Dislike with Undo{Like}
				"lemmy/activities/following/undo_follow.json",
				"lemmy/activities/deletion/delete_page.json",
				"mastodon/activities/follow.json",
				"mastodon/activities/undo_follow.json",
				"lotide/activities/follow.json",
			} {
				if o, ok := byName[name]; !ok || o.summary() != "accepted+processed" {
					t.Errorf("%s: %s, want accepted+processed", name, o.summary())
				}
			}
			ds9 := fn.instances["ds9.lemmy.ml"]
			ds9.WaitFor(t, func(d fedtest.Delivery) bool { return d.Type() == "Accept" }, wait)
			// Every vote was taken back, and the page was deleted.
			if s := stateCounts(t, n); s["reactions"] != 0 {
				t.Errorf("%d reactions left after every Undo", s["reactions"])
			}
			if _, err := storage.PostByIRI(ctx, n.DB, groups["main"].ID, "http://ds9.lemmy.ml/post/1"); err == nil {
				t.Error("the deleted Lemmy page is still in the group")
			}
			if _, err := storage.PostByIRI(ctx, n.DB, groups["main"].ID, "http://ds9.lemmy.ml/comment/1"); err != nil {
				t.Errorf("the Lemmy comment is not in the group: %v", err)
			}
		})
	}
}

func testKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

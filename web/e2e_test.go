package web_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/kith-social/kith/federation/fedtest"
	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/storage/storagetest"
	"github.com/kith-social/kith/web/webtest"
)

// wait is the outer limit on waiting for a delivery (see webtest.Wait).
const wait = webtest.Wait

// send posts activity signed by a to target's inbox; it must be accepted.
var send = webtest.Send

func id(activity map[string]any) string { return activity["id"].(string) }

func TestFollowOpenGroupAndPost(t *testing.T) {
	t.Parallel()
	webtest.Each(t, func(t *testing.T, s *webtest.Scenario) {
		ctx := context.Background()
		n, g, group, masto := s.Node, s.Group, s.GroupIRI, s.Masto
		lemmy := n.Net.NewInstance("lemmy.test", fedtest.Lemmy)
		alice, bob := s.Alice(), masto.NewActor("bob")
		carol := lemmy.NewActor("carol")

		// Three members on two servers.
		for _, a := range []*fedtest.Actor{alice, bob, carol} {
			f := a.Follow(group)
			send(t, a, group, f)
			a.Instance().WaitFor(t, func(d fedtest.Delivery) bool {
				return d.Type() == "Accept" && d.ObjectID() == id(f)
			}, wait)
		}
		if n, _ := storage.CountFollows(ctx, n.DB, g.ID, storage.FollowAccepted); n != 3 {
			t.Fatalf("members = %d, want 3", n)
		}

		// Alice mentions the group: every member's server gets the
		// FEP-1b12 Announce{Create} and the plain boost, once per server.
		note := alice.CreateNote(fedtest.Note{Content: "Tomatoes are in!", Mentions: []fedtest.Mention{{Href: group, Name: "@gardeners@" + webtest.Host}}})
		send(t, alice, group, note)
		if p := n.WaitProcessed(t, id(note)); p.Err != nil {
			t.Fatalf("processing: %v", p.Err)
		}
		objectID := fedtest.ObjectID(note)
		for _, inst := range []*fedtest.Instance{masto, lemmy} {
			inst.WaitFor(t, func(d fedtest.Delivery) bool { return d.Type() == "Announce" && d.ObjectID() == objectID }, wait)
			inst.WaitFor(t, func(d fedtest.Delivery) bool { return d.Type() == "Announce" && d.ObjectType() == "Create" }, wait)
		}
		boosts := 0
		for _, d := range masto.Received() {
			if d.Type() == "Announce" && d.ObjectID() == objectID {
				boosts++
				if !d.Shared {
					t.Errorf("boost to %s, want the shared inbox", d.Inbox)
				}
			}
		}
		if boosts != 1 {
			t.Errorf("mastodon.test got %d plain boosts for two members, want 1", boosts)
		}
		p, err := storage.PostByIRI(ctx, n.DB, g.ID, objectID)
		if err != nil {
			t.Fatal(err)
		}
		if p.State != storage.PostPublished || !strings.Contains(p.ContentHTML, "Tomatoes") || p.Visibility != storage.VisibilityPublic {
			t.Errorf("stored post: %+v", p)
		}

		// The same activity again has no second effect.
		resp, err := alice.Post(ctx, masto.SharedInbox(), note)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			t.Errorf("repeat: status %d", resp.StatusCode)
		}

		// A reply from Lemmy is kept in the thread and announced per
		// FEP-1b12, but not boosted to Mastodon (boost_replies is off).
		reply := carol.CreateNote(fedtest.Note{Content: "Mine too", InReplyTo: objectID, Audience: group})
		send(t, carol, group, reply)
		if p := n.WaitProcessed(t, id(reply)); p.Err != nil {
			t.Fatalf("processing reply: %v", p.Err)
		}
		replyID := fedtest.ObjectID(reply)
		rp, err := storage.PostByIRI(ctx, n.DB, g.ID, replyID)
		if err != nil {
			t.Fatal(err)
		}
		if rp.RootID != p.ID || rp.ParentID != p.ID {
			t.Errorf("reply not in the thread: root %s parent %s, want %s", rp.RootID, rp.ParentID, p.ID)
		}
		masto.WaitFor(t, func(d fedtest.Delivery) bool {
			return d.Type() == "Announce" && d.ObjectType() == "Create" && strings.Contains(string(d.Body), replyID)
		}, wait)
		for _, d := range masto.Received() {
			if d.Type() == "Announce" && d.ObjectID() == replyID {
				t.Error("a reply was boosted although boost_replies is off")
			}
		}

		// Alice deletes her post: the group's copy goes, the boost is undone.
		del := alice.Delete(objectID)
		send(t, alice, group, del)
		if p := n.WaitProcessed(t, id(del)); p.Err != nil {
			t.Fatalf("processing delete: %v", p.Err)
		}
		masto.WaitFor(t, func(d fedtest.Delivery) bool {
			obj, _ := d.Activity["object"].(map[string]any)
			return d.Type() == "Undo" && obj != nil && obj["type"] == "Announce" && fedtest.ObjectID(obj) == objectID
		}, wait)
		if _, err := storage.PostByIRI(ctx, n.DB, g.ID, objectID); err == nil {
			t.Error("deleted post still stored")
		}

		// Undo{Follow} ends the membership.
		undo := bob.Undo(bob.Follow(group))
		send(t, bob, group, undo)
		n.WaitProcessed(t, id(undo))
		if n, _ := storage.CountFollows(ctx, n.DB, g.ID, storage.FollowAccepted); n != 2 {
			t.Errorf("members after unfollow = %d, want 2", n)
		}
	})
}

func TestClosedGroupApproval(t *testing.T) {
	t.Parallel()
	closed := webtest.ScenarioOptions{Group: func(g *storage.Group) { g.Closed = true }}
	webtest.EachWith(t, closed, func(t *testing.T, s *webtest.Scenario) {
		ctx := context.Background()
		n, g, group := s.Node, s.Group, s.GroupIRI
		gts := n.Net.NewInstance("gts.test:8080", fedtest.GoToSocial)
		dora, eve := gts.NewActor("dora"), gts.NewActor("eve")
		for _, a := range []*fedtest.Actor{dora, eve} {
			f := a.Follow(group)
			send(t, a, group, f)
			n.WaitProcessed(t, id(f))
		}
		pending, err := storage.ListFollows(ctx, n.DB, g.ID, storage.FollowPending, 10, 0)
		if err != nil || len(pending) != 2 {
			t.Fatalf("pending = %d, %v", len(pending), err)
		}
		if len(gts.Received()) != 0 {
			t.Errorf("a closed group answered before a moderator decided: %v", gts.Received()[0].Type())
		}
		if err := n.Fed.Community.Membership.DecideFollow(ctx, g.Name, dora.ID(), true); err != nil {
			t.Fatal(err)
		}
		if err := n.Fed.Community.Membership.DecideFollow(ctx, g.Name, eve.ID(), false); err != nil {
			t.Fatal(err)
		}
		gts.WaitFor(t, func(d fedtest.Delivery) bool { return d.Type() == "Accept" && d.Inbox == "/users/dora/inbox" }, wait)
		gts.WaitFor(t, func(d fedtest.Delivery) bool { return d.Type() == "Reject" && d.Inbox == "/users/eve/inbox" }, wait)
		if n, _ := storage.CountFollows(ctx, n.DB, g.ID, storage.FollowAccepted); n != 1 {
			t.Errorf("members = %d, want 1", n)
		}
		if err := n.Fed.Community.Membership.DecideFollow(ctx, g.Name, dora.ID(), true); err == nil {
			t.Error("deciding twice should fail")
		}
	})
}

func TestDiscovery(t *testing.T) {
	b := storagetest.Backends()[0]
	n := webtest.Start(t, b, webtest.Options{})
	n.CreateGroup(t, "gardeners", func(g *storage.Group) { g.Closed = true })
	c := n.Net.HTTPClient()
	get := func(path, accept string) (int, http.Header, []byte) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, n.URL(path), nil)
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header, body
	}
	for _, tc := range []struct {
		path, accept string
		status       int
		want         []string
	}{
		{"/.well-known/webfinger?resource=acct:gardeners@kith.test", "", 200, []string{`"subject":"acct:gardeners@kith.test"`, `"href":"http://kith.test/groups/gardeners"`}},
		{"/.well-known/webfinger?resource=acct%3Agardeners%40kith.test", "", 200, []string{`"rel":"self"`}},
		{"/.well-known/webfinger?resource=http://kith.test/groups/gardeners", "", 200, []string{`acct:gardeners@kith.test`}},
		{"/.well-known/webfinger?resource=http://kith.test/", "", 200, []string{`"rel":"https://www.w3.org/ns/activitystreams#Service"`, `http://kith.test/actor`}},
		{"/.well-known/webfinger?resource=acct:nobody@kith.test", "", 404, nil},
		{"/.well-known/webfinger?resource=acct:gardeners@elsewhere.test", "", 404, nil},
		{"/.well-known/webfinger", "", 400, nil},
		{"/.well-known/host-meta", "", 200, []string{`template="http://kith.test/.well-known/webfinger?resource={uri}"`}},
		{"/.well-known/nodeinfo", "", 200, []string{"/nodeinfo/2.0", "/nodeinfo/2.1"}},
		{"/nodeinfo/2.0", "", 200, []string{`"name":"kith"`, `"protocols":["activitypub"]`, `"version":"2.0"`, `"users":{`}},
		{"/nodeinfo/2.1", "", 200, []string{`"version":"2.1"`, `"repository"`}},
		{"/actor", "", 200, []string{`"type":"Application"`, `"preferredUsername":"kith.test"`, `"publicKeyPem"`}},
		{"/groups/gardeners", "application/activity+json", 200, []string{`"type":"Group"`, `"manuallyApprovesFollowers":true`,
			`"sharedInbox":"http://kith.test/inbox"`, `"featured":"http://kith.test/groups/gardeners/featured"`,
			`"attributedTo":"http://kith.test/groups/gardeners/moderators"`, `"publicKey":{`, `"outbox":"http://kith.test/groups/gardeners/outbox"`}},
		{"/groups/gardeners", `application/ld+json; profile="https://www.w3.org/ns/activitystreams"`, 200, []string{`"type":"Group"`}},
		{"/groups/gardeners", "text/html,application/xhtml+xml", 200, []string{"<h1>Gardeners</h1>", "@gardeners@kith.test"}},
		{"/groups/nobody", "application/activity+json", 404, nil},
		{"/groups/gardeners/outbox", "application/activity+json", 200, []string{`"type":"OrderedCollection"`, `"first":"http://kith.test/groups/gardeners/outbox?page=true"`}},
		{"/groups/gardeners/outbox?page=true", "application/activity+json", 200, []string{`"type":"OrderedCollectionPage"`, `"partOf"`}},
		{"/groups/gardeners/followers", "application/activity+json", 200, []string{`"totalItems":0`}},
		{"/groups/gardeners/featured", "application/activity+json", 200, []string{`"orderedItems":[]`}},
		{"/groups/gardeners/moderators", "application/activity+json", 200, []string{`"type":"OrderedCollection"`}},
		{"/groups/gardeners/following", "application/activity+json", 200, []string{`"totalItems":0`}},
	} {
		status, hdr, body := get(tc.path, tc.accept)
		if status != tc.status {
			t.Errorf("GET %s (%s): status %d, want %d: %s", tc.path, tc.accept, status, tc.status, body)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(string(body), w) {
				t.Errorf("GET %s: body lacks %s:\n%s", tc.path, w, body)
			}
		}
		if status == 200 && tc.accept == "application/activity+json" && !strings.HasPrefix(hdr.Get("Content-Type"), "application/activity+json") {
			t.Errorf("GET %s: content type %s", tc.path, hdr.Get("Content-Type"))
		}
		if status == 200 && strings.HasPrefix(tc.accept, "application/") {
			var doc map[string]any
			if err := json.Unmarshal(body, &doc); err != nil {
				t.Errorf("GET %s: not JSON: %v", tc.path, err)
			}
		}
	}
}

// A server that floods an inbox gets 429 with Retry-After before any
// parsing or signature work; other servers are not affected.
func TestInboxRateLimit(t *testing.T) {
	b := storagetest.Backends()[0]
	db, _ := b.Open(t)
	n := webtest.StartOn(t, fedtest.NewNetwork(t), db, webtest.Options{InboxPerMinute: 5})
	n.CreateGroup(t, "g", nil)
	c := n.Net.HTTPClient()
	post := func(ip string) *http.Response {
		req, _ := http.NewRequest(http.MethodPost, n.URL("/inbox"), strings.NewReader("{}"))
		req.RemoteAddr = ip
		req.Header.Set("X-Real-IP", ip) // honoured: the fake network's peer is loopback
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	for i := 0; i < 5; i++ {
		if resp := post("192.0.2.1"); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("request %d: %d, want 401 (unsigned)", i, resp.StatusCode)
		}
	}
	resp := post("192.0.2.1")
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Errorf("flood: %d, Retry-After %q; want 429 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if resp := post("192.0.2.2"); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("another server: %d, want 401 (not limited)", resp.StatusCode)
	}
}

// While the database is unreachable the inbox answers 503 with
// Retry-After (a sender retries), not 500.
func TestInboxDatabaseDown(t *testing.T) {
	t.Parallel()
	webtest.Each(t, func(t *testing.T, s *webtest.Scenario) {
		n, g, alice := s.Node, s.Group, s.Alice()
		if err := n.DB.Close(); err != nil {
			t.Fatal(err)
		}
		resp, err := alice.Post(context.Background(), n.URL("/groups/"+g.Name+"/inbox"), alice.Follow(n.GroupIRI(g.Name)))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") != "30" {
			t.Errorf("POST with the database down: %d, Retry-After %q; want 503 with Retry-After 30", resp.StatusCode, resp.Header.Get("Retry-After"))
		}
	})
}

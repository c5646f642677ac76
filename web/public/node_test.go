package public_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kith-social/kith/federation/fedtest"
	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/web/webtest"
)

const wait = webtest.Wait // an outer limit, see webtest.Wait

// TestNodeNegotiatesPages runs a whole node and checks web.go's wiring: the
// group and post URLs answer HTML to browsers and ActivityStreams to
// servers; the home page, feeds and thread pages are routed.
func TestNodeNegotiatesPages(t *testing.T) {
	t.Parallel()
	webtest.Each(t, func(t *testing.T, s *webtest.Scenario) {
		n, g := s.Node, s.Group
		own := &storage.Post{
			GroupID: g.ID, Kind: "Note", ContentHTML: "<p>Hello from the group</p>",
			Visibility: storage.VisibilityPublic, State: storage.PostPublished,
		}
		own.ID = storage.NewID()
		own.IRI = n.Fed.IRI.Post(g.Name, own.ID)
		own.ObjectRaw = `{"id":"` + own.IRI + `","type":"Note"}`
		if err := storage.CreatePost(context.Background(), n.DB, time.Now(), own); err != nil {
			t.Fatal(err)
		}
		client := n.Net.HTTPClient()
		get := func(path, accept string) (int, string, string) {
			t.Helper()
			req, _ := http.NewRequest(http.MethodGet, n.URL(path), nil)
			req.Header.Set("Accept", accept)
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, resp.Header.Get("Content-Type"), string(body)
		}
		const html = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8" // a browser's
		const as = "application/activity+json"
		tests := []struct {
			path, accept, ctype, want string
		}{
			{"/", html, "text/html; charset=utf-8", `<a href="/groups/gardeners">Gardeners</a>`},
			{"/groups/gardeners", html, "text/html; charset=utf-8", `<h1>Gardeners</h1>`},
			{"/groups/gardeners", as, "application/activity+json; charset=utf-8", `"preferredUsername":"gardeners"`},
			{"/groups/gardeners/posts/" + own.ID, html, "text/html; charset=utf-8", "Hello from the group"},
			{"/groups/gardeners/posts/" + own.ID, as, "application/activity+json; charset=utf-8", `"type":"Note"`},
			{"/groups/gardeners/threads/" + own.ID, html, "text/html; charset=utf-8", "Hello from the group"},
			{"/groups/gardeners/feed.rss", html, "application/rss+xml; charset=utf-8", "Hello from the group"},
			{"/groups/gardeners/feed.atom", html, "application/atom+xml; charset=utf-8", "Hello from the group"},
			{"/groups/gardeners/follow", html, "text/html; charset=utf-8", `name="handle"`},
		}
		for _, tc := range tests {
			status, ctype, body := get(tc.path, tc.accept)
			if status != http.StatusOK || !strings.HasPrefix(ctype, strings.Split(tc.ctype, ";")[0]) || !strings.Contains(body, tc.want) {
				t.Errorf("GET %s (%s) = %d %q, want %q containing %q", tc.path, tc.accept, status, ctype, tc.ctype, tc.want)
			}
			if tc.accept == as && !json.Valid([]byte(body)) {
				t.Errorf("GET %s (%s): not JSON", tc.path, tc.accept)
			}
		}
	})
}

// followAndWait makes a follow the group and waits for the Accept.
func followAndWait(t *testing.T, a *fedtest.Actor, group string) {
	t.Helper()
	f := a.Follow(group)
	send(t, a, group, f)
	a.Instance().WaitFor(t, func(d fedtest.Delivery) bool {
		return d.Type() == "Accept" && d.ObjectID() == f["id"]
	}, wait)
}

// send delivers an activity to the node's inbox and requires 202.
func send(t *testing.T, a *fedtest.Actor, target string, activity map[string]any) {
	t.Helper()
	resp, err := a.Send(context.Background(), target, activity)
	if err != nil {
		t.Fatalf("send %v: %v", activity["type"], err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("send %v: status %d: %s", activity["type"], resp.StatusCode, body)
	}
}

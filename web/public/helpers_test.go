package public_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/uptrace/bun"

	"github.com/kith-social/kith/federation/media"
	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/web/public"
)

const domain = "kith.test"

// site is the public pages on one test database, routed as web.go routes them.
type site struct {
	t       *testing.T
	db      *bun.DB
	h       http.Handler
	dataDir string
	media   *media.Cache
}

func newSite(t *testing.T, db *bun.DB, resolver public.RemoteFollowResolver) *site {
	t.Helper()
	s := &site{t: t, db: db, dataDir: t.TempDir()}
	deps := public.Deps{DB: db, Domain: domain, Scheme: "https", DataDir: s.dataDir, FollowLimit: 1000}
	if db != nil { // the media tests run without a database
		cache, err := media.New(context.Background(), db, media.Config{
			Dir: filepath.Join(s.dataDir, "media-cache"), LocalMedia: "https://" + domain + "/media/",
		})
		if err != nil {
			t.Fatal(err)
		}
		s.media, deps.Media = cache, cache
	}
	if resolver != nil { // a nil *fakeResolver must stay a nil interface
		deps.Resolver = resolver
	}
	p := public.New(deps)
	r := chi.NewRouter()
	p.Routes(r)
	r.Route("/groups/{name}", func(r chi.Router) {
		r.Get("/", p.ServeGroup)
		r.Get("/posts/{id}", p.ServePost)
		p.GroupRoutes(r)
	})
	s.h = r
	return s
}

// response is what a request got back.
type response struct {
	Status int
	Header http.Header
	Body   string
}

func (s *site) get(path string) response {
	s.t.Helper()
	return s.do(httptest.NewRequest(http.MethodGet, path, nil))
}

func (s *site) postForm(path string, form url.Values) response {
	s.t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return s.do(req)
}

func (s *site) do(req *http.Request) response {
	s.t.Helper()
	req.Header.Set("Accept", "text/html")
	rec := httptest.NewRecorder()
	s.h.ServeHTTP(rec, req)
	body, _ := io.ReadAll(rec.Result().Body)
	return response{Status: rec.Code, Header: rec.Header(), Body: string(body)}
}

// fixtures builds groups, actors and posts directly in storage.
type fixtures struct {
	t  *testing.T
	db *bun.DB
}

func (f fixtures) group(name string, mutate func(*storage.Group)) *storage.Group {
	f.t.Helper()
	g := &storage.Group{
		Name: name, Title: strings.ToUpper(name[:1]) + name[1:], SummaryHTML: "<p>The <strong>" + name + "</strong> group.</p>",
		Discoverable: true, PrivateKeyPEM: "-", PublicKeyPEM: "-",
	}
	if mutate != nil {
		mutate(g)
	}
	if err := storage.CreateGroup(context.Background(), f.db, time.Now(), g); err != nil {
		f.t.Fatal(err)
	}
	return g
}

func (f fixtures) actor(username, host string, mutate func(*storage.RemoteActor)) *storage.RemoteActor {
	f.t.Helper()
	a := &storage.RemoteActor{
		IRI: "https://" + host + "/users/" + username, Type: "Person", Username: username, Host: host,
		Name: strings.ToUpper(username[:1]) + username[1:], URL: "https://" + host + "/@" + username,
		IconURL: "https://" + host + "/avatars/" + username + ".png",
		Inbox:   "https://" + host + "/users/" + username + "/inbox",
	}
	if mutate != nil {
		mutate(a)
	}
	if err := storage.UpsertRemoteActor(context.Background(), f.db, time.Now(), a); err != nil {
		f.t.Fatal(err)
	}
	return a
}

func (f fixtures) member(g *storage.Group, a *storage.RemoteActor, state string) {
	f.t.Helper()
	err := storage.UpsertFollow(context.Background(), f.db, time.Now(), &storage.Follow{
		GroupID: g.ID, ActorID: a.ID, ActivityIRI: a.IRI + "#follow-" + g.Name, State: state,
	})
	if err != nil {
		f.t.Fatal(err)
	}
}

// post stores a published public post by author (nil: the group's own) in
// g; parent makes it a reply.
func (f fixtures) post(g *storage.Group, author *storage.RemoteActor, parent *storage.Post, html string, mutate func(*storage.Post)) *storage.Post {
	f.t.Helper()
	p := &storage.Post{
		ID: storage.NewID(), GroupID: g.ID, Kind: "Note", ContentHTML: html,
		Visibility: storage.VisibilityPublic, State: storage.PostPublished,
		PublishedAt: time.Now().UTC().Truncate(time.Millisecond),
	}
	if author != nil {
		p.AuthorID = author.ID
		p.IRI = "https://" + author.Host + "/users/" + author.Username + "/statuses/" + p.ID
		p.URL = "https://" + author.Host + "/@" + author.Username + "/" + p.ID
	} else {
		p.IRI = "https://" + domain + "/groups/" + g.Name + "/posts/" + p.ID
	}
	if parent != nil {
		p.InReplyTo, p.ParentID, p.RootID = parent.IRI, parent.ID, parent.RootID
	}
	if mutate != nil {
		mutate(p)
	}
	if err := storage.CreatePost(context.Background(), f.db, time.Now(), p); err != nil {
		f.t.Fatal(err)
	}
	return p
}

// fakeResolver answers WebFinger lookups from a table.
type fakeResolver struct {
	mu    sync.Mutex
	jrd   map[string]any // resource → document
	calls []string
}

func (r *fakeResolver) RemoteWebFinger(_ context.Context, resource, host string) ([]byte, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, resource+" "+host)
	doc, ok := r.jrd[resource]
	if !ok {
		return nil, errors.New("webfinger: 404 not found")
	}
	return json.Marshal(doc)
}

func jrd(subject string, links ...map[string]string) map[string]any {
	return map[string]any{"subject": subject, "links": links}
}

func mustContain(t *testing.T, what, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("%s lacks %q", what, w)
		}
	}
}

func mustNotContain(t *testing.T, what, body string, unwanted ...string) {
	t.Helper()
	for _, w := range unwanted {
		if strings.Contains(body, w) {
			t.Errorf("%s contains %q", what, w)
		}
	}
}

package admin_test

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/uptrace/bun"

	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/web/admin"
	"github.com/kith-social/kith/web/auth"
	publicpages "github.com/kith-social/kith/web/public"
	"github.com/kith-social/kith/web/webtest"
)

// node is an admin UI served over HTTP on one test database, over a
// complete node (the federation engine with its job queue, registered as
// kith.test in a fake fediverse), so that actions federate for real.
type node struct {
	t       *testing.T
	db      *bun.DB
	srv     *httptest.Server
	admin   *admin.Admin
	clock   *webtest.Clock
	fed     *webtest.Node
	dataDir string
}

type nodeOption func(*admin.Deps)

// createGroupFunc creates groups as the running node does: through the
// federation engine, with its keys, Markdown and new-group defaults.
func createGroupFunc(fed *webtest.Node) func(ctx context.Context, name, title, summary string, closed bool) error {
	return func(ctx context.Context, name, title, summary string, closed bool) error {
		_, err := fed.Fed.Community.Moderation.CreateGroup(ctx, name, title, summary, closed)
		return err
	}
}

// noGroup is the scenario admin tests start from: the first run (setup)
// creates the group.
var noGroup = webtest.ScenarioOptions{NoGroup: true}

// newNode serves the admin UI over the scenario's node.
func newNode(t *testing.T, s *webtest.Scenario, opts ...nodeOption) *node {
	t.Helper()
	db := s.Node.DB
	c := webtest.NewClock(time.Now().UTC())
	n := &node{t: t, db: db, clock: c, dataDir: t.TempDir()}
	n.fed = s.Node
	srv := httptest.NewUnstartedServer(nil)
	d := admin.Deps{
		DB: db, Domain: srv.Listener.Addr().String(), InsecureHTTP: true,
		CreateGroup: createGroupFunc(s.Node), Now: c.Now,
		Services: admin.ServicesOf(n.fed.Fed.Community), DataDir: n.dataDir, Media: n.fed.Media,
	}
	for _, o := range opts {
		o(&d)
	}
	n.admin = admin.New(d)
	r := chi.NewRouter()
	// Tests pick the client address with X-Test-IP, to exercise per-IP limits.
	r.Use(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if ip := r.Header.Get("X-Test-IP"); ip != "" {
				r.RemoteAddr = ip + ":1234"
			}
			next.ServeHTTP(w, r)
		})
	})
	n.admin.Routes(r)
	// Uploads, as the public pages serve them, so that browsers show them.
	r.Handle("/media/*", http.StripPrefix("/media/", http.FileServer(http.Dir(filepath.Join(n.dataDir, "media")))))
	// The public group page, so a browser test can follow a post from the
	// composer to what visitors see.
	pub := publicpages.New(publicpages.Deps{DB: db, Domain: d.Domain, Scheme: "http", DataDir: n.dataDir})
	r.Get("/groups/{name}", pub.ServeGroup)
	srv.Config.Handler = r
	srv.Start()
	t.Cleanup(srv.Close)
	n.srv = srv
	return n
}

// browser is one person's cookie jar on the node. It does not follow
// redirects, so tests see them.
type browser struct {
	t      *testing.T
	n      *node
	c      *http.Client
	header http.Header // added to every request
}

func (n *node) browser() *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		n.t.Fatal(err)
	}
	return &browser{t: n.t, n: n, header: http.Header{}, c: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

type response struct {
	status   int
	body     string
	location string
	header   http.Header
}

func (b *browser) do(req *http.Request) response {
	b.t.Helper()
	for k, v := range b.header {
		req.Header[k] = v
	}
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return response{status: res.StatusCode, body: string(body), location: res.Header.Get("Location"), header: res.Header}
}

func (b *browser) get(path string) response {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodGet, b.n.srv.URL+path, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.do(req)
}

func (b *browser) post(path string, form url.Values, headers ...string) response {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodPost, b.n.srv.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return b.do(req)
}

// upload is a file in a multipart form.
type upload struct {
	field, name string
	data        []byte
}

// postMultipart sends a form with files, as a browser does for forms with
// enctype="multipart/form-data".
func (b *browser) postMultipart(path string, form url.Values, files ...upload) response {
	b.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, vs := range form {
		for _, v := range vs {
			if err := mw.WriteField(k, v); err != nil {
				b.t.Fatal(err)
			}
		}
	}
	for _, f := range files {
		w, err := mw.CreateFormFile(f.field, f.name)
		if err != nil {
			b.t.Fatal(err)
		}
		if _, err := w.Write(f.data); err != nil {
			b.t.Fatal(err)
		}
	}
	if err := mw.Close(); err != nil {
		b.t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, b.n.srv.URL+path, &body)
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.do(req)
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf reads the form token from a page the browser can see.
func (b *browser) csrf() string {
	b.t.Helper()
	res := b.get("/admin/account")
	m := csrfRE.FindStringSubmatch(res.body)
	if res.status != http.StatusOK || m == nil {
		b.t.Fatalf("no CSRF token on /admin/account (status %d)", res.status)
	}
	return m[1]
}

func (b *browser) cookie() string {
	u, _ := url.Parse(b.n.srv.URL)
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == auth.CookieName {
			return c.Value
		}
	}
	return ""
}

const ownerPassword = "correct horse battery"

// setup runs the first-run setup and returns the owner's browser, logged in.
func (n *node) setup(groupName string) *browser {
	n.t.Helper()
	path, ok, err := n.admin.SetupURL(context.Background())
	if err != nil || !ok {
		n.t.Fatalf("SetupURL = %q, %v, %v", path, ok, err)
	}
	u, _ := url.Parse(path)
	b := n.browser()
	res := b.post("/setup", url.Values{
		"token": {u.Query().Get("token")}, "username": {"olive"},
		"password": {ownerPassword}, "password2": {ownerPassword},
		"name": {groupName}, "title": {"Gardeners"}, "summary": {"We *grow* things."}, "join": {"open"},
	})
	if res.status != http.StatusSeeOther || res.location != "/admin" {
		n.t.Fatalf("setup: status %d, location %q\n%s", res.status, res.location, res.body)
	}
	return b
}

// staff creates an account directly in storage.
func (n *node) staff(username, role string, groups ...string) *storage.Staff {
	n.t.Helper()
	ctx := context.Background()
	hash, err := auth.HashPassword(ownerPassword)
	if err != nil {
		n.t.Fatal(err)
	}
	s := &storage.Staff{Username: username, PasswordHash: hash, Role: role}
	if err := storage.CreateStaff(ctx, n.db, time.Now(), s); err != nil {
		n.t.Fatal(err)
	}
	for _, name := range groups {
		g, err := storage.GroupByName(ctx, n.db, name)
		if err != nil {
			n.t.Fatal(err)
		}
		if err := storage.AddModerator(ctx, n.db, time.Now(), g.ID, s.ID); err != nil {
			n.t.Fatal(err)
		}
	}
	return s
}

// group creates a group directly.
func (n *node) group(name string) *storage.Group {
	n.t.Helper()
	if err := createGroupFunc(n.fed)(context.Background(), name, "Title "+name, "", false); err != nil {
		n.t.Fatal(err)
	}
	g, err := storage.GroupByName(context.Background(), n.db, name)
	if err != nil {
		n.t.Fatal(err)
	}
	return g
}

// login logs a new browser in.
func (n *node) login(username, password string) *browser {
	n.t.Helper()
	b := n.browser()
	res := b.post("/login", url.Values{"username": {username}, "password": {password}})
	if res.status != http.StatusSeeOther {
		n.t.Fatalf("login %s: status %d\n%s", username, res.status, res.body)
	}
	return b
}

func wantStatus(t *testing.T, what string, res response, status int) {
	t.Helper()
	if res.status != status {
		t.Fatalf("%s: status %d, want %d\n%s", what, res.status, status, res.body)
	}
}

func wantBody(t *testing.T, what string, res response, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(res.body, p) {
			t.Errorf("%s: page lacks %q\n%s", what, p, res.body)
		}
	}
}

// wantNewGroupDefaults checks the settings the owner's guide promises a new
// group: members post, it is listed, and authors hear about held posts.
func wantNewGroupDefaults(t *testing.T, g *storage.Group) {
	t.Helper()
	if !g.FeedbackDMs || !g.Discoverable || g.PostingPolicy != storage.PostingMembers || g.ReviewQueue {
		t.Errorf("new group %s: feedback_dms %v, discoverable %v, posting %q, review queue %v; want true, true, members, false",
			g.Name, g.FeedbackDMs, g.Discoverable, g.PostingPolicy, g.ReviewQueue)
	}
}

package members_test

import (
	"bytes"
	"html"
	"image"
	"image/png"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/kith-social/kith/federation/fedtest"
	"github.com/kith-social/kith/web/webtest"
)

// browserish is a cookie-keeping HTTP client of the node that does not
// follow redirects, so tests see where each answer points.
type browserish struct {
	n *webtest.Node
	c *http.Client
}

func newClient(t *testing.T, n *webtest.Node) *browserish {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browserish{n: n, c: &http.Client{
		Transport: n.Net.HTTPClient().Transport, Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// get fetches path (or an absolute URL) and returns the status, the
// redirect target and the body.
func (b *browserish) get(t *testing.T, path string) (int, string, string) {
	t.Helper()
	return b.do(t, http.MethodGet, path, nil)
}

// post sends a form.
func (b *browserish) post(t *testing.T, path string, form url.Values) (int, string, string) {
	t.Helper()
	return b.do(t, http.MethodPost, path, form)
}

func (b *browserish) do(t *testing.T, method, path string, form url.Values) (int, string, string) {
	t.Helper()
	u := path
	if !strings.HasPrefix(u, "http") {
		u = b.n.URL(path)
	}
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := b.c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(data)
}

// csrfOf is the form token on a members' page.
func csrfOf(t *testing.T, page string) string {
	t.Helper()
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no CSRF token on the page:\n%s", page)
	}
	return html.UnescapeString(m[1])
}

var signInLink = regexp.MustCompile(`href="([^"]*/me/signin\?token=[^"]+)"`)

// isSignInDM tells whether d is the group's direct message with a sign-in
// link for a.
func isSignInDM(a *fedtest.Actor) func(fedtest.Delivery) bool {
	return func(d fedtest.Delivery) bool {
		obj, _ := d.Activity["object"].(map[string]any)
		content, _ := obj["content"].(string)
		return d.Type() == "Create" && signInLink.MatchString(content) && slices.Contains(recipients(obj["to"]), a.ID())
	}
}

// linkIn is the sign-in link of a DM, checked to be a direct message to a
// alone with a Mention of them, which is what makes Mastodon, GoToSocial
// and Misskey show it as a DM.
func linkIn(t *testing.T, d fedtest.Delivery, a *fedtest.Actor) string {
	t.Helper()
	obj, _ := d.Activity["object"].(map[string]any)
	if to := recipients(obj["to"]); len(to) != 1 || to[0] != a.ID() {
		t.Errorf("sign-in DM addressed to %v, want only %s", to, a.ID())
	}
	if cc := recipients(obj["cc"]); len(cc) > 0 {
		t.Errorf("sign-in DM has cc %v", cc)
	}
	mentioned := false
	tags, _ := obj["tag"].([]any)
	for _, tag := range tags {
		if m, ok := tag.(map[string]any); ok && m["type"] == "Mention" && m["href"] == a.ID() {
			mentioned = true
		}
	}
	if !mentioned {
		t.Errorf("sign-in DM does not mention %s: %v", a.ID(), obj["tag"])
	}
	content, _ := obj["content"].(string)
	return html.UnescapeString(signInLink.FindStringSubmatch(content)[1])
}

func recipients(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// tokenOf is the token of a sign-in link.
func tokenOf(t *testing.T, link string) string {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get("token")
}

// newFormRequest is a POST of form to path, as a browser sends it.
func newFormRequest(t *testing.T, path string, form url.Values) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, "http://"+webtest.Host+path, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return req
}

// serve runs req through h and returns the status.
func serve(h http.Handler, req *http.Request) int {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w.Code
}

// getResp fetches path and returns the response (body read and closed)
// and the body.
func (b *browserish) getResp(t *testing.T, path string) (*http.Response, string) {
	t.Helper()
	resp, err := b.c.Get(b.n.URL(path))
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp, string(data)
}

// pngBytes is a small PNG image.
func pngBytes(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

package public

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/kith-social/kith/storage"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

// pageNames lists every view; New parses each with the layout and fails
// if one is missing or broken.
func pageNames() []string {
	return []string{"home", "group", "thread", "follow", "error", "events", "event", "directory", "report", "modlog"}
}

func (p *Public) templateFuncs() template.FuncMap {
	return template.FuncMap{
		"date": func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.UTC().Format("2 Jan 2006, 15:04 UTC")
		},
		"isoTime": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		// trusted marks HTML that was sanitised before it was stored: post
		// content, actor summaries, profile field values. Nothing else.
		"trusted": func(s string) template.HTML { return template.HTML(s) }, //nolint:gosec // only for sanitised, stored HTML
		// static is the versioned URL of an embedded asset.
		"static": func(name string) string {
			return "/static/public/" + name + "?v=" + p.staticVersion[name]
		},
		// dict builds the argument of a partial: dict "Name" "x" "Label" "X".
		"dict": func(kv ...any) (map[string]any, error) {
			if len(kv)%2 != 0 {
				return nil, errors.New("dict: odd number of arguments")
			}
			m := make(map[string]any, len(kv)/2)
			for i := 0; i < len(kv); i += 2 {
				k, ok := kv[i].(string)
				if !ok {
					return nil, fmt.Errorf("dict: key %v is not a string", kv[i])
				}
				m[k] = kv[i+1]
			}
			return m, nil
		},
		// initial is the first letter of a name, for avatar placeholders.
		"initial": func(s string) string {
			for _, r := range strings.TrimLeft(s, "@ ") {
				return strings.ToUpper(string(r))
			}
			return "?"
		},
		"plural": func(n int, one, many string) string {
			if n == 1 {
				return one
			}
			return many
		},
	}
}

func (p *Public) mustParsePages() map[string]*template.Template {
	base := template.Must(template.New("").Funcs(p.templateFuncs()).
		ParseFS(templateFiles, "templates/layout.html", "templates/partials.html"))
	pages := map[string]*template.Template{}
	for _, name := range pageNames() {
		t := template.Must(template.Must(base.Clone()).ParseFS(templateFiles, "templates/"+name+".html"))
		if t.Lookup("content") == nil {
			panic("public template " + name + " defines no content")
		}
		pages[name] = t
	}
	return pages
}

// page is what every template receives.
type page struct {
	Title     string
	Desc      string // meta description, plain text
	Canonical string // absolute URL of the page, when it has one
	Feeds     []feedLink
	Domain    string
	NoIndex   bool
	Data      any
}

type feedLink struct{ Type, Title, Href string }

// render writes a page with the layout. The page is rendered into a buffer
// first so that a template error becomes a clean 500, not half a page.
func (p *Public) render(w http.ResponseWriter, status int, name string, pg *page) error {
	t, ok := p.pages[name]
	if !ok {
		return fmt.Errorf("render: no page %q", name)
	}
	pg.Domain = p.domain
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", pg); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	p.setPageHeaders(w)
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
	return nil
}

// contentSecurityPolicy: no inline script or style anywhere, scripts and
// styles only from the node; images only from the node (other servers'
// images come through its media cache, so that no page tells another
// server who reads it). Forms post to the node, which may redirect a
// remote-follow to the visitor's server: form-action must allow that hop.
// uploads is where pages link uploads: "/media/" or the origin of
// --media-public-url, which img-src then allows too.
func contentSecurityPolicy(insecure bool, uploads string) string {
	remote := "https:"
	if insecure {
		remote = "https: http:"
	}
	img := "'self' data:"
	if u, err := url.Parse(uploads); err == nil && u.Host != "" {
		img += " " + u.Scheme + "://" + u.Host
	}
	return "default-src 'none'; script-src 'self'; style-src 'self'; img-src " + img +
		"; form-action 'self' " + remote + "; frame-ancestors 'none'; base-uri 'none'"
}

// setPageHeaders: pages may change at any moment (a moderator removes a
// post), so caches revalidate; nothing may frame them or run inline script.
func (p *Public) setPageHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	h.Set("Content-Security-Policy", p.csp)
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Content-Type-Options", "nosniff")
	// The group and post URLs answer ActivityPub JSON too.
	h.Add("Vary", "Accept")
}

// httpError is an error with the status and message a visitor should see.
type httpError struct {
	status int
	msg    string
}

func (e *httpError) Error() string { return fmt.Sprintf("%d: %s", e.status, e.msg) }

// handlerFunc is a public handler: it returns an error and h maps it to a
// status and an error page in one place.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

func (p *Public) h(fn handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := fn(w, r); err != nil {
			p.fail(w, r, err)
		}
	}
}

// fail maps an error to a status and renders the error page.
func (p *Public) fail(w http.ResponseWriter, r *http.Request, err error) {
	status, msg := http.StatusInternalServerError, "Something went wrong on our side. Please try again later."
	var he *httpError
	switch {
	case errors.As(err, &he):
		status, msg = he.status, he.msg
	case errors.Is(err, storage.ErrNotFound):
		status, msg = http.StatusNotFound, "There is nothing here. The address may be mistyped, or the post was removed."
	default:
		p.log.ErrorContext(r.Context(), "public page failed", "path", r.URL.Path, "err", err)
	}
	pg := &page{Title: http.StatusText(status), NoIndex: true, Data: map[string]any{"Status": status, "Message": msg}}
	if rerr := p.render(w, status, "error", pg); rerr != nil {
		p.log.ErrorContext(r.Context(), "render error page", "err", rerr)
		http.Error(w, msg, status)
	}
}

// serveStatic serves the embedded stylesheet and script. Their URLs carry
// a content hash (see "static"), so they may be cached for long.
func (p *Public) serveStatic(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, "/static/public/")
	if _, ok := p.staticVersion[name]; !ok {
		http.NotFound(w, r)
		return
	}
	if r.URL.Query().Get("v") == p.staticVersion[name] {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "public, max-age=300")
	}
	w.Header().Set("X-Content-Type-Options", "nosniff")
	http.ServeFileFS(w, r, p.static, name)
}

// serveFavicon answers /favicon.ico with the node's icon, an SVG.
func (p *Public) serveFavicon(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "public, max-age=86400")
	w.Header().Set("Content-Type", "image/svg+xml")
	http.ServeFileFS(w, r, p.static, "favicon.svg")
}

// mustVersionStatic hashes every embedded asset for cache busting.
func mustVersionStatic(f fs.FS) map[string]string {
	v := map[string]string{}
	err := fs.WalkDir(f, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(f, path)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		v[path] = hex.EncodeToString(sum[:6])
		return nil
	})
	if err != nil {
		panic(err)
	}
	return v
}

func mustSub(f fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(f, dir)
	if err != nil {
		panic(err)
	}
	return sub
}

package members

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/kith-social/kith/federation/community"
	"github.com/kith-social/kith/storage"
)

//go:embed templates/*.html
var templateFiles embed.FS

// pageNames are the templates besides the layout, one per page.
var pageNames = []string{"signin", "sent", "link", "home", "error", "archive", "thread", "directory", "how", "write", "anonymous", "report", "leave", "done", "events", "polls", "invitations", "invitation"}

type pages map[string]*template.Template

// funcs are the templates' helpers.
func funcs() template.FuncMap {
	return template.FuncMap{
		"inc":     func(i int) int { return i + 1 },
		"trusted": func(s string) template.HTML { return template.HTML(s) }, // sanitised when stored (federation/content)
		"date":    when,
		"isoTime": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	}
}

func mustParsePages() pages {
	p := pages{}
	for _, name := range pageNames {
		p[name] = template.Must(template.New(name).Funcs(funcs()).ParseFS(templateFiles, "templates/layout.html", "templates/partials.html", "templates/"+name+".html"))
	}
	return p
}

// page is what the layout renders.
type page struct {
	Title string
	Data  any
}

// render writes a page. Members' pages are nobody else's: never stored by
// a cache, never framed, never indexed, and they leak no address (the
// sign-in link's token) to the sites they link to. ("same-origin", not
// "no-referrer": without a referrer policy that allows it, browsers send
// "Origin: null" with a form, which cross-origin protection refuses on
// plain HTTP, where there is no Sec-Fetch-Site.)
func (m *Members) render(w http.ResponseWriter, status int, name, groupTitle string, data any) error {
	t, ok := m.pages[name]
	if !ok {
		return fmt.Errorf("render: no page %q", name)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", &page{Title: groupTitle, Data: data}); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "private, no-store")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Robots-Tag", "noindex")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
	return nil
}

// httpError is an error with the status and message the visitor sees.
type httpError struct {
	status int
	msg    string
}

func (e *httpError) Error() string { return e.msg }

var errForbidden = &httpError{http.StatusForbidden, "This form has expired or did not come from this site. Go back, reload the page and try again."}

// h adapts a handler that returns an error.
func (m *Members) h(fn func(http.ResponseWriter, *http.Request) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := fn(w, r); err != nil {
			m.fail(w, r, err)
		}
	}
}

// fail is the one place errors become status codes and pages.
func (m *Members) fail(w http.ResponseWriter, r *http.Request, err error) {
	status, msg := http.StatusInternalServerError, "Something went wrong on our side. Try again in a moment."
	var he *httpError
	var bad *community.InputError
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &he):
		status, msg = he.status, he.msg
	case errors.As(err, &bad):
		status, msg = http.StatusUnprocessableEntity, bad.Msg
	case errors.As(err, &tooBig):
		status, msg = http.StatusRequestEntityTooLarge, "The form was too large."
	case errors.Is(err, storage.ErrNotFound):
		status, msg = http.StatusNotFound, "There is nothing here."
	default:
		m.log.ErrorContext(r.Context(), "members' page failed", "path", r.URL.Path, "err", err)
	}
	if rerr := m.render(w, status, "error", "Kith", map[string]string{"Message": msg}); rerr != nil {
		http.Error(w, msg, status)
	}
}

// capitalize starts a sentence with a capital letter.
func capitalize(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + strings.TrimPrefix(s, string(r))
}

// when is a time as the members' pages show it.
func when(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }

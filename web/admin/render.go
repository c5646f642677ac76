package admin

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/web/auth"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

// pageNames lists every view; New parses each with the layout and fails
// if one is missing or broken.
func pageNames() []string {
	return []string{
		"setup", "login", "dashboard", "groups", "group", "group_new",
		"moderators", "invite", "account", "error", "move",
		"group_edit", "posts", "post_form", "requests", "queue", "recent",
		"members", "bans", "reports", "log", "domain_blocks", "federation",
		"modmail", "conversation", "anonymous", "thread", "poll_form", "scheduled",
		"pulse", "notifications", "notification_settings",
		"events", "event_form", "event", "member_profile", "belonging", // belonging.go
		"confirm",              // confirm.go
		"trust", "invitations", // trust.go, invitations.go
	}
}

func templateFuncs(image func(string) string) template.FuncMap {
	return template.FuncMap{
		// image is the node's URL for an image from another server (its
		// media cache), "" when it cannot be shown: the admin pages never
		// make a staff browser ask another server for anything.
		"image": image,
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
		"date": func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.UTC().Format("2 Jan 2006, 15:04 UTC")
		},
		"inc":     func(i int) int { return i + 1 },
		"dec":     func(i int) int { return i - 1 },
		"action":  actionText,
		"isoTime": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		// media is the path of an upload on this node (admin previews; the
		// federated URL is Engine.MediaURL).
		"media":  func(rel string) string { return "/media/" + strings.TrimPrefix(path.Clean("/"+rel), "/") },
		"handle": actorHandle,
		"initial": func(a *storage.RemoteActor) string {
			for _, r := range strings.ToUpper(strings.TrimSpace(a.Name + a.Username)) {
				return string(r)
			}
			return "?"
		},
		// actorFields decodes a remote actor's profile fields (values are
		// sanitised HTML).
		"actorFields": func(a *storage.RemoteActor) []profileField {
			var fs []profileField
			_ = json.Unmarshal([]byte(a.FieldsJSON), &fs) // stored by us; nothing to show on error
			return fs
		},
		// trusted marks HTML that was sanitised before it was stored.
		"trusted": func(s string) template.HTML { return template.HTML(s) }, //nolint:gosec // only for sanitised, stored HTML
	}
}

func mustParsePages(image func(string) string) map[string]*template.Template {
	base := template.Must(template.New("").Funcs(templateFuncs(image)).
		ParseFS(templateFiles, "templates/layout.html", "templates/partials.html"))
	pages := map[string]*template.Template{}
	for _, name := range pageNames() {
		t := template.Must(template.Must(base.Clone()).ParseFS(templateFiles, "templates/"+name+".html"))
		if t.Lookup("content") == nil {
			panic("admin template " + name + " defines no content")
		}
		pages[name] = t
	}
	return pages
}

// page is what every template receives.
type page struct {
	Title  string
	Nav    string        // the active navigation item
	Cur    *auth.Current // nil when nobody is logged in
	Unread int           // the staff member's unread notifications asking them to act, for the top navigation
	Domain string
	Form   *form
	Notice string // a confirmation shown at the top of the page
	Data   any
}

// IsOwner tells the templates whether to show owner-only controls.
func (p *page) IsOwner() bool { return p.Cur != nil && auth.IsOwner(p.Cur.Staff) }

// CSRF is the current session's form token.
func (p *page) CSRF() string {
	if p.Cur == nil {
		return ""
	}
	return p.Cur.CSRF
}

// form carries what the person typed and what is wrong with it, so a page
// shown again after an error keeps the values and says why beside each field.
type form struct {
	values url.Values
	errs   map[string]string
}

func newForm(values url.Values) *form {
	if values == nil {
		values = url.Values{}
	}
	return &form{values: values, errs: map[string]string{}}
}

// parseForm reads a posted form (urlencoded or multipart; the files of a
// multipart form stay in r.MultipartForm).
func parseForm(r *http.Request) (*form, error) {
	if err := readForm(r); err != nil {
		return nil, err
	}
	return newForm(r.PostForm), nil
}

// Get returns the trimmed value of a field.
func (f *form) Get(name string) string { return strings.TrimSpace(f.values.Get(name)) }

// Raw returns a field exactly as typed (passwords).
func (f *form) Raw(name string) string { return f.values.Get(name) }

// Err returns the error for a field ("" for the form as a whole).
func (f *form) Err(name string) string { return f.errs[name] }

// Fail records an error for a field, keeping the first one.
func (f *form) Fail(name, msg string) {
	if _, ok := f.errs[name]; !ok {
		f.errs[name] = msg
	}
}

// Valid tells whether no error was recorded.
func (f *form) Valid() bool { return len(f.errs) == 0 }

// HasErrors tells the templates to show the summary at the top of a form.
func (f *form) HasErrors() bool { return len(f.errs) > 0 }

// render writes a page with the layout. The page is rendered into a buffer
// first so that a template error becomes a clean 500, not half a page.
func (a *Admin) render(w http.ResponseWriter, r *http.Request, status int, name string, p *page) error {
	t, ok := a.pages[name]
	if !ok {
		return fmt.Errorf("render: no page %q", name)
	}
	if p.Cur == nil {
		p.Cur = currentSession(r.Context())
	}
	if p.Form == nil {
		p.Form = newForm(nil)
	}
	p.Domain = a.domain
	if p.Cur != nil {
		// The counter is a convenience: a failure must not cost the page.
		n, err := storage.CountNotificationsToAct(r.Context(), a.db, p.Cur.Staff)
		if err != nil {
			a.log.WarnContext(r.Context(), "count unread notifications", "err", err)
		}
		p.Unread = n
	}
	if p.Notice == "" && r.Method == http.MethodGet {
		p.Notice = noticeText(r.URL.Query().Get("done"))
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	setPageHeaders(w)
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
	return nil
}

// setPageHeaders: pages are private and never cached; nothing outside the
// node may frame them, run scripts in them or post their forms; links
// carrying a token (setup, invitations) must not leak through Referer.
// "same-origin", not "no-referrer": with no-referrer browsers send
// "Origin: null" on form POSTs, and where they send no Sec-Fetch-Site
// (plain HTTP by a name other than localhost) the cross-origin check then
// refuses the node's own forms. same-origin sends the Referer, and a real
// Origin, only to the node itself.
func setPageHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Content-Type-Options", "nosniff")
}

// httpError is an error with the status and message a visitor should see.
type httpError struct {
	status int
	msg    string
}

func (e *httpError) Error() string { return fmt.Sprintf("%d: %s", e.status, e.msg) }

func errNotFound(msg string) error  { return &httpError{http.StatusNotFound, msg} }
func errForbidden(msg string) error { return &httpError{http.StatusForbidden, msg} }

// handlerFunc is an admin handler: it returns an error and h maps it to a
// status and an error page in one place.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

func (a *Admin) h(fn handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := fn(w, r); err != nil {
			a.fail(w, r, err)
		}
	}
}

// fail maps an error to a status and a page.
func (a *Admin) fail(w http.ResponseWriter, r *http.Request, err error) {
	var he *httpError
	switch {
	case errors.As(err, &he):
		a.renderError(w, r, he.status, he.msg)
	case errors.Is(err, storage.ErrNotFound):
		a.renderError(w, r, http.StatusNotFound, "There is nothing here.")
	default:
		a.log.ErrorContext(r.Context(), "admin request failed", "err", err, "path", r.URL.Path)
		a.renderError(w, r, http.StatusInternalServerError, "Something went wrong on the server. It has been logged; try again in a moment.")
	}
}

func (a *Admin) renderError(w http.ResponseWriter, r *http.Request, status int, msg string) {
	p := &page{Title: http.StatusText(status), Data: msg}
	if err := a.render(w, r, status, "error", p); err != nil {
		a.log.ErrorContext(r.Context(), "render error page", "err", err)
		http.Error(w, msg, status)
	}
}

// profileField is a name and an HTML value.
type profileField struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// noticeText is the confirmation shown after an action redirected back
// (?done=key); the keys are fixed so nothing typed reaches the page.
func noticeText(key string) string {
	return map[string]string{
		"saved":          "Saved. Members' servers are told about the new profile.",
		"moved":          "Moved. Members' servers are told, and follow the new group as they process it.",
		"moving-from":    "Saved. The group now lists these addresses as the ones it moves here from.",
		"published":      "Published. The post is on its way to the members.",
		"edited":         "Saved. Members' servers are told about the change.",
		"deleted":        "Deleted. Members' servers are told to delete it too.",
		"pinned":         "Pinned.",
		"unpinned":       "Unpinned.",
		"approved":       "Approved: the member's server is told.",
		"rejected":       "Rejected: the request is gone and the server is told.",
		"decided":        "Someone else decided this already.",
		"published2":     "Approved: the group shares the post with its members.",
		"refused":        "Rejected: the post stays out of the group, and the log has your reason.",
		"removed":        "Removed from the group.",
		"banned":         "Banned: they are out of the group and their server is told.",
		"unbanned":       "The ban is lifted.",
		"cleared":        "The flag is cleared: their posts reach the group without review again.",
		"blocked":        "The server is blocked: its members are out of your groups and everything it sends is refused.",
		"unblocked":      "The domain block is lifted.",
		"resolved":       "The report is resolved.",
		"forwarded":      "The report was sent to the author's server.",
		"dismissed":      "The report is dismissed: nothing was changed, and the log says so.",
		"report-removed": "Removed the reported post from the group, and resolved the report.",
		"report-banned":  "Banned the reported account: they are out and their server is told. The report is resolved.",
		"report-blocked": "Blocked the reported account's server: its members are out of your groups. The report is resolved.",
		"replied":        "Sent: the member sees the group's message in their own app.",
		"noted":          "The note is saved. Only moderators see it.",
		"assigned":       "The conversation's assignment is saved.",
		"closed":         "The conversation is closed. A new message from them reopens it.",
		"reopened":       "The conversation is open again.",
		"anon-ok":        "Approved: the group publishes the post without naming anyone.",
		"anon-no":        "Rejected: the post is not published.",
		"forgotten":      "Forgotten: nobody can tell any more who sent it.",
		"answered":       "Sent: the group's reply is on its way to the thread.",
		"liked":          "Liked as the group.",
		"boosted":        "Boosted as the group.",
		"poll":           "Published. The poll is on its way to the members.",
		"scheduled":      "Scheduled. It is published at the time you chose.",
		"cancelled":      "The scheduled post is cancelled.",
		"welcomed":       "Marked as welcomed.",
		"trust":          "The server's trust level is saved.",
		"read":           "Marked as read.",
		"prefs":          "Your notification settings are saved.",
	}[key]
}

// redirect answers a form with 303 See Other.
func redirect(w http.ResponseWriter, r *http.Request, to string) error {
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

// staticHandler serves the embedded stylesheet.
func (a *Admin) staticHandler() http.HandlerFunc {
	fsrv := http.StripPrefix("/static/admin/", http.FileServerFS(a.static))
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		fsrv.ServeHTTP(w, r)
	}
}

// actorHandle is @user@server, or the actor's IRI when its username is
// unknown.
func actorHandle(a *storage.RemoteActor) string {
	if a == nil {
		return ""
	}
	if a.Username == "" {
		return a.IRI
	}
	return "@" + a.Username + "@" + a.Host
}

package admin

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"

	"github.com/go-chi/chi/v5"

	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/web/auth"
)

type ctxKey int

const (
	sessionKey ctxKey = iota
	groupKey
)

func withSession(ctx context.Context, c *auth.Current) context.Context {
	return context.WithValue(ctx, sessionKey, c)
}

// currentSession is the logged-in session of the request, or nil.
func currentSession(ctx context.Context) *auth.Current {
	c, _ := ctx.Value(sessionKey).(*auth.Current)
	return c
}

func withGroup(ctx context.Context, g *storage.Group) context.Context {
	return context.WithValue(ctx, groupKey, g)
}

// currentGroup is the group a group-scoped route acts on (set by loadGroup).
func currentGroup(ctx context.Context) *storage.Group {
	g, _ := ctx.Value(groupKey).(*storage.Group)
	return g
}

// limitBody bounds what a form may send.
func (a *Admin) limitBody(limit int64) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			r.Body = http.MaxBytesReader(w, r.Body, limit)
			next.ServeHTTP(w, r)
		})
	}
}

// uploadMemory is how much of a multipart form is held in memory; the
// rest of its files is spooled to temporary files, which net/http removes
// when the request ends.
const uploadMemory = 4 << 20

// readForm parses a posted form, urlencoded or multipart. A body over the
// route's limit is 413.
func readForm(r *http.Request) error {
	var err error
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
		err = r.ParseMultipartForm(uploadMemory)
	} else {
		err = r.ParseForm()
	}
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return &httpError{http.StatusRequestEntityTooLarge, fmt.Sprintf("The form was too large (over %d MiB). Choose smaller images.", tooBig.Limit>>20)}
	case err != nil:
		return &httpError{http.StatusBadRequest, "The form could not be read."}
	}
	return nil
}

// loadSession puts the request's session, if any, in its context. It
// refuses nothing: requireStaff does.
func (a *Admin) loadSession(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cur, err := a.sessions.Load(r)
		switch {
		case errors.Is(err, auth.ErrNoSession):
			if _, cerr := r.Cookie(auth.CookieName); cerr == nil {
				a.sessions.Clear(w) // a stale cookie: forget it
			}
		case err != nil:
			a.fail(w, r, err)
			return
		default:
			r = r.WithContext(withSession(r.Context(), cur))
		}
		next.ServeHTTP(w, r)
	})
}

// requireStaff refuses anonymous visitors: a page request is sent to the
// login form (and back afterwards); anything else gets 403.
func (a *Admin) requireStaff(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if currentSession(r.Context()) != nil {
			next.ServeHTTP(w, r)
			return
		}
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		a.renderError(w, r, http.StatusForbidden, "Log in first.")
	})
}

// checkCSRF requires the session's form token on every state change.
func (a *Admin) checkCSRF(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			next.ServeHTTP(w, r)
			return
		}
		if err := readForm(r); err != nil {
			a.fail(w, r, err)
			return
		}
		cur := currentSession(r.Context())
		if cur == nil || !auth.TokensEqual(r.PostFormValue("csrf"), cur.CSRF) {
			a.renderError(w, r, http.StatusForbidden, "This form has expired or did not come from this site. Go back, reload the page and try again.")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// requireOwner refuses everyone but the owner.
func (a *Admin) requireOwner(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cur := currentSession(r.Context())
		if cur == nil || !auth.IsOwner(cur.Staff) {
			a.renderError(w, r, http.StatusForbidden, "Only the owner of this node can do that.")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// loadGroup loads the {group} of a group-scoped route: 404 if there is no
// such group, 403 if the staff member may not manage it.
func (a *Admin) loadGroup(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		g, err := storage.GroupByName(ctx, a.db, chi.URLParam(r, "group"))
		if err != nil {
			a.fail(w, r, err)
			return
		}
		cur := currentSession(ctx)
		var ok bool
		if cur != nil {
			ok, err = auth.CanManageGroup(ctx, a.db, cur.Staff, g.ID)
			if err != nil {
				a.fail(w, r, err)
				return
			}
		}
		if !ok {
			a.renderError(w, r, http.StatusForbidden, "You are not a moderator of this group.")
			return
		}
		next.ServeHTTP(w, r.WithContext(withGroup(ctx, g)))
	})
}

// chiParam is a route parameter of the request.
func chiParam(r *http.Request, name string) string { return chi.URLParam(r, name) }

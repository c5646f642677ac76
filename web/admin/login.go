package admin

import (
	"errors"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/web/auth"
)

func (a *Admin) loginForm(w http.ResponseWriter, r *http.Request) error {
	next := safeNext(r.URL.Query().Get("next"))
	if currentSession(r.Context()) != nil {
		return redirect(w, r, next)
	}
	f := newForm(nil)
	f.values.Set("next", next)
	return a.render(w, r, http.StatusOK, "login", &page{Title: "Log in", Form: f})
}

func (a *Admin) loginSubmit(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	f, err := parseForm(r)
	if err != nil {
		return err
	}
	username := f.Get("username")
	ok, wait, err := a.limiter.Allow(ctx, r, username)
	if err != nil {
		return err
	}
	if !ok {
		secs := int(math.Ceil(wait.Seconds()))
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		a.log.WarnContext(ctx, "login attempt refused: too many", "username", username, "client", auth.ClientKey(r), "retry_after", wait.Round(time.Second))
		f.Fail("", "Too many attempts. Try again in "+waitWords(secs)+".")
		return a.render(w, r, http.StatusTooManyRequests, "login", &page{Title: "Log in", Form: f})
	}
	staff, ok, err := a.checkLogin(r, username, f.Raw("password"))
	if err != nil {
		return err
	}
	if !ok {
		f.Fail("", "Wrong username or password.")
		return a.render(w, r, http.StatusUnprocessableEntity, "login", &page{Title: "Log in", Form: f})
	}
	if err := a.limiter.Succeeded(ctx, r, username); err != nil {
		// The login stands; only its record is missing (the failures
		// stay counted until they are forgotten).
		a.log.WarnContext(ctx, "login limits: recording a successful login", "username", staff.Username, "err", err)
	}
	// A new session every time: an older one in this browser ends.
	if old := currentSession(ctx); old != nil {
		if err := a.sessions.End(ctx, w, old); err != nil {
			return err
		}
	}
	if _, err := a.sessions.Start(ctx, w, staff); err != nil {
		return err
	}
	a.log.InfoContext(ctx, "staff logged in", "username", staff.Username)
	return redirect(w, r, safeNext(f.Get("next")))
}

// waitWords says a wait of secs seconds the way a person would.
func waitWords(secs int) string {
	switch {
	case secs <= 1:
		return "a second"
	case secs < 60:
		return strconv.Itoa(secs) + " seconds"
	case secs < 90:
		return "a minute"
	default:
		return strconv.Itoa((secs+59)/60) + " minutes"
	}
}

// checkLogin tells whether the credentials are right and whose they are.
// An unknown username costs the same argon2id work as a wrong password.
func (a *Admin) checkLogin(r *http.Request, username, password string) (*storage.Staff, bool, error) {
	staff, err := storage.StaffByUsername(r.Context(), a.db, username)
	if errors.Is(err, storage.ErrNotFound) {
		dummy, herr := a.dummyHash()
		if herr != nil {
			return nil, false, herr
		}
		_, _ = auth.CheckPassword(password, dummy)
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	ok, err := auth.CheckPassword(password, staff.PasswordHash)
	if err != nil {
		return nil, false, err
	}
	return staff, ok, nil
}

// safeNext keeps a post-login redirect on the admin UI: anything else
// (another site, "//host", a backslash trick) goes to the dashboard.
func safeNext(next string) string {
	if next == "/admin" || (strings.HasPrefix(next, "/admin/") && !strings.ContainsAny(next, "\\\r\n")) {
		return next
	}
	return "/admin"
}

func (a *Admin) logout(w http.ResponseWriter, r *http.Request) error {
	if err := a.sessions.End(r.Context(), w, currentSession(r.Context())); err != nil {
		return err
	}
	return redirect(w, r, "/login")
}

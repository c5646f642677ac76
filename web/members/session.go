package members

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/kith-social/kith/federation/community"
	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/web/auth"
)

// Session policy.
const (
	// CookieName is the member session's cookie, apart from the staff's.
	CookieName = "kith_member"
	// SessionIdle ends a session that has not been used for this long.
	SessionIdle = 30 * 24 * time.Hour
	// touchEvery limits last-seen writes to one per session per minute.
	touchEvery = time.Minute
	// maxUserAgent is how much of the browser's name a session keeps.
	maxUserAgent = 200
)

// current is the signed-in member of the request.
type current struct {
	Group    *storage.Group
	Session  *storage.MemberSession
	Actor    *storage.RemoteActor
	Standing community.Standing
	CSRF     string // what the session's forms must carry
}

type ctxKey struct{}

func withCurrent(ctx context.Context, c *current) context.Context {
	return context.WithValue(ctx, ctxKey{}, c)
}

// currentMember is the request's signed-in member, or nil.
func currentMember(ctx context.Context) *current {
	c, _ := ctx.Value(ctxKey{}).(*current)
	return c
}

// cookiePath keeps the cookie to one group's members' pages.
func cookiePath(groupName string) string { return "/groups/" + groupName + "/me" }

func (m *Members) setCookie(w http.ResponseWriter, groupName, token string) {
	http.SetCookie(w, &http.Cookie{
		Name: CookieName, Value: token, Path: cookiePath(groupName),
		MaxAge: int(SessionIdle / time.Second), HttpOnly: true, Secure: m.secure, SameSite: http.SameSiteLaxMode,
	})
}

func (m *Members) clearCookie(w http.ResponseWriter, groupName string) {
	http.SetCookie(w, &http.Cookie{
		Name: CookieName, Value: "", Path: cookiePath(groupName),
		MaxAge: -1, HttpOnly: true, Secure: m.secure, SameSite: http.SameSiteLaxMode,
	})
}

// startSession signs actor in to g: a new session row and its cookie.
func (m *Members) startSession(ctx context.Context, w http.ResponseWriter, r *http.Request, g *storage.Group, actor *storage.RemoteActor) error {
	token, err := auth.NewToken()
	if err != nil {
		return err
	}
	ua := r.UserAgent()
	if len(ua) > maxUserAgent {
		ua = ua[:maxUserAgent]
	}
	now := m.now().UTC()
	if _, err := storage.DeleteIdleMemberSessions(ctx, m.db, now.Add(-SessionIdle)); err != nil {
		return err
	}
	s := &storage.MemberSession{TokenHash: auth.HashToken(token), GroupID: g.ID, ActorID: actor.ID, UserAgent: ua, CreatedAt: now}
	if err := storage.CreateMemberSession(ctx, m.db, s); err != nil {
		return fmt.Errorf("sign in %s: %w", actor.IRI, err)
	}
	m.setCookie(w, g.Name, token)
	return nil
}

// loadSession puts the request's member session, if any, in its context.
// A session that went idle, or whose member is no longer one (banned,
// left), ends here: a former member's every session ends at their next
// request. It refuses nothing: requireMember does.
func (m *Members) loadSession(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cur, err := m.load(r)
		if errors.Is(err, errNoSession) {
			if c, cerr := r.Cookie(CookieName); cerr == nil && c.Value != "" {
				m.clearCookie(w, chi.URLParam(r, "name"))
			}
		} else if err != nil {
			m.fail(w, r, err)
			return
		} else {
			r = r.WithContext(withCurrent(r.Context(), cur))
		}
		next.ServeHTTP(w, r)
	})
}

var errNoSession = errors.New("no member session")

func (m *Members) load(r *http.Request) (*current, error) {
	c, err := r.Cookie(CookieName)
	if err != nil || c.Value == "" {
		return nil, errNoSession
	}
	ctx := r.Context()
	g, err := storage.GroupByName(ctx, m.db, chi.URLParam(r, "name"))
	if errors.Is(err, storage.ErrNotFound) {
		return nil, errNoSession
	}
	if err != nil {
		return nil, err
	}
	s, err := storage.MemberSessionByTokenHash(ctx, m.db, g.ID, auth.HashToken(c.Value))
	if errors.Is(err, storage.ErrNotFound) {
		return nil, errNoSession
	}
	if err != nil {
		return nil, fmt.Errorf("load member session: %w", err)
	}
	now := m.now().UTC()
	if !now.Before(s.LastSeenAt.Add(SessionIdle)) || s.Actor == nil {
		if err := storage.DeleteMemberSession(ctx, m.db, g.ID, s.ActorID, s.ID); err != nil && !errors.Is(err, storage.ErrNotFound) {
			return nil, err
		}
		return nil, errNoSession
	}
	standing, err := m.community.StandingOf(ctx, g.ID, s.ActorID)
	if err != nil {
		return nil, err
	}
	if standing == community.NotAMember {
		if _, err := storage.DeleteMemberSessions(ctx, m.db, g.ID, s.ActorID); err != nil {
			return nil, err
		}
		m.log.InfoContext(ctx, "member session ended: no longer a member", "group", g.Name, "actor", s.Actor.IRI)
		return nil, errNoSession
	}
	if now.Sub(s.LastSeenAt) >= touchEvery {
		if err := storage.TouchMemberSession(ctx, m.db, s.ID, now); err != nil && !errors.Is(err, storage.ErrNotFound) {
			return nil, err
		}
		s.LastSeenAt = now
	}
	return &current{Group: g, Session: s, Actor: s.Actor, Standing: standing, CSRF: auth.CSRFToken(c.Value)}, nil
}

// requireMember sends visitors without a session to the sign-in form.
func (m *Members) requireMember(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if currentMember(r.Context()) != nil {
			next.ServeHTTP(w, r)
			return
		}
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			http.Redirect(w, r, cookiePath(chi.URLParam(r, "name"))+"/signin", http.StatusSeeOther)
			return
		}
		m.fail(w, r, &httpError{http.StatusForbidden, "You are signed out. Sign in again and try once more."})
	})
}

// requireFullMember keeps applicants out of what only members see.
func (m *Members) requireFullMember(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if cur := currentMember(r.Context()); cur != nil && cur.Standing == community.Member {
			next.ServeHTTP(w, r)
			return
		}
		m.fail(w, r, &httpError{http.StatusForbidden, "Only members see this. If you asked to join, wait until a moderator lets you in."})
	})
}

// maxForm bounds what a members' form may send.
const maxForm = 16 << 10

func (m *Members) limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxForm)
		next.ServeHTTP(w, r)
	})
}

// checkCSRF requires the session's form token on every form.
func (m *Members) checkCSRF(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			m.fail(w, r, &httpError{http.StatusBadRequest, "The form could not be read."})
			return
		}
		cur := currentMember(r.Context())
		if cur == nil || !auth.TokensEqual(r.PostFormValue("csrf"), cur.CSRF) {
			m.fail(w, r, errForbidden)
			return
		}
		next.ServeHTTP(w, r)
	})
}

package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/uptrace/bun"

	"github.com/kith-social/kith/storage"
)

// Session policy.
const (
	// CookieName is the session cookie.
	CookieName = "kith_session"
	// SessionLifetime is the longest a session lasts, however active.
	SessionLifetime = 30 * 24 * time.Hour
	// SessionIdle ends a session that has not been used for this long.
	SessionIdle = 7 * 24 * time.Hour
	// touchEvery limits last-seen writes to one per session per minute,
	// so browsing the admin UI does not write on every request.
	touchEvery = time.Minute
)

// ErrNoSession means the request carries no valid session: no cookie, an
// unknown token, or an expired session.
var ErrNoSession = errors.New("no valid session")

// Current is the session of the request being served.
type Current struct {
	Session *storage.Session
	Staff   *storage.Staff
	// CSRF is the token the session's forms must carry.
	CSRF string
}

// Sessions issues, loads and ends database-backed staff sessions. The
// cookie holds a random token; the database holds its SHA-256 hash, the
// staff member, the expiry and when the session was last seen.
type Sessions struct {
	db     bun.IDB
	secure bool
	now    func() time.Time
}

// NewSessions manages sessions in db. secure marks the cookie Secure
// (everything but plain-HTTP development); now is the clock (nil: time.Now).
func NewSessions(db bun.IDB, secure bool, now func() time.Time) *Sessions {
	if now == nil {
		now = time.Now
	}
	return &Sessions{db: db, secure: secure, now: now}
}

// Start logs staffID in: it stores a new session and sets its cookie.
func (m *Sessions) Start(ctx context.Context, w http.ResponseWriter, staff *storage.Staff) (*Current, error) {
	token, err := NewToken()
	if err != nil {
		return nil, err
	}
	now := m.now().UTC()
	s := &storage.Session{
		TokenHash: HashToken(token), StaffID: staff.ID,
		CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(SessionLifetime),
	}
	if err := storage.CreateSession(ctx, m.db, now, s); err != nil {
		return nil, fmt.Errorf("log in %s: %w", staff.Username, err)
	}
	http.SetCookie(w, m.cookie(token, s.ExpiresAt))
	return &Current{Session: s, Staff: staff, CSRF: CSRFToken(token)}, nil
}

// Load returns the request's session, or ErrNoSession. An expired session
// is deleted on the way; a live one has its last-seen time refreshed.
func (m *Sessions) Load(r *http.Request) (*Current, error) {
	c, err := r.Cookie(CookieName)
	if err != nil || c.Value == "" {
		return nil, ErrNoSession
	}
	ctx := r.Context()
	s, err := storage.SessionByTokenHash(ctx, m.db, HashToken(c.Value))
	if errors.Is(err, storage.ErrNotFound) {
		return nil, ErrNoSession
	}
	if err != nil {
		return nil, fmt.Errorf("load session: %w", err)
	}
	now := m.now().UTC()
	if !now.Before(s.ExpiresAt) || !now.Before(s.LastSeenAt.Add(SessionIdle)) || s.Staff == nil {
		if err := storage.DeleteSession(ctx, m.db, s.ID); err != nil {
			return nil, err
		}
		return nil, ErrNoSession
	}
	if now.Sub(s.LastSeenAt) >= touchEvery {
		if err := storage.TouchSession(ctx, m.db, s.ID, now); err != nil {
			return nil, err
		}
		s.LastSeenAt = now
	}
	return &Current{Session: s, Staff: s.Staff, CSRF: CSRFToken(c.Value)}, nil
}

// End logs the session out: the row is deleted and the cookie cleared.
func (m *Sessions) End(ctx context.Context, w http.ResponseWriter, cur *Current) error {
	m.Clear(w)
	if cur == nil {
		return nil
	}
	return storage.DeleteSession(ctx, m.db, cur.Session.ID)
}

// Clear removes the session cookie from the browser.
func (m *Sessions) Clear(w http.ResponseWriter) {
	c := m.cookie("", time.Time{})
	c.MaxAge = -1
	http.SetCookie(w, c)
}

func (m *Sessions) cookie(token string, expires time.Time) *http.Cookie {
	c := &http.Cookie{
		Name: CookieName, Value: token, Path: "/",
		HttpOnly: true, Secure: m.secure, SameSite: http.SameSiteLaxMode,
	}
	if !expires.IsZero() {
		c.Expires = expires
		c.MaxAge = int(expires.Sub(m.now()).Seconds())
	}
	return c
}

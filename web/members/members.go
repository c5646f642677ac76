// Package members is the members' own web: the pages a member of a group
// reaches at /groups/NAME/me after signing in with their fediverse handle.
//
// # Signing in
//
// A visitor enters their handle on the group's page. If they are a member
// (or an applicant of a closed group), the group sends them a direct
// message with a one-time link (federation/community: RequestSignInLink);
// everyone gets the same answer page after the same work (the handle is
// looked up by a job after the answer), so the form tells nobody who
// belongs, not even by how long it takes. Requests are limited per handle, per server and per client
// address, in the database (storage.TakeSignInRequest), so the limits hold
// across processes. Opening the link shows a button; pressing it spends
// the token and starts a session. (A GET does not spend it: servers and
// apps fetch links in messages to preview them.)
//
// # Sessions
//
// A member session is not a staff session: its own table
// (member_sessions), its own cookie (kith_member, path /groups/NAME/me, so
// the browser never sends it anywhere else), one group and one remote
// actor, no rights in /admin. It ends after SessionIdle without use, when
// the member signs out (here or everywhere), and at once when they are
// no longer a member: every request checks their standing.
package members

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/uptrace/bun"

	"github.com/kith-social/kith/federation/community"
	"github.com/kith-social/kith/storage"
)

// Community is what the members' pages ask of the group's community; the
// federation engine's community.Service meets it.
type Community interface {
	RequestSignInLink(ctx context.Context, groupID string, addr community.MemberAddress) error
	RedeemSignIn(ctx context.Context, groupName, token string) (*storage.Group, *storage.RemoteActor, error)
	StandingOf(ctx context.Context, groupID, actorID string) (community.Standing, error)
	MembershipOf(ctx context.Context, groupID, actorID string) (*community.MemberProfile, error)
	SaveMemberSettings(ctx context.Context, groupID, actorID string, in community.MemberSettingsInput) error
	SetMemberIntro(ctx context.Context, groupID, actorID, postID string) error
	ConversationWith(ctx context.Context, groupID, actorID string) ([]storage.Message, error)
	WriteToModerators(ctx context.Context, groupID, actorID, text string) error
	PostAnonymously(ctx context.Context, groupID, actorID, text string, membersOnly bool) error
	ReportAsMember(ctx context.Context, groupID, actorID, postID, reason, note string) error
	ReportableMember(ctx context.Context, groupID, actorID, targetID string) (*storage.RemoteActor, error)
	ReportMember(ctx context.Context, groupID, actorID, targetID, reason, note string) error
	LeaveGroup(ctx context.Context, groupID, actorID string) error
	UpcomingEventsFor(ctx context.Context, groupID, actorID string) ([]community.MemberEvent, error)
	RSVPAsMember(ctx context.Context, groupID, actorID, eventID, answer string) (string, error)
	PollsFor(ctx context.Context, groupID, actorID string) ([]community.MemberPoll, error)
	VoteAsMember(ctx context.Context, groupID, actorID, pollID string, optionIDs []string) (bool, error)
}

// Limits bound how often sign-in links may be asked for, so that the form
// cannot be used to flood anyone's messages.
type Limits struct {
	PerHandle, PerServer, PerClient int
	Window                          time.Duration
}

// DefaultLimits: a member who lost a message or two is never held up; a
// stranger can make one person's inbox receive at most 5 links an hour.
func DefaultLimits() Limits {
	return Limits{PerHandle: 5, PerServer: 60, PerClient: 10, Window: time.Hour}
}

// Deps is what the members' pages need.
type Deps struct {
	DB  *bun.DB
	Log *slog.Logger
	// Domain is the node's public host, for the groups' handles; Base is
	// its URL (scheme://domain), for addresses given to other apps.
	Domain, Base string
	Community    Community
	// Now is the clock (nil: time.Now).
	Now func() time.Time
	// InsecureHTTP sends cookies without Secure (development and tests).
	InsecureHTTP bool
	// Limits on sign-in requests; zero fields take DefaultLimits.
	Limits Limits
	// Media shows other servers' images from the node (federation/media's
	// cache); nil shows none. Pages never link a remote image.
	Media MediaCache
}

// MediaCache names the node's URL for another server's image ("" when it
// cannot be shown); federation/media.Cache meets it.
type MediaCache interface {
	URL(remote string) string
}

// Members serves the members' pages.
type Members struct {
	db        *bun.DB
	log       *slog.Logger
	community Community
	now       func() time.Time
	secure    bool
	limits    Limits
	media     MediaCache
	domain    string
	base      string
	pages     pages
	cop       *http.CrossOriginProtection
}

// New builds the members' pages; it panics on a broken template (a bug in
// the binary, found by the first test).
func New(d Deps) *Members {
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	def := DefaultLimits()
	l := d.Limits
	if l.PerHandle <= 0 {
		l.PerHandle = def.PerHandle
	}
	if l.PerServer <= 0 {
		l.PerServer = def.PerServer
	}
	if l.PerClient <= 0 {
		l.PerClient = def.PerClient
	}
	if l.Window <= 0 {
		l.Window = def.Window
	}
	m := &Members{db: d.DB, log: d.Log, community: d.Community, now: d.Now, secure: !d.InsecureHTTP, limits: l, media: d.Media, domain: d.Domain, base: d.Base}
	m.pages = mustParsePages()
	// Forms without a session yet (asking for a link, using it) are
	// refused when another site posts them: nobody can sign a visitor in
	// to someone else's session.
	m.cop = http.NewCrossOriginProtection()
	m.cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.fail(w, r, errForbidden)
	}))
	return m
}

// GroupRoutes mounts the members' pages under a /groups/{name} router.
func (m *Members) GroupRoutes(r chi.Router) {
	r.Route("/me", func(r chi.Router) {
		r.Use(m.loadSession)
		public := r
		r.Get("/signin", m.h(m.signInPage))
		r.With(m.cop.Handler, m.limitBody).Post("/signin", m.h(m.requestLink))
		r.With(m.cop.Handler, m.limitBody).Post("/session", m.h(m.redeem))
		r.Get("/calendar/{file}", m.h(m.calendarFeed)) // the secret token is the key (calendar.go)
		r.Group(func(r chi.Router) {
			r.Use(m.requireMember)
			r.Get("/", m.h(m.home))
			r.Get("/how", m.h(m.how))
			r.Get("/write", m.h(m.writePage))
			r.With(m.cop.Handler, m.limitBody, m.checkCSRF).Post("/write", m.h(m.write))
			r.Get("/leave", m.h(m.leavePage))
			r.With(m.cop.Handler, m.limitBody, m.checkCSRF).Post("/leave", m.h(m.leave))
			r.Group(func(r chi.Router) {
				r.Use(m.requireFullMember)
				r.Get("/archive", m.h(m.archive))
				r.Get("/threads/{id}", m.h(m.threadPage))
				r.Get("/directory", m.h(m.directory))
				r.Get("/events", m.h(m.events))
				r.With(m.cop.Handler, m.limitBody, m.checkCSRF).Post("/events/{id}/rsvp", m.h(m.rsvp))
				r.With(m.cop.Handler, m.limitBody, m.checkCSRF).Post("/calendar", m.h(m.calendarLink))
				r.Get("/polls", m.h(m.polls))
				r.With(m.cop.Handler, m.limitBody, m.checkCSRF).Post("/polls/{id}/vote", m.h(m.vote))
				r.Get("/anonymous", m.h(m.anonPage))
				r.With(m.cop.Handler, m.limitBody, m.checkCSRF).Post("/anonymous", m.h(m.anon))
				r.Get("/report/{id}", m.h(m.reportPage))
				r.With(m.cop.Handler, m.limitBody, m.checkCSRF).Post("/report/{id}", m.h(m.report))
				r.Get("/members/{id}/report", m.h(m.reportMemberPage))
				r.With(m.cop.Handler, m.limitBody, m.checkCSRF).Post("/members/{id}/report", m.h(m.reportMember))
				m.inviteRoutes(r, public) // invite.go
			})
			r.With(m.cop.Handler, m.limitBody, m.checkCSRF).Post("/settings", m.h(m.saveSettings))
			r.With(m.cop.Handler, m.limitBody, m.checkCSRF).Post("/intro", m.h(m.saveIntro))
			r.With(m.cop.Handler, m.limitBody, m.checkCSRF).Post("/level", m.h(m.saveLevelShown)) // trust.go
			r.With(m.cop.Handler, m.limitBody, m.checkCSRF).Post("/signout", m.h(m.signOut))
			r.With(m.cop.Handler, m.limitBody, m.checkCSRF).Post("/signout-everywhere", m.h(m.signOutEverywhere))
			r.With(m.cop.Handler, m.limitBody, m.checkCSRF).Post("/sessions/{id}/end", m.h(m.endSession))
		})
	})
}

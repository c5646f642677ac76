// Package admin is the staff-facing web UI: first-run setup, login and
// logout, the dashboard, groups, moderators and invitations, and the
// account page; moderation (requests with join answers, the review queue,
// members, bans, reports, the log, domain blocks and server trust); talking
// with members (modmail, anonymous posts, replying, liking and boosting as
// the group in a thread); the composer, polls and scheduled posts; the
// community pulse; and staff notifications. Pages are server-rendered from
// embedded templates and work without JavaScript (the pulse's chart is SVG
// drawn on the server, its numbers also in a table).
//
// Times typed in forms (poll end, publication time) are datetime-local
// values read in an explicit UTC offset chosen beside them, UTC by
// default: the server cannot know the browser's zone without JavaScript.
//
// Security decisions (see also web/auth):
//
//   - Sessions live in the database (table staff_sessions). The cookie
//     kith_session holds 32 random bytes; the row holds their SHA-256, the
//     staff member, an absolute expiry (30 days) and the last-seen time (a
//     session unused for 7 days ends). Cookie: HttpOnly, SameSite=Lax,
//     Path=/, Secure unless the node runs on plain HTTP.
//   - CSRF has two layers. Go's http.CrossOriginProtection refuses every
//     non-GET request that the browser marks as cross-origin (Sec-Fetch-Site,
//     or Origin against Host), on every route here, logged in or not: that
//     covers login CSRF too. Behind it, every form of a logged-in session
//     carries a per-session token (an HMAC of the session's secret, so it
//     needs no storage) that POST handlers require. The token keeps the
//     protection when a browser sends neither header (old browsers, some
//     privacy extensions strip Origin) and does not depend on the reverse
//     proxy passing the right Host. Forms used before logging in (setup,
//     invitation) carry a secret of their own, the link's token, which a
//     forger cannot know.
//   - Password guessing is bounded in the database, across processes
//     (auth.LoginLimiter, owned by Admin), without locking anyone out:
//     growing delays per username and client, and hourly budgets per
//     client and per username from which a client that logged in to that
//     username before is exempt. Unknown
//     usernames cost the same argon2id work as wrong passwords.
//   - Roles: the owner may do everything; a moderator may see and act on
//     the groups they moderate (group_moderators) and nothing node-wide
//     (domain blocks and federation health are the owner's). Group-scoped
//     routes load their group and check the role on every request; ids in
//     their paths (posts, requests, reports) must belong to that group, or
//     the answer is 404.
//   - Uploads (avatar, header, composer images) are sniffed with
//     http.DetectContentType (PNG, JPEG, GIF, WebP only), bounded to
//     8 MiB and 50 megapixels before decoding, decoded, scaled down and
//     re-encoded as PNG or JPEG, which drops every piece of metadata. They
//     are stored under DataDir/media/groups/<group-id>/ with random names.
//     Only the two forms with images accept bodies over 1 MiB.
//   - Everything that other servers see goes through the community
//     services (services.go: Posting, Moderation, Membership, Modmail,
//     Events, Belonging), which federate it and write the moderation log in the
//     same transaction.
package admin

import (
	"context"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/uptrace/bun"

	"github.com/kith-social/kith/federation/content"
	"github.com/kith-social/kith/federation/mediastore"
	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/web/auth"
)

// InviteLifetime is how long a moderator invitation link stays valid.
const InviteLifetime = 7 * 24 * time.Hour

// maxFormBytes bounds every form body the admin UI reads, except the two
// forms that carry images.
const maxFormBytes = 1 << 20

// Forms with images: the group settings (avatar and header) and the
// composer (up to maxImages images) accept larger bodies; each file is
// still bounded by maxImageBytes.
const (
	maxSettingsBytes = 2*maxImageBytes + maxFormBytes
	maxComposerBytes = 40 << 20
	maxEventBytes    = maxImageBytes + maxFormBytes
)

// Deps is what the admin UI needs from the rest of the node.
type Deps struct {
	DB           *bun.DB
	Log          *slog.Logger
	Domain       string // public host (and port) of the node, for handles and links
	InsecureHTTP bool   // development: links use http:// and the cookie is not Secure
	// CreateGroup makes a new group (keys, profile, federation state). The
	// summary is Markdown. A taken name must be reported as
	// storage.ErrConflict.
	CreateGroup func(ctx context.Context, name, title, summaryMarkdown string, closed bool) error
	// Services federate what staff do (unset only for the setup URL
	// helper, which serves no pages).
	Services Services
	// DataDir is the node's data directory: uploads go to DataDir/media
	// unless MediaStore is set.
	DataDir string
	// MediaStore keeps uploads (keys under media/); nil is the data
	// directory (mediastore.NewDir(DataDir)).
	MediaStore mediastore.Store
	// LoginLimits bounds login attempts; zero fields take
	// auth.DefaultLoginLimits.
	LoginLimits auth.LoginLimits
	// Now is the clock (nil: time.Now); tests move it to expire sessions.
	Now func() time.Time
	// Media shows other servers' images from the node; nil shows
	// placeholders instead.
	Media MediaCache
}

// MediaCache names the node's URL for an image from another server, or ""
// when it cannot be shown (federation/media.Cache).
type MediaCache interface {
	URL(remote string) string
}

// Admin serves the admin UI. Everything it keeps between requests (the
// parsed templates, the login limiter) lives here, not in package state.
type Admin struct {
	db          *bun.DB
	log         *slog.Logger
	domain      string
	scheme      string
	createGroup func(ctx context.Context, name, title, summaryMarkdown string, closed bool) error
	now         func() time.Time
	posting     Posting
	moderation  Moderation
	membership  Membership
	modmail     Modmail
	events      Events
	belonging   Belonging
	store       mediastore.Store
	trust       Trust
	markdown    *content.Sanitizer
	media       MediaCache

	sessions  *auth.Sessions
	limiter   *auth.LoginLimiter
	cop       *http.CrossOriginProtection
	pages     map[string]*template.Template
	static    fs.FS
	dummyHash func() (string, error)
}

// New builds the admin UI. It parses every template and panics if one is
// broken: that is a bug in the binary, found by the first test.
func New(d Deps) *Admin {
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.MediaStore == nil {
		d.MediaStore = mediastore.NewDir(d.DataDir)
	}
	a := &Admin{
		db:          d.DB,
		log:         d.Log,
		domain:      d.Domain,
		scheme:      "https",
		createGroup: d.CreateGroup,
		now:         d.Now,
		posting:     d.Services.Posting,
		moderation:  d.Services.Moderation,
		membership:  d.Services.Membership,
		modmail:     d.Services.Modmail,
		events:      d.Services.Events,
		belonging:   d.Services.Belonging,
		store:       d.MediaStore,
		trust:       d.Services.Trust,
		markdown:    content.New(),
		sessions:    auth.NewSessions(d.DB, !d.InsecureHTTP, d.Now),
		limiter:     auth.NewLoginLimiter(d.DB, d.LoginLimits, d.Now),
		cop:         http.NewCrossOriginProtection(),
		media:       d.Media,
		static:      mustSub(staticFiles, "static"),
		// A hash to check against when the username is unknown, so that a
		// missing account takes as long as a wrong password.
		dummyHash: sync.OnceValues(func() (string, error) {
			return auth.HashPassword("kith: no such account, same work")
		}),
	}
	if d.InsecureHTTP {
		a.scheme = "http"
	}
	a.pages = mustParsePages(a.imageURL)
	a.cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.renderError(w, r, http.StatusForbidden, "This request came from another site and was refused. Reload the page and try again.")
	}))
	return a
}

// Routes mounts the admin UI on r: /setup, /login, /logout, /admin/… and
// the stylesheet under /static/admin/. This is the package's route table.
//
// Middleware order matters: the body limit comes before checkCSRF, which
// reads the form; the two forms with images get a larger limit.
func (a *Admin) Routes(r chi.Router) {
	r.Get("/static/admin/*", a.staticHandler())
	r.Head("/static/admin/*", a.staticHandler())
	r.Group(func(r chi.Router) {
		r.Use(a.cop.Handler, a.loadSession)
		forms := a.limitBody(maxFormBytes)

		r.With(forms).Get("/setup", a.h(a.setupForm))
		r.With(forms).Post("/setup", a.h(a.setupSubmit))
		r.With(forms).Get("/login", a.h(a.loginForm))
		r.With(forms).Post("/login", a.h(a.loginSubmit))
		r.With(a.requireStaff, forms, a.checkCSRF).Post("/logout", a.h(a.logout))

		r.Route("/admin", func(r chi.Router) {
			// The invitee has no account yet: the link's token is the credential.
			r.With(forms).Get("/invite/{token}", a.h(a.inviteForm))
			r.With(forms).Post("/invite/{token}", a.h(a.inviteAccept))

			r.Group(func(r chi.Router) {
				r.Use(a.requireStaff, forms, a.checkCSRF)
				r.Get("/", a.h(a.dashboard))
				r.Get("/groups", a.h(a.groupList))
				r.Get("/reports", a.h(a.reportListAll))
				r.Get("/account", a.h(a.account))
				r.Post("/account/password", a.h(a.passwordChange))
				r.Get("/notifications", a.h(a.notificationList))
				r.Post("/notifications/read", a.h(a.notificationsRead))
				r.Get("/notifications/settings", a.h(a.notificationSettingsForm))
				r.Post("/notifications/settings", a.h(a.notificationSettingsSave))

				r.Group(func(r chi.Router) {
					r.Use(a.requireOwner)
					r.Get("/new-group", a.h(a.groupNewForm))
					r.Post("/new-group", a.h(a.groupCreate))
					r.Get("/domain-blocks", a.h(a.domainBlockList))
					r.Post("/domain-blocks", a.h(a.domainBlockAdd))
					r.Post("/domain-blocks/remove", a.h(a.domainBlockRemove))
					r.Post("/domain-blocks/trust", a.h(a.domainTrustSet))
					r.Get("/federation", a.h(a.federationHealth))
				})
			})

			r.Route("/groups/{group}", func(r chi.Router) {
				r.Use(a.requireStaff, a.loadGroup)
				r.Group(func(r chi.Router) {
					r.Use(forms, a.checkCSRF)
					r.Get("/", a.h(a.groupShow))
					r.Get("/edit", a.h(a.groupEditForm))
					r.Get("/moderators", a.h(a.moderatorList))
					r.With(a.requireOwner).Post("/invites", a.h(a.inviteCreate))
					r.With(a.requireOwner).Post("/invites/{invite}/revoke", a.h(a.inviteRevoke))
					r.With(a.requireOwner).Post("/moderators/{staff}/remove", a.h(a.moderatorRemove))
					r.With(a.requireOwner).Get("/move", a.h(a.moveForm))
					r.With(a.requireOwner).Post("/move", a.h(a.moveSubmit))
					r.With(a.requireOwner).Post("/move/from", a.h(a.movingFromSubmit))

					// The group's own posts.
					r.Get("/posts", a.h(a.postList))
					r.Get("/posts/new", a.h(a.postNewForm))
					r.Get("/posts/{post}/edit", a.h(a.postEditForm))
					r.Post("/posts/{post}/edit", a.h(a.postEdit))
					r.Post("/posts/{post}/delete", a.h(a.postDelete))
					r.Post("/posts/{post}/pin", a.h(a.postPin(true)))
					r.Post("/posts/{post}/unpin", a.h(a.postPin(false)))

					// Moderation.
					r.Get("/requests", a.h(a.requestList))
					r.Post("/requests/{follow}/approve", a.h(a.requestDecide(true)))
					r.Post("/requests/{follow}/reject", a.h(a.requestDecide(false)))
					r.Post("/requests/bulk", a.h(a.requestBulk))
					r.Get("/queue", a.h(a.queueList))
					r.Post("/queue/{post}/approve", a.h(a.queueApprove))
					r.Post("/queue/{post}/reject", a.h(a.queueReject))
					r.Post("/queue/bulk", a.h(a.queueBulk))
					r.Get("/recent", a.h(a.recentList))
					r.Post("/recent/{post}/remove", a.h(a.postRemove))
					r.Get("/members", a.h(a.memberList))
					r.Post("/members/{actor}/ban", a.h(a.memberBan))
					r.Get("/bans", a.h(a.banList))
					r.Post("/bans/{actor}/unban", a.h(a.memberUnban))
					r.Get("/reports", a.h(a.reportList))
					r.Post("/reports/{report}/resolve", a.h(a.reportResolve))
					r.Post("/reports/{report}/forward", a.h(a.reportForward))
					r.Post("/reports/{report}/act", a.h(a.reportAct))
					r.Get("/log", a.h(a.logList))

					// Talking with members: modmail, anonymous posts, threads.
					r.Get("/modmail", a.h(a.modmailList))
					r.Get("/modmail/{conversation}", a.h(a.modmailShow))
					r.Post("/modmail/{conversation}/reply", a.h(a.modmailReply(false)))
					r.Post("/modmail/{conversation}/note", a.h(a.modmailReply(true)))
					r.Post("/modmail/{conversation}/assign", a.h(a.modmailAssign))
					r.Post("/modmail/{conversation}/close", a.h(a.modmailState(storage.ConversationClosed)))
					r.Post("/modmail/{conversation}/reopen", a.h(a.modmailState(storage.ConversationOpen)))
					r.Get("/anonymous", a.h(a.anonList))
					r.Post("/anonymous/{request}/approve", a.h(a.anonDecide(true)))
					r.Post("/anonymous/{request}/reject", a.h(a.anonDecide(false)))
					r.Post("/anonymous/{request}/forget", a.h(a.anonForget))
					r.Get("/threads/{post}", a.h(a.threadShow))
					r.Post("/threads/{post}/reply", a.h(a.threadReply))
					r.Post("/threads/{post}/like", a.h(a.threadLike))
					r.Post("/threads/{post}/boost", a.h(a.threadBoost))

					// Polls, scheduled posts and the community pulse.
					r.Get("/polls/new", a.h(a.pollNewForm))
					r.Post("/polls/new", a.h(a.pollCreate))
					r.Get("/scheduled", a.h(a.scheduledList))
					r.Post("/scheduled/{scheduled}/cancel", a.h(a.scheduledCancel))
					r.Get("/pulse", a.h(a.pulse))
					r.Post("/pulse/welcomed/{actor}", a.h(a.markWelcomed))
					a.belongingRoutes(r) // events, profiles, roles, badges, digest (belonging.go)
					a.trustRoutes(r)     // trust levels (trust.go)
				})
				// Forms with images.
				r.With(a.limitBody(maxSettingsBytes), a.checkCSRF).Post("/edit", a.h(a.groupEdit))
				r.With(a.limitBody(maxComposerBytes), a.checkCSRF).Post("/posts/new", a.h(a.postCreate))
				r.With(a.limitBody(maxEventBytes), a.checkCSRF).Post("/events/new", a.h(a.eventCreate)) // a cover image
				r.With(a.limitBody(maxEventBytes), a.checkCSRF).Post("/events/{event}/edit", a.h(a.eventEdit))
			})
		})
	})
}

// SetupURL returns the path of the one-time setup page while the node has
// no owner, creating the setup token on first use and keeping it until the
// setup is done; ok is false once an owner exists.
func (a *Admin) SetupURL(ctx context.Context) (string, bool, error) {
	n, err := storage.CountOwners(ctx, a.db)
	if err != nil {
		return "", false, err
	}
	if n > 0 {
		return "", false, nil
	}
	token, err := auth.NewToken()
	if err != nil {
		return "", false, err
	}
	// Several processes may start at once: they agree on the first token.
	if _, err := storage.SetSettingIfAbsent(ctx, a.db, a.now(), storage.SettingSetupToken, token); err != nil {
		return "", false, fmt.Errorf("store setup token: %w", err)
	}
	token, err = storage.GetSetting(ctx, a.db, storage.SettingSetupToken)
	if err != nil {
		return "", false, fmt.Errorf("read setup token: %w", err)
	}
	return "/setup?token=" + url.QueryEscape(token), true, nil
}

// absURL makes an absolute link on this node.
func (a *Admin) absURL(path string) string { return a.scheme + "://" + a.domain + path }

func mustSub(f fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(f, dir)
	if err != nil {
		panic(err)
	}
	return sub
}

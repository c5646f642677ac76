// Package web is Kith's HTTP face: the one route table, middleware, and the
// ActivityPub, WebFinger and NodeInfo endpoints; it mounts the admin UI
// (web/admin) and the public pages (web/public). Handlers are thin: they call the federation engine and
// storage, and map errors to status codes in one place.
package web

import (
	"cmp"
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/uptrace/bun"

	"github.com/kith-social/kith/federation"
	"github.com/kith-social/kith/federation/actors"
	"github.com/kith-social/kith/federation/community"
	"github.com/kith-social/kith/federation/media"
	"github.com/kith-social/kith/federation/mediastore"
	"github.com/kith-social/kith/federation/metrics"
	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/web/admin"
	"github.com/kith-social/kith/web/members"
	"github.com/kith-social/kith/web/public"
)

// Deps is what the web layer needs from the rest of the node.
type Deps struct {
	DB *bun.DB
	// Reads serves the public pages, which only read; nil means DB. On
	// SQLite it is storage.OpenReadPool's readers.
	Reads        *bun.DB
	Fed          *federation.Engine
	Log          *slog.Logger
	InsecureHTTP bool   // cookies without Secure (development and tests)
	DataDir      string // uploaded media live in DataDir/media
	// Media is the cache of other servers' images (federation/media); nil
	// shows placeholders where they would be.
	Media *media.Cache
	// MediaStore keeps uploads (--media-store); nil is the data directory.
	MediaStore mediastore.Store
	// MediaPublicURL, when set (--media-public-url), is where public
	// pages link uploads: a CDN in front of the bucket.
	MediaPublicURL string
	// InboxPerMinute caps inbox POSTs per client IP and minute, checked
	// before any work (0: DefaultInboxPerMinute); POSTs whose signature
	// verifies count against InboxPerServerPerMinute, per signing server,
	// instead (0: DefaultInboxPerServerPerMinute). See inboxlimit.go.
	InboxPerMinute          int
	InboxPerServerPerMinute int
	// Now is the clock of the inbox budgets (tests); nil is time.Now.
	Now func() time.Time
	// TrustedProxies are the reverse proxies whose X-Forwarded-For and
	// X-Real-IP headers name the client (clientip.go). nil means
	// DefaultTrustedProxies (loopback); an empty non-nil slice trusts no
	// one.
	TrustedProxies []netip.Prefix
	// LocalTrial is a node without a public domain: browsers connect to it
	// directly on the loopback, so a loopback request without proxy
	// headers is expected and not worth a warning.
	LocalTrial bool
	// Metrics, when set, receives request timings and inbox refusals, and
	// gets the collectors of the database and job queue; it is served on
	// its own listener (Metrics.Handler), never by this handler.
	Metrics *metrics.Metrics
}

// The admin UI and the public pages declare what they use of the
// community and of the actors (ServicesOf checks the admin's).

// Server holds the handlers' dependencies.
type Server struct {
	inboxLimits    *inboxLimits
	dataDir        string
	db             *bun.DB
	reads          *bun.DB // the read pool, nil without one
	fed            *federation.Engine
	log            *slog.Logger
	admin          *admin.Admin
	public         *public.Public
	members        *members.Members
	trustedProxies []netip.Prefix
	localTrial     bool
	// noClientIPWarning logs, once per process, that a trusted proxy sends
	// no client address (clientip.go).
	noClientIPWarning sync.Once
	metrics           *metrics.Metrics // nil: none
}

// New builds the node's HTTP handler.
func New(d Deps) http.Handler {
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	s := &Server{db: d.DB, reads: d.Reads, fed: d.Fed, log: d.Log, dataDir: d.DataDir, metrics: d.Metrics}
	s.trustedProxies, s.localTrial = d.TrustedProxies, d.LocalTrial
	if s.trustedProxies == nil {
		s.trustedProxies = DefaultTrustedProxies()
	}
	if d.Metrics != nil {
		if err := d.Metrics.Registry.Register(newNodeCollector(d.DB, d.Reads, d.Fed)); err != nil {
			d.Log.Warn("metrics of the database and job queue not registered", "err", err)
		}
	}
	s.inboxLimits = newInboxLimits(cmp.Or(max(d.InboxPerMinute, 0), DefaultInboxPerMinute),
		cmp.Or(max(d.InboxPerServerPerMinute, 0), DefaultInboxPerServerPerMinute), d.Now, d.Metrics)
	if d.Fed != nil {
		d.Fed.Inbox.LimitSigners(s.inboxLimits.signer)
	}
	// A nil *media.Cache must become a nil interface, not a typed nil.
	var adminMedia admin.MediaCache
	var publicMedia public.MediaCache
	if d.Media != nil {
		adminMedia, publicMedia = d.Media, d.Media
	}
	s.admin = admin.New(admin.Deps{
		DB: d.DB, Log: d.Log, Domain: d.Fed.IRI.Domain(), InsecureHTTP: d.InsecureHTTP,
		Services: admin.ServicesOf(d.Fed.Community), DataDir: d.DataDir, Media: adminMedia, MediaStore: d.MediaStore,
		CreateGroup: func(ctx context.Context, name, title, summary string, closed bool) error {
			_, err := d.Fed.Community.Moderation.CreateGroup(ctx, name, title, summary, closed)
			return err
		},
	})
	scheme := "https"
	if d.InsecureHTTP {
		scheme = "http"
	}
	// The remote-follow form asks visitors' servers through the engine's
	// guarded transport.
	reads := d.Reads
	if reads == nil {
		reads = d.DB
	}
	s.public = public.New(public.Deps{
		DB: reads, Log: d.Log, Domain: d.Fed.IRI.Domain(), Scheme: scheme,
		DataDir: d.DataDir, Resolver: d.Fed.Actors, Reporter: d.Fed.Community.Moderation, Media: publicMedia,
		MediaStore: d.MediaStore, UploadsURL: d.MediaPublicURL,
	})
	var membersMedia members.MediaCache
	if d.Media != nil {
		membersMedia = d.Media
	}
	s.members = members.New(members.Deps{
		DB: d.DB, Log: d.Log, Domain: d.Fed.IRI.Domain(), Base: d.Fed.IRI.Base(), Community: d.Fed.Community.Members, Now: d.Fed.Now,
		InsecureHTTP: d.InsecureHTTP, Media: membersMedia,
	})
	return s.routes()
}

var (
	_ public.MediaCache           = (*media.Cache)(nil)
	_ admin.MediaCache            = (*media.Cache)(nil)
	_ public.RemoteFollowResolver = (*actors.Actors)(nil)
	_ public.Reporter             = (*community.Moderation)(nil)
	// Each admin interface is one community service (admin.ServicesOf).
	_ admin.Posting     = (*community.Posting)(nil)
	_ admin.Moderation  = (*community.Moderation)(nil)
	_ admin.Membership  = (*community.Membership)(nil)
	_ admin.Modmail     = (*community.Modmail)(nil)
	_ admin.Events      = (*community.Events)(nil)
	_ admin.Belonging   = (*community.Belonging)(nil)
	_ members.Community = (*community.MembersPages)(nil)
)

// SetupURL is the one-time setup address while the node has no owner.
func SetupURL(ctx context.Context, d Deps) (string, bool, error) {
	a := admin.New(admin.Deps{DB: d.DB, Log: d.Log, Domain: d.Fed.IRI.Domain(), InsecureHTTP: d.InsecureHTTP})
	path, ok, err := a.SetupURL(ctx)
	if err != nil || !ok {
		return "", ok, err
	}
	return d.Fed.IRI.Base() + path, true, nil
}

// routes is the one route table.
func (s *Server) routes() http.Handler {
	r := chi.NewRouter()
	r.Use(nosniff) // first: every response carries it, errors included
	r.Use(middleware.RequestID)
	r.Use(s.clientIP)
	r.Use(s.logRequests)
	r.Use(s.observeRequests)
	r.Use(s.recoverPanics)

	r.Get("/healthz", s.healthz)
	// No /metrics here: metrics have a listener of their own (metrics.go).

	// Staff: setup, login, the admin UI.
	s.admin.Routes(r)

	// Public pages: home, media, static assets; the group pages below.
	s.public.Routes(r)

	// Discovery.
	r.Get("/.well-known/webfinger", s.handle(s.webfinger))
	r.Get("/.well-known/host-meta", s.handle(s.hostMeta))
	r.Get("/.well-known/nodeinfo", s.handle(s.nodeInfoLinks))
	r.Get("/nodeinfo/2.0", s.handle(s.nodeInfo("2.0")))
	r.Get("/nodeinfo/2.1", s.handle(s.nodeInfo("2.1")))

	// ActivityPub.
	r.Get("/actor", s.handle(s.instanceActor))
	r.Get("/actor/outbox", s.handle(s.instanceOutbox))
	inboxLimit := s.inboxLimits.middleware
	r.With(inboxLimit).Post("/inbox", s.handle(s.inbox))
	r.Route("/groups/{name}", func(r chi.Router) {
		r.Use(s.movedRedirect) // group_moved.go
		r.Get("/", s.handle(s.group))
		r.With(inboxLimit).Post("/inbox", s.handle(s.inbox))
		r.Get("/outbox", s.handle(s.groupCollection(community.CollectionOutbox)))
		r.Get("/followers", s.handle(s.groupCollection(community.CollectionFollowers)))
		r.Get("/following", s.handle(s.groupCollection(community.CollectionFollowing)))
		r.Get("/featured", s.handle(s.groupCollection(community.CollectionFeatured)))
		r.Get("/moderators", s.handle(s.groupCollection(community.CollectionModerators)))
		r.Get("/activities/{id}", s.handle(s.groupActivity(false)))
		r.Get("/activities/{id}/undo", s.handle(s.groupActivity(true)))
		r.Get("/posts/{id}", s.handle(s.groupPostOrPage))
		r.Get("/posts/{id}/activity", s.handle(s.groupPostActivity))
		s.public.GroupRoutes(r)  // threads, feeds, the remote-follow form
		s.members.GroupRoutes(r) // the members' own pages, under /me
	})
	return r
}

// healthz answers 200 when the database answers, 503 otherwise.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := storage.Ping(ctx, s.db); err != nil {
		s.log.ErrorContext(ctx, "health check failed", "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("database unavailable\n"))
		return
	}
	_, _ = w.Write([]byte("ok\n"))
}

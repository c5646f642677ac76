// Package public is the part of the web that anyone can read without an
// account: the node's home page, each group's page (about, rules, pinned
// posts, recent threads, how to join, a remote-follow form), thread pages,
// RSS and Atom feeds, and the uploaded media. Pages are server-rendered from
// embedded templates and work without JavaScript; the only script is the
// copy button's, a same-origin static file.
//
// # What is public
//
// A post appears here only when it is published (not pending, rejected or
// removed) and public or unlisted — the same rule as the Note a server may
// fetch. Members-only ("followers") and direct posts never appear: not in a
// listing, a thread, a reply count or a feed. Feeds are stricter still and
// carry only public thread starters: unlisted means "not in discovery
// surfaces", and a feed is one. [visible] is the one place that decides.
//
// # What is trusted
//
// Post content, actor summaries and profile field values were sanitised
// when they were stored (federation/content); templates mark exactly those
// fields as HTML (the "trusted" function). Everything else — names, handles,
// content warnings, titles, URLs — is escaped by html/template, which also
// refuses javascript: and other non-web URLs in href and src.
package public

import (
	"context"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/uptrace/bun"

	"github.com/kith-social/kith/federation/iri"
	"github.com/kith-social/kith/federation/media"
	"github.com/kith-social/kith/federation/mediastore"
	"github.com/kith-social/kith/web/auth"
)

// pageSize is how many threads a group page lists.
const pageSize = 20

// RemoteFollowResolver looks up a visitor's account on their own server,
// for the remote-follow form. The federation engine implements it with its
// transport, so the lookup gets the node's SSRF guard, timeouts and size
// limits.
type RemoteFollowResolver interface {
	// RemoteWebFinger fetches the WebFinger document (JRD, JSON) that host
	// serves for resource (for example "acct:alice@mastodon.example"; host
	// may carry a port). Unsigned, like every WebFinger request. An account
	// that does not exist is an error, like a host that does not answer.
	RemoteWebFinger(ctx context.Context, resource, host string) ([]byte, error)
}

// MediaCache serves other servers' images from the node: URL names the
// node's URL for a remote image ("" when it cannot be shown), and Open
// returns the image such a URL names, fetching it on a miss.
// federation/media.Cache implements it.
type MediaCache interface {
	URL(remote string) string
	Open(ctx context.Context, sig, enc string) (*media.Object, error)
}

// Deps is what the public pages need from the rest of the node.
type Deps struct {
	DB  *bun.DB
	Log *slog.Logger
	// Domain is the node's public host (and port); Scheme is "https", or
	// "http" for a development node.
	Domain string
	Scheme string
	// DataDir holds uploaded media in DataDir/media, unless MediaStore
	// is set.
	DataDir string
	// MediaStore keeps uploads (keys under media/); nil is the data
	// directory (mediastore.NewDir(DataDir)).
	MediaStore mediastore.Store
	// UploadsURL, when set (--media-public-url), is where pages link
	// uploads (a CDN in front of the bucket) instead of /media/; /media/
	// on the node still serves them, for the documents other servers
	// fetch.
	UploadsURL string
	// Resolver looks up visitors' accounts for the remote-follow form. When
	// nil the form still works: it tells the visitor what to search for.
	Resolver RemoteFollowResolver
	// Reporter files reports from the public form; nil refuses them.
	Reporter Reporter
	// Media shows other servers' images from the node (federation/media);
	// nil shows placeholders instead. Pages never link a remote image.
	Media MediaCache
	// FollowLimit bounds remote-follow lookups per client IP per minute;
	// zero means 10.
	FollowLimit int
	// Now is the clock (whether a poll has closed); nil: time.Now.
	Now func() time.Time
}

// Public serves the public pages. Everything kept between requests lives
// here: the parsed templates, the static files and their version tags.
type Public struct {
	db       *bun.DB
	log      *slog.Logger
	domain   string
	base     string // scheme://domain
	iri      iri.Builder
	insecure bool
	store    mediastore.Store
	uploads  string // where pages link uploads: "/media/" or UploadsURL
	resolver RemoteFollowResolver
	reporter Reporter
	media    MediaCache
	now      func() time.Time

	pages         map[string]*template.Template
	static        fs.FS
	staticVersion map[string]string
	csp           string
	followLimit   func(http.Handler) http.Handler
	reportLimit   func(http.Handler) http.Handler
	cop           *http.CrossOriginProtection
}

// New builds the public pages. It parses every template and panics if one
// is broken: that is a bug in the binary, found by the first test.
func New(d Deps) *Public {
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.Scheme == "" {
		d.Scheme = "https"
	}
	if d.FollowLimit <= 0 {
		d.FollowLimit = 10
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.MediaStore == nil && d.DataDir != "" {
		d.MediaStore = mediastore.NewDir(d.DataDir)
	}
	p := &Public{
		db:       d.DB,
		log:      d.Log,
		domain:   d.Domain,
		base:     d.Scheme + "://" + d.Domain,
		iri:      iri.New(d.Scheme, d.Domain),
		insecure: d.Scheme == "http",
		store:    d.MediaStore,
		uploads:  "/media/",
		resolver: d.Resolver,
		reporter: d.Reporter,
		media:    d.Media,
		now:      d.Now,
		static:   mustSub(staticFiles, "static"),
	}
	if d.UploadsURL != "" {
		p.uploads = strings.TrimSuffix(d.UploadsURL, "/") + "/"
	}
	p.staticVersion = mustVersionStatic(p.static)
	p.pages = p.mustParsePages()
	p.csp = contentSecurityPolicy(p.insecure, p.uploads)
	// Per client, as the router's client-IP middleware resolved it.
	byClient := func(r *http.Request) (string, error) { return auth.ClientKey(r), nil }
	p.followLimit = limitByClient(d.DB, "follow", d.FollowLimit, byClient)
	p.reportLimit = limitByClient(d.DB, "report", 10, byClient)
	// The remote-follow form changes nothing here, but each submission
	// makes the node ask another server: other sites may not post it.
	p.cop = http.NewCrossOriginProtection()
	p.cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.fail(w, r, &httpError{http.StatusForbidden, "This form was sent from another site and was refused. Open the group's page and try again."})
	}))
	return p
}

// Routes mounts the pages that live outside a group: the home page, the
// media files and the static assets.
func (p *Public) Routes(r chi.Router) {
	r.Get("/", p.h(p.home))
	r.Get("/media/remote/{sig}/{enc}", p.serveRemoteMedia)
	r.Head("/media/remote/{sig}/{enc}", p.serveRemoteMedia)
	r.Get("/media/*", p.serveMedia)
	r.Head("/media/*", p.serveMedia)
	r.Get("/static/public/*", p.serveStatic)
	r.Head("/static/public/*", p.serveStatic)
	// Browsers ask for /favicon.ico whatever the pages link; answer it
	// rather than log a 404 per page load.
	r.Get("/favicon.ico", p.serveFavicon)
}

// GroupRoutes mounts the pages under /groups/{name}. The group page itself
// and /posts/{id} share their URLs with ActivityPub documents: the caller
// negotiates and hands browsers to [Public.ServeGroup] and [Public.ServePost].
func (p *Public) GroupRoutes(r chi.Router) {
	r.Get("/threads/{id}", p.h(p.threadPage))
	r.Get("/feed.rss", p.h(p.feedRSS))
	r.Get("/feed.atom", p.h(p.feedAtom))
	r.Get("/follow", p.h(p.followForm))
	r.With(p.cop.Handler, p.followLimit).Post("/follow", p.h(p.followSubmit))
	r.Get("/report/{id}", p.h(p.reportPage))
	r.With(p.cop.Handler, p.reportLimit).Post("/report/{id}", p.h(p.reportSubmit))
	r.Get("/log", p.h(p.modlogPage))
	p.belongingRoutes(r) // events, the .ics feed, the member directory (events.go)
}

// ServeGroup writes the HTML page of the group in the {name} URL parameter.
func (p *Public) ServeGroup(w http.ResponseWriter, r *http.Request) {
	p.h(p.groupPage)(w, r)
}

// ServePost writes the HTML page of the post in the {id} URL parameter of
// the group in {name}: its thread, with the post marked.
func (p *Public) ServePost(w http.ResponseWriter, r *http.Request) {
	p.h(p.threadPage)(w, r)
}

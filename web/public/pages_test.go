package public_test

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/storage/storagetest"
)

func TestHomePage(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *bun.DB) {
		f := fixtures{t, db}
		g := f.group("gardeners", func(g *storage.Group) { g.Title = "Allotment gardeners" })
		f.group("knitters", func(g *storage.Group) { g.Closed = true })
		f.group("hidden", func(g *storage.Group) { g.Discoverable = false })
		alice, bob := f.actor("alice", "mastodon.test", nil), f.actor("bob", "mastodon.test", nil)
		f.member(g, alice, storage.FollowAccepted)
		f.member(g, bob, storage.FollowAccepted)

		s := newSite(t, db, nil)
		res := s.get("/")
		if res.Status != http.StatusOK {
			t.Fatalf("GET / = %d", res.Status)
		}
		mustContain(t, "home", res.Body,
			`<a href="/groups/gardeners">Allotment gardeners</a>`, "@gardeners@kith.test",
			"<p class=\"excerpt\">The gardeners group.</p>", // plain text
			"<strong>2</strong> members", `<a href="/groups/knitters">Knitters</a>`, "Closed: members are approved",
		)
		mustNotContain(t, "home", res.Body, "/groups/hidden", "<strong>gardeners</strong>")
		if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe") {
			t.Errorf("CSP %q", csp)
		}
		// Images come from the node only.
		if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "img-src 'self' data:;") {
			t.Errorf("CSP %q: want img-src 'self' data:", csp)
		}
	})
}

// TestPostImages: public pages show the images of the group's own posts
// (its uploads) and of members' posts (through the media cache), with
// their descriptions, sized for any screen; never from another server.
func TestPostImages(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *bun.DB) {
		f := fixtures{t, db}
		g := f.group("gardeners", nil)
		alice := f.actor("alice", "mastodon.test", nil)
		own := f.post(g, nil, nil, "<p>Our plot map</p>", func(p *storage.Post) {
			p.ObjectRaw = `{"type":"Note","attachment":[{"type":"Image","mediaType":"image/png","url":"https://kith.test/media/groups/g1/post/map.png","name":"Map of the plots","width":800,"height":600}]}`
		})
		f.post(g, alice, nil, "<p>Seedlings</p>", func(p *storage.Post) {
			p.ObjectRaw = `{"type":"Note","attachment":[` +
				`{"type":"Document","mediaType":"image/jpeg","url":"https://files.mastodon.test/a.jpg","name":"Tomato seedlings <on a sill>","width":1200,"height":900},` +
				`{"type":"Document","mediaType":"video/mp4","url":"https://files.mastodon.test/v.mp4","name":"a video"},` +
				`{"type":"Document","mediaType":"image/png","url":"javascript:alert(1)","name":"bad"}]}`
		})
		f.post(g, alice, nil, "<p>Under a warning</p>", func(p *storage.Post) {
			p.Summary = "spiders"
			p.ObjectRaw = `{"type":"Note","attachment":[{"type":"Image","mediaType":"image/png","url":"https://files.mastodon.test/spider.png","name":"A spider"}]}`
		})
		s := newSite(t, db, nil)
		for _, path := range []string{"/groups/gardeners", "/groups/gardeners/threads/" + own.ID} {
			res := s.get(path)
			if path != "/groups/gardeners" {
				mustContain(t, path, res.Body, `<img src="/media/groups/g1/post/map.png" alt="Map of the plots" width="800" height="600" loading="lazy"`)
				continue
			}
			mustContain(t, path, res.Body,
				`<img src="/media/groups/g1/post/map.png" alt="Map of the plots" width="800" height="600" loading="lazy"`,
				`<img src="`+s.media.URL("https://files.mastodon.test/a.jpg")+`" alt="Tomato seedlings &lt;on a sill&gt;" width="1200" height="900" loading="lazy"`,
				`<img src="`+s.media.URL("https://files.mastodon.test/spider.png")+`" alt="A spider" loading="lazy"`,
			)
			mustNotContain(t, path, res.Body, "files.mastodon.test", "v.mp4", "javascript:", `alt="bad"`)
			// The image under a content warning is inside the warning.
			details := res.Body[strings.Index(res.Body, `<details class="cw">`):]
			details = details[:strings.Index(details, "</details>")]
			if !strings.Contains(details, `alt="A spider"`) {
				t.Error("the image of a post with a content warning is outside the warning")
			}
		}
		// Feeds carry the images too, from the node.
		res := s.get("/groups/gardeners/feed.atom")
		mustContain(t, "feed", res.Body, "https://kith.test/media/groups/g1/post/map.png", "https://kith.test"+s.media.URL("https://files.mastodon.test/a.jpg"))
		mustNotContain(t, "feed", res.Body, "files.mastodon.test")
	})
}

func TestGroupPage(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *bun.DB) {
		f := fixtures{t, db}
		g := f.group("gardeners", func(g *storage.Group) {
			g.Title = "Allotment gardeners"
			g.Closed = true
			g.IconPath = "groups/gardeners/icon.png"
			g.HeaderPath = "groups/gardeners/header.jpg"
			g.FieldsJSON = `[{"name":"Rule 1","value":"<p>Be <em>kind</em></p>"},{"name":"Website","value":"<a href=\"https://garden.example\" rel=\"nofollow noopener noreferrer ugc\" target=\"_blank\">garden.example</a>"}]`
		})
		alice := f.actor("alice", "mastodon.test", func(a *storage.RemoteActor) { a.Name = "Alice Green" })
		f.member(g, alice, storage.FollowAccepted)
		f.member(g, f.actor("carol", "lemmy.test", nil), storage.FollowPending)

		root := f.post(g, alice, nil, "<p>Tomatoes are in!</p>", func(p *storage.Post) { p.Likes = 3 })
		f.post(g, f.actor("bob", "misskey.test", nil), root, "<p>Mine too</p>", nil)
		f.post(g, alice, root, "<p>Lovely</p>", nil)
		cw := f.post(g, alice, nil, "<p>Slug carnage</p>", func(p *storage.Post) { p.Summary = "garden pests" })
		own := f.post(g, nil, nil, "<p>From the moderators</p>", nil)
		pinned := f.post(g, nil, nil, "<p>Welcome, everyone</p>", func(p *storage.Post) { p.Pinned = true })
		// Published by the group for a member who asked not to be named.
		f.post(g, f.actor("dave", "mastodon.test", nil), nil, "<p>anonymous post</p>", func(p *storage.Post) { p.Anonymous = true })

		s := newSite(t, db, nil)
		res := s.get("/groups/gardeners")
		if res.Status != http.StatusOK {
			t.Fatalf("group page = %d: %s", res.Status, res.Body)
		}
		mustContain(t, "group page", res.Body,
			"<h1>Allotment gardeners</h1>",
			`<code class="group-handle" id="group-handle">@gardeners@kith.test</code>`,
			`data-copy="group-handle" hidden>Copy address</button>`,
			`<script src="/static/public/copy.js?v=`,
			"<strong>1</strong> member", "Closed: a moderator approves new members",
			`src="/media/groups/gardeners/icon.png"`, `src="/media/groups/gardeners/header.jpg"`,
			"The <strong>gardeners</strong> group.",
			"<dt>Rule 1</dt>", "Be <em>kind</em>", `<a href="https://garden.example"`,
			`<h2 id="pinned-h">Pinned</h2>`, "Welcome, everyone",
			"Tomatoes are in!", "2 replies", "3 likes", "From the moderators",
			`href="/groups/gardeners/threads/`+root.ID+`"`,
			"Alice Green", "@alice@mastodon.test", `href="https://mastodon.test/@alice"`,
			`src="`+s.media.URL("https://mastodon.test/avatars/alice.png")+`"`,
			`<details class="cw">`, "garden pests", "Slug carnage",
			// html/template writes "+" in attributes as "&#43;".
			`<link rel="alternate" type="application/rss&#43;xml" title="Allotment gardeners (RSS)" href="https://kith.test/groups/gardeners/feed.rss">`,
			`<link rel="alternate" type="application/atom&#43;xml" title="Allotment gardeners (Atom)" href="https://kith.test/groups/gardeners/feed.atom">`,
			`<form method="post" action="/groups/gardeners/follow"`, `<label for="f-handle">`,
			"!gardeners@kith.test", // how Lemmy users find it
		)
		// Pinned posts head the page and are not listed again.
		if n := strings.Count(res.Body, `id="p-`+pinned.ID+`"`); n != 1 {
			t.Errorf("pinned post shown %d times, want 1", n)
		}
		// Threads newest first: the group's post, the CW post, then the first.
		iOwn, iCW, iRoot := strings.Index(res.Body, `id="p-`+own.ID), strings.Index(res.Body, `id="p-`+cw.ID), strings.Index(res.Body, `id="p-`+root.ID)
		if !(iOwn < iCW && iCW < iRoot) {
			t.Errorf("threads not newest first: own %d, cw %d, root %d", iOwn, iCW, iRoot)
		}
		// Replies are counted, not listed; anonymous authors stay anonymous.
		mustContain(t, "group page", res.Body, "anonymous post")
		mustNotContain(t, "group page", res.Body, "Mine too", "Lovely", "dave", "Dave")
		if v := res.Header.Get("Vary"); !strings.Contains(v, "Accept") {
			t.Errorf("Vary = %q", v)
		}
	})
}

func TestGroupPagePaging(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *bun.DB) {
		f := fixtures{t, db}
		g := f.group("gardeners", nil)
		alice := f.actor("alice", "mastodon.test", nil)
		var posts []*storage.Post
		for i := range 23 {
			posts = append(posts, f.post(g, alice, nil, fmt.Sprintf("<p>post number %02d</p>", i), nil))
		}
		s := newSite(t, db, nil)
		first := s.get("/groups/gardeners")
		mustContain(t, "first page", first.Body, "post number 22", "post number 03", "Recent threads")
		mustNotContain(t, "first page", first.Body, "post number 02", "Newest threads")
		older := regexp.MustCompile(`href="(/groups/gardeners\?before=[^"#]+)#threads" rel="next"`).FindStringSubmatch(first.Body)
		if older == nil {
			t.Fatalf("no older link on the first page")
		}
		if want := "/groups/gardeners?before=" + posts[3].ID; older[1] != want {
			t.Errorf("older link %q, want %q", older[1], want)
		}
		second := s.get(older[1])
		if second.Status != http.StatusOK {
			t.Fatalf("second page = %d", second.Status)
		}
		mustContain(t, "second page", second.Body, "post number 02", "post number 00", "Older threads", "Newest threads", `<meta name="robots" content="noindex">`)
		mustNotContain(t, "second page", second.Body, "post number 03", `rel="next"`)

		if res := s.get("/groups/gardeners?before=%27%20OR%201=1"); res.Status != http.StatusBadRequest {
			t.Errorf("bad before = %d, want 400", res.Status)
		}
	})
}

func TestThreadPage(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *bun.DB) {
		f := fixtures{t, db}
		g := f.group("gardeners", nil)
		alice, bob, carol := f.actor("alice", "mastodon.test", nil), f.actor("bob", "misskey.test", nil), f.actor("carol", "lemmy.test", nil)
		root := f.post(g, carol, nil, "<p>What should I plant?</p>", func(p *storage.Post) { p.Name = "Autumn planting"; p.Kind = "Page" })
		r1 := f.post(g, alice, root, "<p>Garlic</p>", func(p *storage.Post) { p.Likes = 2 })
		r2 := f.post(g, bob, r1, "<p>Garlic, yes</p>", func(p *storage.Post) { p.Summary = "strong opinions" })
		r3 := f.post(g, nil, root, "<p>Broad beans</p>", nil)

		s := newSite(t, db, nil)
		res := s.get("/groups/gardeners/threads/" + root.ID)
		if res.Status != http.StatusOK {
			t.Fatalf("thread = %d: %s", res.Status, res.Body)
		}
		mustContain(t, "thread", res.Body,
			"<h1>Autumn planting</h1>", "What should I plant?", "3 replies",
			"2 likes", `<details class="cw">`, "strong opinions",
			`href="https://mastodon.test/@alice/`+r1.ID+`" rel="nofollow noopener ugc">Original post`,
			`<link rel="canonical" href="https://kith.test/groups/gardeners/threads/`+root.ID+`">`,
			`<a href="/groups/gardeners">Gardeners</a>`,
		)
		for _, want := range []struct {
			p     *storage.Post
			depth int
		}{{r1, 1}, {r2, 2}, {r3, 1}} {
			re := regexp.MustCompile(fmt.Sprintf(`<li class="depth-%d">\s*<article class="post" id="p-%s"`, want.depth, want.p.ID))
			if !re.MatchString(res.Body) {
				t.Errorf("reply %q not at depth %d", want.p.ContentHTML, want.depth)
			}
		}
		// Reading order: each reply after its parent.
		i1, i2, i3 := strings.Index(res.Body, "Garlic</p>"), strings.Index(res.Body, "Garlic, yes"), strings.Index(res.Body, "Broad beans")
		if !(i1 < i2 && i2 < i3) {
			t.Errorf("replies out of order: %d %d %d", i1, i2, i3)
		}

		// A reply's address shows its thread, with the reply marked.
		res = s.get("/groups/gardeners/threads/" + r2.ID)
		mustContain(t, "thread from a reply", res.Body, `<article class="post focus" id="p-`+r2.ID, "What should I plant?")
		// The group's own post, at its ActivityPub address, for browsers.
		res = s.get("/groups/gardeners/posts/" + r3.ID)
		if res.Status != http.StatusOK {
			t.Fatalf("post page = %d", res.Status)
		}
		mustContain(t, "post page", res.Body, `<article class="post focus" id="p-`+r3.ID, "Autumn planting")
	})
}

func TestNotFound(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *bun.DB) {
		f := fixtures{t, db}
		g := f.group("gardeners", nil)
		other := f.group("knitters", nil)
		p := f.post(g, nil, nil, "<p>hello</p>", nil)
		q := f.post(other, nil, nil, "<p>purl</p>", nil)
		s := newSite(t, db, nil)
		for _, path := range []string{
			"/groups/nobody",
			"/groups/nobody/threads/" + p.ID,
			"/groups/nobody/feed.rss",
			"/groups/nobody/feed.atom",
			"/groups/nobody/follow",
			"/groups/gardeners/threads/nope",
			"/groups/gardeners/threads/" + q.ID, // another group's post
			"/groups/gardeners/posts/" + q.ID,
			"/groups/knitters/threads/" + p.ID,
			"/static/public/nope.css",
			"/media/nope.png",
		} {
			t.Run(path, func(t *testing.T) {
				res := s.get(path)
				if res.Status != http.StatusNotFound {
					t.Errorf("GET %s = %d, want 404", path, res.Status)
				}
			})
		}
		res := s.get("/groups/nobody")
		mustContain(t, "404 page", res.Body, "<h1>Not found</h1>", `<a href="/">`)
		if ct := res.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
			t.Errorf("404 content type %q", ct)
		}
	})
}

func TestStaticAssets(t *testing.T) {
	t.Parallel()
	s := newSite(t, nil, nil)
	for _, tc := range []struct{ path, ctype string }{
		{"/static/public/public.css", "text/css; charset=utf-8"},
		{"/static/public/copy.js", "text/javascript; charset=utf-8"},
	} {
		res := s.get(tc.path)
		if res.Status != http.StatusOK || res.Header.Get("Content-Type") != tc.ctype {
			t.Errorf("GET %s = %d %q", tc.path, res.Status, res.Header.Get("Content-Type"))
		}
		if res.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s: no nosniff", tc.path)
		}
	}
}

// TestRemoteURLsChecked: avatars, profile links and links to originals
// come from other servers; anything but an http(s) URL is dropped.
func TestRemoteURLsChecked(t *testing.T) {
	t.Parallel()
	db, _ := storagetest.OpenSQLite(t)
	f := fixtures{t, db}
	g := f.group("gardeners", nil)
	mallory := f.actor("mallory", "evil.test", func(a *storage.RemoteActor) {
		a.IconURL, a.URL, a.IRI = "javascript:alert(1)", "javascript:alert(2)", "data:text/html,hi"
	})
	root := f.post(g, mallory, nil, "<p>hi</p>", func(p *storage.Post) { p.URL, p.IRI = "javascript:alert(3)", "vbscript:x" })
	s := newSite(t, db, nil)
	for _, path := range []string{"/groups/gardeners", "/groups/gardeners/threads/" + root.ID, "/groups/gardeners/feed.atom", "/groups/gardeners/feed.rss"} {
		res := s.get(path)
		mustNotContain(t, path, res.Body, "javascript:", "data:text", "vbscript:", "ZgotmplZ")
		if !strings.Contains(path, "feed") {
			mustContain(t, path, res.Body, `<span class="avatar placeholder" aria-hidden="true">M</span>`, `<span class="name">Mallory</span>`)
		}
	}
}

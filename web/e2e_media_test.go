package web_test

import (
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/kith-social/kith/web/webtest"
)

// TestRemoteMediaCache: members' avatars and attachments are shown from
// the node, which fetched them from their servers once, checked and
// re-encoded them; pages name no other host for an image.
func TestRemoteMediaCache(t *testing.T) {
	t.Parallel()
	webtest.Each(t, func(t *testing.T, sc *webtest.Scenario) {
		s := newMediaScene(t, sc)
		c := s.n.Net.HTTPClient()
		catSrc := s.n.Media.URL(s.cat)
		aliceSrc := s.n.Media.URL(s.masto.URL("/avatars/alice.png"))
		evilSrc := s.n.Media.URL(s.evil)

		pages := map[string]string{
			"group page":  "/groups/gardeners",
			"thread page": "/groups/gardeners/threads/" + s.catPost.ID,
			"feed":        "/groups/gardeners/feed.atom",
		}
		for name, path := range pages {
			status, body := get(t, c, s.n.URL(path), "text/html")
			if status != http.StatusOK {
				t.Fatalf("%s: %d", name, status)
			}
			page := string(body)
			if testing.Verbose() && name == "group page" {
				t.Logf("%s", page)
			}
			for _, src := range imageSources(page) {
				if name == "feed" {
					src = strings.TrimPrefix(strings.ReplaceAll(src, "&amp;", "&"), "http://"+"kith.test")
				}
				if !strings.HasPrefix(src, "/") || strings.HasPrefix(src, "//") {
					t.Errorf("%s: image from elsewhere: %q", name, src)
				}
			}
			if name == "group page" && !strings.Contains(page, "inline picture") {
				t.Errorf("%s: the image in the post's text is not even a link", name)
			}
			if name != "feed" {
				for _, want := range []string{`src="` + catSrc + `"`, `alt="` + catAlt + `"`, `width="64" height="48"`, `loading="lazy"`, `src="` + aliceSrc + `"`} {
					if !strings.Contains(page, want) {
						t.Errorf("%s lacks %s", name, want)
					}
				}
			}
		}

		// Many readers at once: the node asks Mastodon once.
		var wg sync.WaitGroup
		for range 6 {
			wg.Go(func() {
				resp, err := c.Get(s.n.URL(catSrc))
				if err != nil {
					t.Error(err)
					return
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					t.Errorf("cat: %d", resp.StatusCode)
				}
			})
		}
		wg.Wait()
		if n := fetches(s.masto, "/system/media/cat.jpg"); n != 1 {
			t.Errorf("the node fetched the photo %d times, want 1", n)
		}

		// Served from the node as an image, whatever its server said it was.
		resp, err := c.Get(s.n.URL(catSrc))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		h := resp.Header
		if ct := h.Get("Content-Type"); ct != "image/jpeg" && ct != "image/png" {
			t.Errorf("Content-Type %q", ct)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("ETag") == "" || !strings.Contains(h.Get("Cache-Control"), "max-age=") {
			t.Errorf("headers: %v", h)
		}
		req, _ := http.NewRequest(http.MethodGet, s.n.URL(catSrc), nil)
		req.Header.Set("If-None-Match", h.Get("ETag"))
		resp, err = c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotModified {
			t.Errorf("revalidation: %d, want 304", resp.StatusCode)
		}

		// The avatar from GoToSocial, which demands signatures on
		// documents but not on media.
		if status, _ := get(t, c, s.n.URL(s.n.Media.URL(s.gts.URL("/avatars/bob.png"))), ""); status != http.StatusOK {
			t.Errorf("bob's avatar: %d", status)
		}
		// HTML that calls itself an image is refused, and not asked for again.
		for range 2 {
			if status, _ := get(t, c, s.n.URL(evilSrc), ""); status != http.StatusNotFound {
				t.Errorf("fake image: %d, want 404", status)
			}
		}
		if n := fetches(s.gts, "/fileserver/evil.png"); n != 1 {
			t.Errorf("the fake image was fetched %d times, want 1 (then remembered)", n)
		}
		// A URL the node did not make is no proxy request.
		forged := "/media/remote/AAAAAAAAAAAAAAAAAAAAAA/" + catSrc[strings.LastIndex(catSrc, "/")+1:]
		if status, _ := get(t, c, s.n.URL(forged), ""); status != http.StatusNotFound {
			t.Errorf("forged key: %d, want 404", status)
		}
		if n := fetches(s.masto, "/system/media/cat.jpg"); n != 1 {
			t.Errorf("after a forged key the photo was fetched %d times, want 1", n)
		}
	})
}

package web_test

import (
	"context"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/storage/storagetest"
	"github.com/kith-social/kith/web/auth"
	"github.com/kith-social/kith/web/webtest"
)

// TestBrowserNoRemoteRequests opens public and admin pages that show
// members' avatars and attachments from other servers in Chromium, and
// listens to every request the browser makes: each one goes to the node.
// The images still show — the node serves them from its media cache —
// except the one that is not an image, where the page keeps its text.
//
// The browser can reach the node only; every other host is mapped to an
// address that does not resolve, so a leak would show as a request to it
// and not as a silent success.
func TestBrowserNoRemoteRequests(t *testing.T) {
	webtest.SkipWithoutBrowser(t)
	s := newMediaScene(t, webtest.NewScenario(t, storagetest.Backends()[0], webtest.ScenarioOptions{}))
	hash, err := auth.HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if err := storage.CreateStaff(context.Background(), s.n.DB, time.Now(), &storage.Staff{Username: "olive", PasswordHash: hash, Role: storage.RoleOwner}); err != nil {
		t.Fatal(err)
	}

	var (
		mu       sync.Mutex
		requests []string
	)
	ctx := webtest.Browser(t, webtest.BrowserOptions{Node: s.n, Width: 1200, Height: 2400,
		Listen: func(ev any) {
			if e, ok := ev.(*network.EventRequestWillBeSent); ok {
				mu.Lock()
				requests = append(requests, e.Request.URL)
				mu.Unlock()
			}
		}})

	catSrc := s.n.Media.URL(s.cat)
	aliceSrc := s.n.Media.URL(s.masto.URL("/avatars/alice.png"))
	base := "http://" + webtest.Host
	// loaded waits until every image on the page has loaded or failed,
	// lazy ones included, and returns the node paths of those that loaded.
	loaded := func(t *testing.T) map[string]bool {
		t.Helper()
		err := chromedp.Do(ctx,
			chromedp.Evaluate[chromedp.Void](`document.querySelectorAll('img[loading="lazy"]').forEach(i => { i.loading = "eager" })`),
			chromedp.Poll[chromedp.Void](`[...document.images].every(i => i.complete)`,
				chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(0)),
		)
		if err != nil {
			t.Fatalf("wait for images: %v", err)
		}
		srcs, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.images].filter(i => i.naturalWidth > 0).map(i => new URL(i.src).pathname)`))
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]bool{}
		for _, s := range srcs {
			got[s] = true
		}
		return got
	}

	t.Run("public pages", func(t *testing.T) {
		for _, path := range []string{"/groups/gardeners", "/groups/gardeners/threads/" + s.catPost.ID} {
			if err := chromedp.Do(ctx, chromedp.Navigate(base+path), chromedp.WaitReady(chromedp.CSS(`footer.site-foot`))); err != nil {
				t.Fatalf("open %s: %v", path, err)
			}
			got := loaded(t)
			for _, want := range []string{catSrc, aliceSrc} {
				if !got[want] {
					t.Errorf("%s: image %s did not load from the node (loaded: %v)", path, want, got)
				}
			}
		}
		// The attachment that was no image: the page still says what it was.
		text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
		if err != nil || !strings.Contains(text, "Look who found the seedlings") {
			t.Errorf("thread text: %q, %v", text, err)
		}
	})

	t.Run("admin pages", func(t *testing.T) {
		err := chromedp.Do(ctx,
			chromedp.Navigate(base+"/login"),
			chromedp.WaitVisible(chromedp.CSS(`#f-username`)),
			chromedp.SendKeys(chromedp.CSS(`#f-username`), "olive"),
			chromedp.SendKeys(chromedp.CSS(`#f-password`), "correct horse battery\r"),
			chromedp.WaitReady(chromedp.CSS(`form.logout`)),
		)
		if err != nil {
			t.Fatalf("log in: %v", err)
		}
		for _, path := range []string{"/admin/groups/gardeners/recent", "/admin/groups/gardeners/members"} {
			if err := chromedp.Do(ctx, chromedp.Navigate(base+path), chromedp.WaitReady(chromedp.CSS(`main`))); err != nil {
				t.Fatalf("open %s: %v", path, err)
			}
			got := loaded(t)
			if !got[aliceSrc] {
				t.Errorf("%s: Alice's avatar did not load from the node (loaded: %v)", path, got)
			}
			if strings.HasSuffix(path, "/recent") && !got[catSrc] {
				t.Errorf("%s: the photo did not load from the node (loaded: %v)", path, got)
			}
		}
	})

	mu.Lock()
	defer mu.Unlock()
	hosts := map[string]int{}
	for _, r := range requests {
		u, err := url.Parse(r)
		if err != nil {
			t.Errorf("request to %q", r)
			continue
		}
		if u.Scheme == "data" {
			continue
		}
		hosts[u.Host]++
		if u.Host != webtest.Host {
			t.Errorf("the browser asked another host: %s", r)
		}
	}
	var list []string
	for h, n := range hosts {
		list = append(list, fmt.Sprintf("%s×%d", h, n))
	}
	sort.Strings(list)
	t.Logf("requests by host: %v", list)
	if hosts[webtest.Host] == 0 {
		t.Error("no requests recorded: the listener saw nothing")
	}
}

package admin_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/kith-social/kith/federation/fedtest"
	"github.com/kith-social/kith/storage/storagetest"
	"github.com/kith-social/kith/web/webtest"
)

// eval runs a script on the page and returns its result, or fails the test.
func eval[T any](t *testing.T, ctx context.Context, script string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](script))
	if err != nil {
		t.Fatalf("browser: %s: %v", script, err)
	}
	return v
}

// TestBrowserOwnerNits checks in a real browser what only layout shows:
// the highlighted post of a thread is in the text face (not monospace),
// handles are never squeezed into breaking mid-name, the rows of Pulse's
// "New members" line up, and pages have an icon.
func TestBrowserOwnerNits(t *testing.T) {
	t.Parallel()
	ctx := chrome(t)
	sc := webtest.NewScenario(t, storagetest.Backends()[0], noGroup)
	n := newNode(t, sc)
	n.setup("gardeners")
	alice := sc.Masto.NewActor("alexandra_longname")
	alice.SetProfile(fedtest.Profile{Name: "Alexandra Longname-Gardener"})
	n.send(alice, sc.GroupIRI, alice.Follow(sc.GroupIRI))
	post := n.memberPost(alice, "gardeners", "Rhubarb crumble recipe, anyone?")

	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	base := n.srv.URL
	err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(css(`#f-username`)),
		chromedp.SendKeys(css(`#f-username`), "olive"),
		chromedp.SendKeys(css(`#f-password`), ownerPassword+"\r"),
		chromedp.WaitVisible(css(`ul.cards`)),
		chromedp.Navigate(base+"/admin/groups/gardeners/threads/"+post.ID),
		chromedp.WaitVisible(css(`li.target`)),
	)
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	if font := eval[string](t, ctx, `getComputedStyle(document.querySelector("li.target")).fontFamily`); strings.Contains(font, "monospace") {
		t.Errorf("the highlighted post is in %s, want the text face", font)
	}
	if wrap := eval[string](t, ctx, `getComputedStyle(document.querySelector(".actor .handle")).overflowWrap`); wrap == "anywhere" {
		t.Errorf("handles have overflow-wrap %q: rows squeeze them and break names mid-word", wrap)
	}
	if icon := eval[string](t, ctx, `(document.querySelector('link[rel="icon"]') || {}).href || ""`); !strings.HasSuffix(icon, "/static/public/favicon.svg") {
		t.Errorf("admin pages link the icon %q", icon)
	}
	err = chromedp.Do(ctx,
		chromedp.Navigate(base+"/admin/groups/gardeners/pulse"),
		chromedp.WaitVisible(css(`ul.rows li .actor`)),
	)
	if err != nil {
		t.Fatalf("browser: pulse: %v", err)
	}
	// How far apart the centres of the person and of the date in the first
	// "New members" row are, in pixels.
	misaligned := eval[float64](t, ctx, `(() => {
		const li = document.querySelector("ul.rows li");
		const mid = el => { const r = el.getBoundingClientRect(); return r.top + r.height / 2; };
		return Math.abs(mid(li.querySelector(".actor")) - mid(li.querySelector(".meta")));
	})()`)
	if misaligned > 2 {
		t.Errorf("a Pulse row's person and date are %.1f px apart vertically, want them centred together", misaligned)
	}

	// The pages the docs show: the overview's next steps, and the confirm
	// step of a ban (left unconfirmed).
	err = chromedp.Do(ctx,
		chromedp.Navigate(base+"/admin/groups/gardeners"),
		chromedp.WaitVisible(css(`section.next-steps`)),
	)
	if err != nil {
		t.Fatalf("browser: overview: %v", err)
	}
	screenshot(t, ctx, "admin-next-steps")
	err = chromedp.Do(ctx,
		chromedp.Navigate(base+"/admin/groups/gardeners/members"),
		chromedp.WaitVisible(css(`form[action$="/ban"] button`)),
		chromedp.Click(css(`form[action$="/ban"] button`)),
		chromedp.WaitVisible(css(`section.confirm`)),
	)
	if err != nil {
		t.Fatalf("browser: ban asks first: %v", err)
	}
	if q := eval[string](t, ctx, `document.querySelector("section.confirm h1").textContent`); !strings.Contains(q, "Ban @alexandra_longname@") {
		t.Errorf("confirm step asks %q", q)
	}
	screenshot(t, ctx, "admin-confirm-ban")
}

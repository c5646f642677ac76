package admin_test

import (
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/kith-social/kith/federation/fedtest"
	"github.com/kith-social/kith/storage/storagetest"
	"github.com/kith-social/kith/web/webtest"
)

// TestBrowserPhoneLayout opens the admin at 390×844: the navigation is a
// menu that opens without a script, and no page scrolls sideways (tables
// reflow). It saves a screenshot of the open menu.
func TestBrowserPhoneLayout(t *testing.T) {
	t.Parallel()
	ctx := chrome(t)
	sc := webtest.NewScenario(t, storagetest.Backends()[0], noGroup)
	n := newNode(t, sc)
	n.setup("gardeners")
	alice := sc.Masto.NewActor("alexandra_longname")
	alice.SetProfile(fedtest.Profile{Name: "Alexandra Longname-Gardener"})
	n.send(alice, sc.GroupIRI, alice.Follow(sc.GroupIRI))
	n.memberPost(alice, "gardeners", "A rather long post about rhubarb, crumble, custard and the merits of forcing pots in February.")

	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	base := n.srv.URL
	const navShown = `getComputedStyle(document.querySelector("nav.top-nav")).display !== "none"`
	err := chromedp.Do(ctx,
		chromedp.EmulateViewport(390, 844),
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(css(`#f-username`)),
		chromedp.SendKeys(css(`#f-username`), "olive"),
		chromedp.SendKeys(css(`#f-password`), ownerPassword+"\r"),
		chromedp.WaitVisible(css(`ul.cards`)),
	)
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	if eval[bool](t, ctx, navShown) {
		t.Error("at 390 px the navigation is shown before the menu is opened")
	}
	err = chromedp.Do(ctx,
		chromedp.Click(css(`label.menu-button`)),
		chromedp.WaitVisible(css(`nav.top-nav a[href="/admin/groups"]`)),
	)
	if err != nil {
		t.Fatalf("browser: open the menu: %v", err)
	}
	screenshot(t, ctx, "admin-phone-menu")
	for _, path := range []string{"/admin", "/admin/groups/gardeners", "/admin/groups/gardeners/members", "/admin/groups/gardeners/recent",
		"/admin/groups/gardeners/pulse", "/admin/groups/gardeners/log", "/admin/federation", "/admin/domain-blocks", "/admin/groups/gardeners/edit"} {
		err := chromedp.Do(ctx,
			chromedp.Navigate(base+path),
			chromedp.WaitVisible(css(`main h1`)),
		)
		if err != nil {
			t.Fatalf("browser %s: %v", path, err)
		}
		if overflow := eval[int](t, ctx, `document.documentElement.scrollWidth - document.documentElement.clientWidth`); overflow > 0 {
			t.Errorf("%s scrolls sideways by %d px at 390 px wide", path, overflow)
		}
	}
}

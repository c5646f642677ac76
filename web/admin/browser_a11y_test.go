package admin_test

import (
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/kith-social/kith/storage/storagetest"
	"github.com/kith-social/kith/web/webtest"
)

// TestBrowserAdminAccessible runs the accessibility checks the members'
// pages pass (webtest.AccessibilityProblems: labels and names, text
// contrast, a visible focus under Tab) on the staff's main pages.
func TestBrowserAdminAccessible(t *testing.T) {
	t.Parallel()
	ctx := chrome(t)
	sc := webtest.NewScenario(t, storagetest.Backends()[0], noGroup)
	n := newNode(t, sc)
	n.setup("gardeners")
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	base := n.srv.URL
	err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(css(`#f-username`)),
		chromedp.SendKeys(css(`#f-username`), "olive"),
		chromedp.SendKeys(css(`#f-password`), ownerPassword+"\r"),
		chromedp.WaitVisible(css(`ul.cards`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/admin", "/admin/groups/gardeners", "/admin/groups/gardeners/members", "/admin/groups/gardeners/edit", "/admin/groups/gardeners/posts/new", "/admin/groups/gardeners/belonging"} {
		if err := chromedp.Do(ctx, chromedp.Navigate(base+p), chromedp.WaitReady(css(`main`))); err != nil {
			t.Fatal(err)
		}
		problems, err := webtest.AccessibilityProblems(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, pr := range problems {
			t.Errorf("%s: %s", p, pr)
		}
	}
}

package admin_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/kith-social/kith/storage/storagetest"
	"github.com/kith-social/kith/web/webtest"
)

// TestBrowserSetupToDashboard drives a real browser through the first run:
// setup, log out, log in, create a group, see it on the dashboard. It saves
// a screenshot of the dashboard to docs/screenshots/admin-dashboard.png.
func TestBrowserSetupToDashboard(t *testing.T) {
	t.Parallel() // each test has its own databases and fake fediverse
	webtest.SkipWithoutBrowser(t)
	sc := webtest.NewScenario(t, storagetest.Backends()[0], noGroup)
	n := newNode(t, sc)
	setupPath, ok, err := n.admin.SetupURL(context.Background())
	if err != nil || !ok {
		t.Fatalf("SetupURL = %q, %v, %v", setupPath, ok, err)
	}

	ctx := webtest.Browser(t, webtest.BrowserOptions{Width: 1200, Height: 820})

	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	err = chromedp.Do(ctx,
		// First run: the owner's account and the first group.
		chromedp.Navigate(n.srv.URL+setupPath),
		chromedp.WaitVisible(css(`#f-username`)),
		chromedp.SendKeys(css(`#f-username`), "olive"),
		chromedp.SendKeys(css(`#f-password`), ownerPassword),
		chromedp.SendKeys(css(`#f-password2`), ownerPassword),
		chromedp.SendKeys(css(`#f-name`), "gardeners"),
		chromedp.SendKeys(css(`#f-title`), "Allotment gardeners"),
		chromedp.SendKeys(css(`#f-summary`), "Seeds, soil and *slugs*."),
		chromedp.Submit(css(`#f-username`)),
		chromedp.WaitVisible(css(`ul.cards`)),

		// Log out, and back in the keyboard way: type, press Enter.
		chromedp.Click(css(`form.logout button`)),
		chromedp.WaitVisible(css(`#f-password`)),
		chromedp.SendKeys(css(`#f-username`), "olive"),
		chromedp.SendKeys(css(`#f-password`), ownerPassword+"\r"),
		chromedp.WaitVisible(css(`ul.cards`)),

		// A second group, from the navigation.
		chromedp.Click(css(`nav a[href="/admin/new-group"]`)),
		chromedp.WaitVisible(css(`#f-name`)),
		chromedp.SendKeys(css(`#f-name`), "knitters"),
		chromedp.SendKeys(css(`#f-title`), "Knitting circle"),
		chromedp.Click(css(`input[name="join"][value="closed"]`)),
		chromedp.Click(css(`main form button[type="submit"]`)),
		chromedp.WaitVisible(css(`dl.stats`)),
	)
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	h1, err := chromedp.Run(ctx, chromedp.Text(css(`main h1`)))
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	// Both groups on the dashboard.
	err = chromedp.Do(ctx,
		chromedp.Click(css(`nav a[href="/admin"]`)),
		chromedp.WaitVisible(css(`ul.cards`)),
	)
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	dashboard, err := chromedp.Run(ctx, chromedp.Text(css(`ul.cards`)))
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // quality 100: PNG
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if h1 != "Knitting circle" {
		t.Errorf("group page heading %q", h1)
	}
	for _, want := range []string{"Allotment gardeners", "Knitting circle", "@knitters@"} {
		if !strings.Contains(dashboard, want) {
			t.Errorf("dashboard lacks %q:\n%s", want, dashboard)
		}
	}
	// A post from the composer reaches the group's public page.
	err = chromedp.Do(ctx,
		chromedp.Navigate(n.srv.URL+"/admin/groups/gardeners/posts/new"),
		chromedp.WaitVisible(css(`#f-body`)),
		chromedp.SendKeys(css(`#f-body`), "Seed swap on **Saturday** at the gate!"),
		chromedp.Submit(css(`#f-body`)),
		chromedp.WaitNotPresent(css(`#f-body`)),
		chromedp.Navigate(n.srv.URL+"/groups/gardeners"),
		chromedp.WaitVisible(css(`main`)),
	)
	if err != nil {
		t.Fatalf("browser: compose and view: %v", err)
	}
	page, err := chromedp.Run(ctx, chromedp.Text(css(`main`)))
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	if !strings.Contains(page, "Seed swap on Saturday at the gate!") || !strings.Contains(page, "Allotment gardeners") {
		t.Errorf("the public group page lacks the post:\n%s", page)
	}
	// The docs' screenshots are refreshed on request only, so that an
	// ordinary test run leaves the work tree clean.
	if os.Getenv("KITH_SCREENSHOTS") == "" {
		return
	}
	dir := filepath.Join("..", "..", "docs", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "admin-dashboard.png"), shot, 0o644); err != nil {
		t.Fatal(err)
	}
}

package admin_test

import (
	"context"
	"net"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/kith-social/kith/storage/storagetest"
	"github.com/kith-social/kith/web/webtest"
)

// A node on plain HTTP (--insecure-http), reached by a name that is not
// loopback — a machine on the owner's home network, say — is not a secure
// context: Chromium sends no Sec-Fetch-Site there, so the cross-origin
// check compares Origin with Host. With "Referrer-Policy: no-referrer" the
// browser sends "Origin: null" on every form POST, and the owner could not
// even finish setup. The page's own forms must pass.
func TestBrowserPlainHTTPByName(t *testing.T) {
	t.Parallel()
	webtest.SkipWithoutBrowser(t)
	sc := webtest.NewScenario(t, storagetest.Backends()[0], noGroup)
	n := newNode(t, sc)
	setupPath, ok, err := n.admin.SetupURL(context.Background())
	if err != nil || !ok {
		t.Fatalf("SetupURL = %q, %v, %v", setupPath, ok, err)
	}
	_, port, err := net.SplitHostPort(strings.TrimPrefix(n.srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	base := "http://kith.home.test:" + port // resolved to the node by the browser alone

	ctx := webtest.Browser(t, webtest.BrowserOptions{HostRules: "MAP kith.home.test 127.0.0.1"})

	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	err = chromedp.Do(ctx,
		chromedp.Navigate(base+setupPath),
		chromedp.WaitVisible(css(`#f-username`)),
	)
	if err != nil {
		t.Fatalf("browser: open setup: %v", err)
	}
	secure, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.isSecureContext`))
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	if secure {
		t.Fatal("the page is a secure context: the test does not exercise what it is about")
	}
	err = chromedp.Do(ctx,
		chromedp.SendKeys(css(`#f-username`), "olive"),
		chromedp.SendKeys(css(`#f-password`), ownerPassword),
		chromedp.SendKeys(css(`#f-password2`), ownerPassword),
		chromedp.SendKeys(css(`#f-name`), "gardeners"),
		chromedp.SendKeys(css(`#f-title`), "Allotment gardeners"),
		chromedp.Submit(css(`#f-username`)),
		chromedp.WaitNotPresent(css(`#f-password2`)),
	)
	if err != nil {
		t.Fatalf("browser: setup: %v", err)
	}
	body, err := chromedp.Run(ctx, chromedp.Text(css(`body`)))
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	if !strings.Contains(body, "Allotment gardeners") {
		t.Fatalf("setup over plain HTTP by name did not reach the dashboard; the page says:\n%s", body)
	}
	// Log out and in again: the login form is a POST before any session.
	err = chromedp.Do(ctx,
		chromedp.Click(css(`form.logout button`)),
		chromedp.WaitVisible(css(`#f-password`)),
		chromedp.SendKeys(css(`#f-username`), "olive"),
		chromedp.SendKeys(css(`#f-password`), ownerPassword+"\r"),
		chromedp.WaitNotPresent(css(`#f-password`)),
	)
	if err != nil {
		t.Fatalf("browser: log in: %v", err)
	}
	if body, err = chromedp.Run(ctx, chromedp.Text(css(`body`))); err != nil {
		t.Fatalf("browser: %v", err)
	}
	if !strings.Contains(body, "Allotment gardeners") {
		t.Fatalf("login over plain HTTP by name did not reach the dashboard; the page says:\n%s", body)
	}
}

package public_test

import (
	"html"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/kith-social/kith/federation/fedtest"
	"github.com/kith-social/kith/storage/storagetest"
	"github.com/kith-social/kith/web/webtest"
)

// TestBrowserMemberSignIn does what a member does in chromium: types their
// handle into the form on the group's page, gets the link in a direct
// message at their server, opens it, presses the button, sees their
// members' page, and signs out everywhere.
func TestBrowserMemberSignIn(t *testing.T) {
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Skipf("browser test skipped: %s not found (apt-get install -y chromium)", chromiumPath)
	}
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	s := webtest.NewScenario(t, storagetest.Backends()[0], webtest.ScenarioOptions{})
	alice := s.Alice()
	s.Join(t, alice)
	b := newBrowser(t, s.Node)
	text := func() string {
		t.Helper()
		v, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.querySelector("main").innerText`))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}

	b.open(t, "/groups/gardeners")
	err := chromedp.Do(b.ctx,
		chromedp.SendKeys(chromedp.CSS(`#members-handle`), "@alice@"+webtest.MastodonHost),
		chromedp.Submit(chromedp.CSS(`#members-handle`)),
		chromedp.WaitVisible(chromedp.CSS(`#sent-h`)),
	)
	if err != nil {
		t.Fatalf("ask for a link: %v", err)
	}
	if got := text(); !strings.Contains(got, "a direct message with your sign-in link is on its way") {
		t.Errorf("answer page:\n%s", got)
	}

	dm := s.Masto.WaitFor(t, func(d fedtest.Delivery) bool {
		obj, _ := d.Activity["object"].(map[string]any)
		c, _ := obj["content"].(string)
		return d.Type() == "Create" && strings.Contains(c, "/me/signin?token=")
	}, webtest.Wait)
	content := dm.Activity["object"].(map[string]any)["content"].(string)
	link := html.UnescapeString(regexp.MustCompile(`href="([^"]*/me/signin\?token=[^"]+)"`).FindStringSubmatch(content)[1])

	err = chromedp.Do(b.ctx,
		chromedp.Navigate(link),
		chromedp.WaitVisible(chromedp.CSS(`#signin-button`)),
		chromedp.Click(chromedp.CSS(`#signin-button`)),
		chromedp.WaitVisible(chromedp.CSS(`#me-h`)),
	)
	if err != nil {
		t.Fatalf("sign in with the link: %v", err)
	}
	if got := text(); !strings.Contains(got, "@alice@"+webtest.MastodonHost) || !strings.Contains(got, "(this browser)") {
		t.Errorf("members' page:\n%s", got)
	}
	b.assertNothingRan(t, "")

	err = chromedp.Do(b.ctx,
		chromedp.Click(chromedp.CSS(`#signout-everywhere`)),
		chromedp.WaitVisible(chromedp.CSS(`#members-handle`)),
		chromedp.Navigate("http://"+webtest.Host+"/groups/gardeners/me"),
		chromedp.WaitVisible(chromedp.CSS(`#signin-h`)),
	)
	if err != nil {
		t.Fatalf("sign out everywhere: %v", err)
	}
}

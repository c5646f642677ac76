package public_test

import (
	"html"
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
	webtest.SkipWithoutBrowser(t)
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

	// Her profile in the group, by keyboard and mouse.
	err = chromedp.Do(b.ctx,
		chromedp.Click(chromedp.CSS(`#directory`)),
		chromedp.SendKeys(chromedp.CSS(`#pronouns`), "she/her"),
		chromedp.Click(chromedp.CSS(`#save-settings`)),
		chromedp.WaitVisible(chromedp.CSS(`#saved`)),
	)
	if err != nil {
		t.Fatalf("save her profile: %v", err)
	}
	if got := text(); !strings.Contains(got, "(she/her)") || !strings.Contains(got, "You are listed in the member directory") || !strings.Contains(got, "Saved.") {
		t.Errorf("after saving:\n%s", got)
	}

	// Every members' page at phone width: nothing wider than the screen,
	// every field labelled, every button named, and no script at all (so
	// nothing can depend on one).
	if err := chromedp.Do(b.ctx, chromedp.EmulateViewport(360, 740)); err != nil {
		t.Fatal(err)
	}
	checks := map[string]string{
		"wider than the screen": `document.documentElement.scrollWidth > window.innerWidth`,
		"a field without a label": `[...document.querySelectorAll("input:not([type=hidden]), textarea, select")].some(e =>
			!(e.labels && e.labels.length) && !e.getAttribute("aria-label"))`,
		"a button without a name": `[...document.querySelectorAll("button")].some(b => !b.textContent.trim() && !b.getAttribute("aria-label"))`,
		"a script":                `document.scripts.length > 0`,
	}
	for _, path := range []string{"", "/archive", "/directory", "/events", "/polls", "/how", "/write", "/anonymous", "/leave"} {
		err := chromedp.Do(b.ctx,
			chromedp.Navigate("http://"+webtest.Host+"/groups/gardeners/me"+path),
			chromedp.WaitReady(chromedp.CSS(`footer.site-foot`)),
		)
		if err != nil {
			t.Fatalf("open %s: %v", path, err)
		}
		for what, expr := range checks {
			bad, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](expr))
			if err != nil {
				t.Fatalf("check %q on %s: %v", what, path, err)
			}
			if bad {
				t.Errorf("/me%s: %s", path, what)
			}
		}
	}
	if err := chromedp.Do(b.ctx, chromedp.Navigate("http://"+webtest.Host+"/groups/gardeners/me"), chromedp.WaitVisible(chromedp.CSS(`#me-h`))); err != nil {
		t.Fatal(err)
	}

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

package members_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/kith-social/kith/federation/community"
	"github.com/kith-social/kith/federation/fedtest"
	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/storage/storagetest"
	"github.com/kith-social/kith/web/webtest"
)

// TestBrowserRegularsOnlyThread: in chromium, a regular signed in to the
// members' pages finds the regulars-only thread in the archive, labelled,
// and reads it; a plain member signed in the same way sees neither the
// listing nor the thread (its address shows the not-found page).
func TestBrowserRegularsOnlyThread(t *testing.T) {
	t.Parallel()
	webtest.SkipWithoutBrowser(t)
	ctx := context.Background()
	s := webtest.NewScenario(t, storagetest.Backends()[0], webtest.ScenarioOptions{})
	n, g := s.Node, s.Group
	rita, mo := s.Masto.NewActor("rita"), s.Masto.NewActor("mo")
	s.Join(t, rita)
	s.Join(t, mo)
	setLevel(t, n, g, rita, storage.LevelRegular)
	post, err := n.Fed.Community.Posting.PublishPost(ctx, g.Name, community.PostInput{Markdown: "Seed vault code: ask Lena.", RegularsOnly: true}, community.Staff{Name: "ada"})
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + webtest.Host + "/groups/" + webtest.ScenarioGroup + "/me"
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	signInBrowser := func(a *fedtest.Actor) context.Context {
		t.Helper()
		b := webtest.Browser(t, webtest.BrowserOptions{Node: n})
		err := chromedp.Do(b,
			chromedp.Navigate(base+"/signin"),
			chromedp.WaitReady(css(`input[name="handle"]`)),
			chromedp.SendKeys(css(`input[name="handle"]`), "@"+a.Handle()),
			chromedp.Submit(css(`input[name="handle"]`)),
			chromedp.WaitReady(css(`#sent-h`)),
		)
		if err != nil {
			t.Fatalf("%s asks for a link: %v", a.Handle(), err)
		}
		link := linkIn(t, s.Masto.WaitFor(t, isSignInDM(a), webtest.Wait), a)
		if err := chromedp.Do(b, chromedp.Navigate(link), chromedp.WaitVisible(css(`#signin-button`)),
			chromedp.Click(css(`#signin-button`)), chromedp.WaitVisible(css(`#me-h`))); err != nil {
			t.Fatalf("%s signs in: %v", a.Handle(), err)
		}
		return b
	}
	page := func(b context.Context, path string) string {
		t.Helper()
		if err := chromedp.Do(b, chromedp.Navigate(base+path), chromedp.WaitReady(css(`footer.site-foot`))); err != nil {
			t.Fatalf("open %s: %v", path, err)
		}
		text, err := chromedp.Run(b, chromedp.Text(css(`main`)))
		if err != nil {
			t.Fatal(err)
		}
		return text
	}

	rb := signInBrowser(rita)
	if text := page(rb, "/archive"); !strings.Contains(text, "Seed vault code") || !strings.Contains(strings.ToLower(text), "regulars only") {
		t.Errorf("the regular's archive:\n%s", text)
	}
	if text := page(rb, "/threads/"+post.ID); !strings.Contains(text, "Seed vault code") {
		t.Errorf("the regular's thread page:\n%s", text)
	}

	mb := signInBrowser(mo)
	if text := page(mb, "/archive"); strings.Contains(text, "Seed vault") {
		t.Errorf("the plain member's archive shows the regulars' thread:\n%s", text)
	}
	if text := page(mb, "/threads/"+post.ID); strings.Contains(text, "Seed vault") || !strings.Contains(text, "There is nothing here") {
		t.Errorf("the plain member's view of the regulars' thread:\n%s", text)
	}
}

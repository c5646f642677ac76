package members_test

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kith-social/kith/federation/community"
	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/storage/storagetest"
	"github.com/kith-social/kith/web/webtest"
)

// TestBrowserMembersPagesAccessible opens every members' page in chromium,
// with something on each (a members-only thread, a listed member, an
// event, a poll), signed out and signed in, at desktop and phone width,
// and runs the accessibility checks on it (webtest.AccessibilityProblems):
// labels and names, text contrast, and a visible focus on everything Tab
// reaches.
func TestBrowserMembersPagesAccessible(t *testing.T) {
	t.Parallel()
	webtest.SkipWithoutBrowser(t)
	ctx := context.Background()
	s := webtest.NewScenario(t, storagetest.Backends()[0], webtest.ScenarioOptions{})
	n, alice, bob := s.Node, s.Alice(), s.Masto.NewActor("bob")
	s.Join(t, alice)
	s.Join(t, bob)
	staff := community.Staff{Name: "ada"}
	post, err := n.Fed.Community.Posting.PublishPost(ctx, webtest.ScenarioGroup, community.PostInput{Markdown: "The shed key is under the pot.", MembersOnly: true}, staff)
	if err != nil {
		t.Fatal(err)
	}
	bobRow, err := storage.RemoteActorByIRI(ctx, n.DB, bob.ID())
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Fed.Community.Members.SaveMemberSettings(ctx, s.Group.ID, bobRow.ID, community.MemberSettingsInput{
		InDirectory: true, Pronouns: "he/him", Fields: []community.ProfileField{{Name: "Plot", Value: "7"}},
	}); err != nil {
		t.Fatal(err)
	}
	start := time.Now().Add(72 * time.Hour)
	if _, err := n.Fed.Community.Events.PublishEvent(ctx, webtest.ScenarioGroup, community.EventInput{
		Title: "Seed swap", Start: start, End: start.Add(2 * time.Hour), Timezone: "UTC", PlaceName: "The shed",
	}, staff); err != nil {
		t.Fatal(err)
	}
	if _, err := n.Fed.Community.Posting.PublishPoll(ctx, webtest.ScenarioGroup, community.PollInput{
		Question: "Which day?", Options: []string{"Saturday", "Sunday"}, Closes: time.Now().Add(time.Hour),
	}, staff); err != nil {
		t.Fatal(err)
	}

	b := webtest.Browser(t, webtest.BrowserOptions{Node: n})
	base := "http://" + webtest.Host + "/groups/" + webtest.ScenarioGroup + "/me"
	check := func(t *testing.T, what string) {
		t.Helper()
		problems, err := webtest.AccessibilityProblems(b)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		for _, p := range problems {
			t.Errorf("%s: %s", what, p)
		}
	}
	open := func(t *testing.T, path string) {
		t.Helper()
		if err := chromedp.Do(b, chromedp.Navigate(base+path), chromedp.WaitReady(chromedp.CSS(`footer.site-foot`))); err != nil {
			t.Fatalf("open %s: %v", path, err)
		}
	}

	// Signed out: the form, the answer, the link's page.
	open(t, "/signin")
	check(t, "sign-in form")
	err = chromedp.Do(b,
		chromedp.SendKeys(chromedp.CSS(`input[name="handle"]`), "@alice@"+webtest.MastodonHost),
		chromedp.Submit(chromedp.CSS(`input[name="handle"]`)),
		chromedp.WaitReady(chromedp.CSS(`#sent-h`)),
	)
	if err != nil {
		t.Fatalf("ask for a link: %v", err)
	}
	check(t, "answer page")
	link := linkIn(t, s.Masto.WaitFor(t, isSignInDM(alice), webtest.Wait), alice)
	if err := chromedp.Do(b, chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS(`#signin-button`))); err != nil {
		t.Fatalf("open the link: %v", err)
	}
	check(t, "the link's page")
	if err := chromedp.Do(b, chromedp.Click(chromedp.CSS(`#signin-button`)), chromedp.WaitVisible(chromedp.CSS(`#me-h`))); err != nil {
		t.Fatalf("sign in: %v", err)
	}

	paths := []string{"", "/archive", "/threads/" + post.RootID, "/directory", "/events", "/polls", "/how", "/write",
		"/anonymous", "/leave", "/report/" + post.ID, "/members/" + bobRow.ID + "/report", "/report/nothing"} // the last: the error page
	for _, width := range []struct {
		name string
		w, h int64
	}{{"desktop", 1200, 900}, {"phone", 360, 740}} {
		if err := chromedp.Do(b, chromedp.EmulateViewport(width.w, width.h)); err != nil {
			t.Fatal(err)
		}
		for _, path := range paths {
			open(t, path)
			check(t, width.name+" /me"+path)
		}
	}
	// A form refused shows its error as accessibly as the rest.
	open(t, "/write")
	if err := chromedp.Do(b, chromedp.SendKeys(chromedp.CSS(`#text`), "   "), chromedp.Click(chromedp.CSS(`#send-modmail`)), chromedp.WaitReady(chromedp.CSS(`.error`))); err != nil {
		t.Fatalf("send an empty message: %v", err)
	}
	check(t, "refused form")
}

package admin_test

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kith-social/kith/federation/fedtest"
	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/storage/storagetest"
	"github.com/kith-social/kith/web/webtest"
)

// TestBrowserRegularsOnlyComposer: staff choose "Regulars only" in the
// composer; the post is stored regulars-only, listed with its label, and
// reaches the regular's server addressed to the regular alone (not to the
// plain member on the same server, who gets nothing shown).
func TestBrowserRegularsOnlyComposer(t *testing.T) {
	t.Parallel()
	ctx := chrome(t)
	sc := webtest.NewScenario(t, storagetest.Backends()[0], noGroup)
	n := newNode(t, sc)
	n.setup("gardeners")
	rita, mo := n.member(sc.Masto, "rita", "gardeners"), n.member(sc.Masto, "mo", "gardeners")
	g := mustGroup(t, n.db, "gardeners")
	ra, err := storage.RemoteActorByIRI(context.Background(), n.db, rita.ID())
	if err != nil {
		t.Fatal(err)
	}
	if err := storage.SetLevel(context.Background(), n.db, time.Now(), g.ID, ra.ID, storage.LevelRegular, true); err != nil {
		t.Fatal(err)
	}

	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	base := n.srv.URL
	err = chromedp.Do(ctx,
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(css(`#f-username`)),
		chromedp.SendKeys(css(`#f-username`), "olive"),
		chromedp.SendKeys(css(`#f-password`), ownerPassword+"\r"),
		chromedp.WaitVisible(css(`ul.cards`)),
		chromedp.Navigate(base+"/admin/groups/gardeners/posts/new"),
		chromedp.WaitVisible(css(`#f-body`)),
		chromedp.SendKeys(css(`#f-body`), "Regulars: the seed vault code changed."),
		chromedp.Click(css(`input[name="audience"][value="regulars"]`)),
		chromedp.Click(css(`div.actions button[type="submit"]:not([name])`)),
		chromedp.WaitVisible(css(`ul.posts`)),
	)
	if err != nil {
		t.Fatalf("compose a regulars-only post: %v", err)
	}
	label, err := chromedp.Run(ctx, chromedp.Text(css(`ul.posts li.post .meta .tag`)))
	if err != nil {
		t.Fatal(err)
	}
	if label != "Regulars only" {
		t.Errorf("the post list labels it %q", label)
	}
	posts, err := storage.ListGroupPosts(context.Background(), n.db, g.ID, storage.PostPublished, true, 10)
	if err != nil || len(posts) != 1 || posts[0].Visibility != storage.VisibilityRegulars {
		t.Fatalf("stored posts: %+v %v", posts, err)
	}
	d := sc.Masto.WaitFor(t, func(d fedtest.Delivery) bool { return d.Type() == "Create" && d.ObjectID() == posts[0].IRI }, webtest.Wait)
	followers := n.fed.Fed.IRI.GroupFollowers("gardeners")
	if got := sc.Masto.ShownTo(d, rita, followers); got != "direct" {
		t.Errorf("Mastodon shows it to the regular as %q, want direct", got)
	}
	if got := sc.Masto.ShownTo(d, mo, followers); got != "" {
		t.Errorf("Mastodon shows it to the plain member as %q", got)
	}
}

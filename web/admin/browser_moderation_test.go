package admin_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kith-social/kith/federation/fedtest"
	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/storage/storagetest"
	"github.com/kith-social/kith/web/webtest"
)

// chrome starts a headless chromium for one test, or skips it.
func chrome(t *testing.T) context.Context {
	t.Helper()
	return webtest.Browser(t, webtest.BrowserOptions{})
}

// screenshot saves the page to docs/screenshots/NAME.png when
// KITH_SCREENSHOTS is set, so that ordinary runs leave the tree clean.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	if os.Getenv("KITH_SCREENSHOTS") == "" {
		return
	}
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	dir := filepath.Join("..", "..", "docs", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), shot, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestBrowserModeration drives a real browser through the moderators'
// daily work against the fake fediverse: (a) a Mastodon user asks to join
// a closed group and the owner approves them, so their server receives an
// Accept; (b) the owner bans a member, so their server receives a Block;
// and a post with an image from the composer. It saves screenshots of the
// composer, the requests, the members and the federation health pages.
func TestBrowserModeration(t *testing.T) {
	t.Parallel()
	ctx := chrome(t)
	sc := webtest.NewScenario(t, storagetest.Backends()[0], noGroup)
	n, db := newNode(t, sc), sc.Node.DB
	n.setup("gardeners")
	n.setGroup("gardeners", func(g *storage.Group) {
		g.Title, g.Summary = "Allotment gardeners", "Seeds, soil and *slugs*."
	})
	masto := sc.Masto
	group := n.fed.GroupIRI("gardeners")

	// A member, who posts, then the group closes and Dora asks to join.
	alice := sc.Alice()
	alice.SetProfile(fedtest.Profile{Name: "Alice Allotment", Summary: "<p>Plot 12. Rhubarb, mostly.</p>",
		Fields: []fedtest.Field{{Name: "Pronouns", Value: "she/her"}, {Name: "Plot", Value: "12"}}})
	n.send(alice, group, alice.Follow(group))
	n.memberPost(alice, "gardeners", "Rhubarb crumble recipe, anyone?")
	n.setGroup("gardeners", func(g *storage.Group) { g.Closed = true })
	dora := masto.NewActor("dora")
	dora.SetProfile(fedtest.Profile{Name: "Dora Digger", Summary: "<p>New to the allotments; I grow leeks and too many courgettes.</p>"})
	n.send(dora, group, dora.Follow(group))
	aliceRow, err := storage.RemoteActorByIRI(context.Background(), db, alice.ID())
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if _, err := storage.RecordDeliveryFailure(context.Background(), db, "sleepy.test", "dial tcp: connection refused",
			time.Now().Add(time.Duration(i-3)*time.Hour), 3, time.Hour); err != nil {
			t.Fatal(err)
		}
	}

	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	base := n.srv.URL
	err = chromedp.Do(ctx,
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(css(`#f-username`)),
		chromedp.SendKeys(css(`#f-username`), "olive"),
		chromedp.SendKeys(css(`#f-password`), ownerPassword+"\r"),
		chromedp.WaitVisible(css(`ul.cards`)),

		// (a) The request, from the group's navigation.
		chromedp.Click(css(`ul.cards a[href="/admin/groups/gardeners/requests"]`)),
		chromedp.WaitVisible(css(`ul.people`)),
	)
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	requests, err := chromedp.Run(ctx, chromedp.Text(css(`ul.people`)))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Dora Digger", "@dora@mastodon.test", "too many courgettes"} {
		if !strings.Contains(requests, want) {
			t.Errorf("requests page lacks %q:\n%s", want, requests)
		}
	}
	screenshot(t, ctx, "admin-follow-requests")
	err = chromedp.Do(ctx,
		chromedp.Click(css(`form[action$="/approve"] button`)),
		chromedp.WaitVisible(css(`p.notice`)),
	)
	if err != nil {
		t.Fatalf("browser: approve: %v", err)
	}
	masto.WaitFor(t, func(d fedtest.Delivery) bool {
		return d.Type() == "Accept" && strings.Contains(string(d.Body), dora.ID())
	}, wait)

	// (b) Ban Alice from the member list, with a reason.
	banForm := `form[action="/admin/groups/gardeners/members/` + aliceRow.ID + `/ban"]`
	err = chromedp.Do(ctx,
		chromedp.Click(css(`nav.subnav a[href="/admin/groups/gardeners/members"]`)),
		chromedp.WaitVisible(css(banForm)),
	)
	if err != nil {
		t.Fatalf("browser: members: %v", err)
	}
	members, err := chromedp.Run(ctx, chromedp.Text(css(`ul.people`)))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Alice Allotment", "Dora Digger", "Rhubarb, mostly", "she/her"} {
		if !strings.Contains(members, want) {
			t.Errorf("members page lacks %q:\n%s", want, members)
		}
	}
	screenshot(t, ctx, "admin-members")
	err = chromedp.Do(ctx,
		chromedp.SendKeys(css(banForm+` input[name="reason"]`), "Selling watches"),
		chromedp.Click(css(banForm+` button`)),
		// The ban asks first, on a page of its own.
		chromedp.WaitVisible(css(`section.confirm`)),
		chromedp.Click(css(`section.confirm button[type="submit"]`)),
		chromedp.WaitVisible(css(`p.notice`)),
	)
	if err != nil {
		t.Fatalf("browser: ban: %v", err)
	}
	masto.WaitFor(t, func(d fedtest.Delivery) bool { return d.Type() == "Block" && d.ObjectID() == alice.ID() }, wait)
	bans, err := chromedp.Run(ctx, chromedp.Text(css(`ul.people`)))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(bans, "Selling watches") {
		t.Errorf("bans page lacks the reason:\n%s", bans)
	}

	// The composer, with an image and its description.
	img := filepath.Join(t.TempDir(), "tomatoes.png")
	if err := os.WriteFile(img, pngImage(t, 640, 400, false), 0o644); err != nil {
		t.Fatal(err)
	}
	err = chromedp.Do(ctx,
		chromedp.Click(css(`nav.subnav a[href="/admin/groups/gardeners/posts"]`)),
		chromedp.WaitVisible(css(`a[href="/admin/groups/gardeners/posts/new"]`)),
		chromedp.Click(css(`main a.button[href="/admin/groups/gardeners/posts/new"]`)),
		chromedp.WaitVisible(css(`#f-body`)),
		chromedp.SendKeys(css(`#f-body`), "The **seed swap** is on Sunday at the shed. Bring spare seedlings!"),
		chromedp.SetUploadFiles(css(`#f-image-0`), []string{img}),
		chromedp.SendKeys(css(`#f-alt-0`), "Tomato seedlings in yoghurt pots on a windowsill"),
	)
	if err != nil {
		t.Fatalf("browser: composer: %v", err)
	}
	screenshot(t, ctx, "admin-composer")
	err = chromedp.Do(ctx,
		chromedp.Click(css(`form.composer button[type="submit"]`)),
		chromedp.WaitVisible(css(`ul.posts img`)),
	)
	if err != nil {
		t.Fatalf("browser: publish: %v", err)
	}
	masto.WaitFor(t, func(d fedtest.Delivery) bool {
		return d.Type() == "Create" && strings.Contains(string(d.Body), "Tomato seedlings in yoghurt pots")
	}, wait)

	// Federation health, with the software mastodon.test's NodeInfo gave.
	if err := storage.RecordServerSoftware(context.Background(), sc.Node.DB, storage.ServerSoftware{Host: "mastodon.test", Name: "mastodon", Version: "4.3.2", CheckedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	err = chromedp.Do(ctx,
		chromedp.Click(css(`nav a[href="/admin/federation"]`)),
		chromedp.WaitVisible(css(`table.servers`)),
	)
	if err != nil {
		t.Fatalf("browser: federation: %v", err)
	}
	health, err := chromedp.Run(ctx, chromedp.Text(css(`table.servers`)))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"sleepy.test", "connection refused", "mastodon.test", "mastodon 4.3.2"} {
		if !strings.Contains(health, want) {
			t.Errorf("federation page lacks %q:\n%s", want, health)
		}
	}
	screenshot(t, ctx, "admin-federation")
}

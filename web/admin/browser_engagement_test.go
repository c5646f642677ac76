package admin_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kith-social/kith/federation/fedtest"
	"github.com/kith-social/kith/storage/storagetest"
	"github.com/kith-social/kith/web/webtest"
)

// TestBrowserEngagement drives a real browser through talking with
// members: a modmail answer that reaches the member's server as a direct
// message, a poll that reaches the members as a Question, and the
// community pulse with its SVG chart. It saves screenshots of modmail,
// the anonymous queue, the pulse and the notifications.
func TestBrowserEngagement(t *testing.T) {
	t.Parallel()
	ctx := chrome(t)
	sc := webtest.NewScenario(t, storagetest.Backends()[0], noGroup)
	n := newNode(t, sc)
	n.setup("gardeners")
	masto := sc.Masto
	alice := sc.Alice()
	alice.SetProfile(fedtest.Profile{Name: "Alice Allotment"})
	group := n.fed.GroupIRI("gardeners")
	n.send(alice, group, alice.Follow(group))
	bob := n.member(masto, "bob", "gardeners")
	first := n.memberPost(alice, "gardeners", "Frost tonight: cover your dahlias!")
	n.memberPost(bob, "gardeners", "Anyone need bean poles?")
	n.send(bob, group, bob.CreateNote(fedtest.Note{Content: "<p>Thanks for the warning</p>", InReplyTo: first.IRI,
		Mentions: []fedtest.Mention{{Href: group, Name: "@gardeners@kith.test"}}}))
	n.dm(alice, "gardeners", "Hello! Could I host the seed swap at my plot next month?")
	n.dm(bob, "gardeners", "anon: I find the Saturday work parties hard to keep up with, could we have a slower group?")
	n.clock.Advance(25 * time.Hour) // a day on: bob's thread is unanswered

	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	base := n.srv.URL
	err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(css(`#f-username`)),
		chromedp.SendKeys(css(`#f-username`), "olive"),
		chromedp.SendKeys(css(`#f-password`), ownerPassword+"\r"),
		chromedp.WaitVisible(css(`ul.cards`)),
		chromedp.Navigate(base+"/admin/groups/gardeners"),
		chromedp.Click(css(`nav.subnav a[href="/admin/groups/gardeners/modmail"]`)),
		chromedp.WaitVisible(css(`ul.conversations`)),
		chromedp.Click(css(`ul.conversations a.button`)),
		chromedp.WaitVisible(css(`#f-body`)),
		chromedp.SendKeys(css(`#f-body`), "Yes please! **Saturday 10:00** suits us. Thank you, Alice."),
		chromedp.Click(css(`form.reply-form button[type="submit"]`)),
		chromedp.WaitVisible(css(`p.notice`)),
		chromedp.SendKeys(css(`#f-note`), "Alice hosted the spring swap too; she has the key to the shed."),
		chromedp.Submit(css(`#f-note`)),
		chromedp.WaitVisible(css(`li.message.internal`)),
	)
	if err != nil {
		t.Fatalf("browser: modmail: %v", err)
	}
	masto.WaitFor(t, isDMTo(alice.ID(), "<strong>Saturday 10:00</strong>"), wait)
	screenshot(t, ctx, "admin-modmail")

	err = chromedp.Do(ctx,
		chromedp.Click(css(`nav.subnav a[href="/admin/groups/gardeners/anonymous"]`)),
		chromedp.WaitVisible(css(`li.anon`)),
		chromedp.Click(css(`details.sender summary`)),
	)
	if err != nil {
		t.Fatalf("browser: anonymous: %v", err)
	}
	screenshot(t, ctx, "admin-anonymous")

	// A poll, from the group's posts.
	err = chromedp.Do(ctx,
		chromedp.Click(css(`nav.subnav a[href="/admin/groups/gardeners/posts"]`)),
		chromedp.Click(css(`a[href="/admin/groups/gardeners/polls/new"]`)),
		chromedp.WaitVisible(css(`#f-question`)),
		chromedp.SendKeys(css(`#f-question`), "When should we hold the seed swap?"),
		chromedp.SendKeys(css(`#f-option-0`), "Saturday morning"),
		chromedp.SendKeys(css(`#f-option-1`), "Sunday afternoon"),
		chromedp.SendKeys(css(`#f-option-2`), "A weekday evening"),
		chromedp.Click(css(`form.poll-form button[type="submit"]`)),
		chromedp.WaitVisible(css(`table.poll-results`)),
	)
	if err != nil {
		t.Fatalf("browser: poll: %v", err)
	}
	q := masto.WaitFor(t, func(d fedtest.Delivery) bool { return d.Type() == "Create" && d.ObjectType() == "Question" }, wait)
	if !strings.Contains(string(q.Body), "A weekday evening") {
		t.Errorf("Question = %s", q.Body)
	}

	// The pulse: its chart is an SVG with bars.
	err = chromedp.Do(ctx,
		chromedp.Click(css(`nav.subnav a[href="/admin/groups/gardeners/pulse"]`)),
		chromedp.WaitVisible(css(`svg.bars`)),
	)
	if err != nil {
		t.Fatalf("browser: pulse: %v", err)
	}
	rects, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSSAll(`svg.bars rect`)))
	if err != nil {
		t.Fatalf("browser: pulse: %v", err)
	}
	if len(rects) < 2 {
		t.Errorf("the chart has %d bars", len(rects))
	}
	unanswered, err := chromedp.Run(ctx, chromedp.Text(css(`#unanswered + form + ul`)))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(unanswered, "bean poles") {
		t.Errorf("unanswered threads:\n%s", unanswered)
	}
	screenshot(t, ctx, "admin-pulse")

	err = chromedp.Do(ctx,
		chromedp.Click(css(`nav a[href="/admin/notifications"]`)),
		chromedp.WaitVisible(css(`ul.notifications`)),
	)
	if err != nil {
		t.Fatalf("browser: notifications: %v", err)
	}
	screenshot(t, ctx, "admin-notifications")
}

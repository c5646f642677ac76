package public_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/kith-social/kith/federation/fedtest"
	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/storage/storagetest"
	"github.com/kith-social/kith/web/webtest"
)

// xss is what every payload tries to do: set a global, change the title,
// open a dialog. None of it may happen.
const xss = `window.__xss=1;document.title='pwned';alert(1)`

// xssHTML carries the payloads that go through HTML fields (content,
// summaries, profile field values).
var xssHTML = strings.Join([]string{
	`<p>Look at this</p>`,
	`<script>` + xss + `</script>`,
	`<img src=x onerror="` + xss + `">`,
	`<svg onload="` + xss + `"><circle r="40"></circle></svg>`,
	`<a href="javascript:` + xss + `">javascript link</a>`,
	`<a href="jav&#x09;ascript:` + xss + `">tab link</a>`,
	`<a href=" javascript:` + xss + `">space link</a>`,
	`<p onclick="` + xss + `" onmouseover="` + xss + `">hover me</p>`,
	`<p style="position:fixed;top:0;left:0;width:100%;height:100%;background:red">overlay</p>`,
	`<style>body{display:none} *{background:url("javascript:alert(1)")}</style>`,
	`<iframe src="javascript:` + xss + `"></iframe>`,
	`<object data="javascript:` + xss + `"></object>`,
	`<embed src="javascript:` + xss + `">`,
	`<math><mtext><table><mglyph><style><img src=x onerror="` + xss + `">`,
	`<details open ontoggle="` + xss + `"><summary>toggle</summary>x</details>`,
	`<form action="javascript:` + xss + `"><button>go</button></form>`,
	`<base href="javascript:alert(1)//">`,
	`<meta http-equiv="refresh" content="0;url=javascript:alert(1)">`,
	`<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">data link</a>`,
	`<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>`,
}, "\n")

// xssText is for plain-text fields (names, content warnings, titles).
const xssText = `"><script>` + xss + `</script><img src=x onerror="` + xss + `">`

// TestBrowserPublicPages delivers, through the real inbox, posts and a
// profile full of stored-XSS attempts, then opens the group and thread
// pages in chromium and checks that nothing ran. It also checks the copy
// button (the one same-origin script) and, when KITH_SCREENSHOTS is set,
// saves screenshots of a friendlier group's pages to docs/screenshots/.
func TestBrowserPublicPages(t *testing.T) {
	webtest.SkipWithoutBrowser(t)
	s := webtest.NewScenario(t, storagetest.Backends()[0], webtest.ScenarioOptions{Group: func(g *storage.Group) {
		g.Title = "Allotment gardeners"
		g.SummaryHTML = "<p>Seeds, soil and <em>slugs</em>. A friendly group for people who grow food on small plots and balconies.</p>"
		g.FieldsJSON = `[{"name":"Be kind","value":"<p>Assume good intent; no shaming of weedy plots.</p>"},` +
			`{"name":"Website","value":"<a href=\"https://garden.example\" rel=\"nofollow noopener noreferrer ugc\" target=\"_blank\">garden.example</a>"}]`
	}})
	n, garden := s.Node, s.Group
	// Staff-written names are text too.
	safety := n.CreateGroup(t, "safety", func(g *storage.Group) { g.Title = "Safety " + xssText })
	gardenIRI, safetyIRI := n.GroupIRI(garden.Name), n.GroupIRI(safety.Name)

	masto := s.Masto
	misskey := n.Net.NewInstance("misskey.test", fedtest.Misskey)
	alice, bob, mallory := s.Alice(), misskey.NewActor("bob"), masto.NewActor("mallory")
	alice.SetProfile(fedtest.Profile{Name: "Alice Green", Summary: "<p>Tomatoes, mostly.</p>"})
	bob.SetProfile(fedtest.Profile{Name: "Bob", Summary: "<p>Balcony grower.</p>"})
	mallory.SetProfile(fedtest.Profile{
		Name:    "Mallory " + xssText,
		Summary: xssHTML,
		Icon:    "javascript:" + xss,
		Fields: []fedtest.Field{
			{Name: xssText, Value: xssHTML},
			{Name: "Website", Value: `<a href="javascript:` + xss + `">home</a>`},
		},
	})
	for _, f := range []struct {
		a     *fedtest.Actor
		group string
	}{{alice, gardenIRI}, {bob, gardenIRI}, {alice, safetyIRI}, {mallory, safetyIRI}} {
		followAndWait(t, f.a, f.group)
	}
	deliver := func(a *fedtest.Actor, group string, note fedtest.Note) string {
		t.Helper()
		note.Mentions = append(note.Mentions, fedtest.Mention{Href: group, Name: "@" + n.Fed.IRI.GroupName(group) + "@" + webtest.Host})
		create := a.CreateNote(note)
		send(t, a, group, create)
		if p := n.WaitProcessed(t, create["id"].(string)); p.Err != nil {
			t.Fatalf("processing %s: %v", create["id"], p.Err)
		}
		return fedtest.ObjectID(create)
	}

	// A friendly thread, for the screenshots.
	tomatoes := deliver(alice, gardenIRI, fedtest.Note{Content: "<p>First ripe tomatoes of the year! The cherry ones on the south fence beat the beefsteaks by two weeks again. What is everyone harvesting?</p>"})
	cherry := deliver(bob, gardenIRI, fedtest.Note{Content: "<p>Mine too — and the first courgettes. Far too many courgettes.</p>", InReplyTo: tomatoes})
	deliver(alice, gardenIRI, fedtest.Note{Content: "<p>There is no such thing as too many courgettes. (There is.)</p>", InReplyTo: cherry})
	deliver(bob, gardenIRI, fedtest.Note{Content: "<p>The slugs found the lettuce bed overnight. Beer traps or copper tape?</p>", Summary: "garden pests"})
	deliver(alice, gardenIRI, fedtest.Note{Content: "<p>Seed swap at the allotment gate on Saturday, 10–12. Bring labelled envelopes!</p>"})

	// The attack: payloads in the content, the content warning and the
	// title of a post and of a reply, and in the author's profile.
	attack := deliver(mallory, safetyIRI, fedtest.Note{Content: xssHTML, Summary: xssText, Title: xssText})
	deliver(mallory, safetyIRI, fedtest.Note{Content: xssHTML, InReplyTo: attack})
	deliver(alice, safetyIRI, fedtest.Note{Content: xssHTML, InReplyTo: attack}) // a member quoting it

	ctx := context.Background()
	attackPost, err := storage.PostByIRI(ctx, n.DB, safety.ID, attack)
	if err != nil {
		t.Fatalf("the attack post was not stored: %v", err)
	}
	tomatoPost, err := storage.PostByIRI(ctx, n.DB, garden.ID, tomatoes)
	if err != nil {
		t.Fatal(err)
	}

	b := newBrowser(t, n)
	for _, tc := range []struct {
		name, path, title string
		shows             []string // text that proves the payloads' posts are on the page
	}{
		{"group page", "/groups/safety", "Safety " + xssText + " (@safety@kith.test)", []string{"Look at this", "hover me", "Mallory " + xssText}},
		{"thread page", "/groups/safety/threads/" + attackPost.ID, "", []string{"2 replies", "javascript link", "Alice Green"}},
		{"post page", "/groups/safety/posts/" + attackPost.ID, "", []string{"tab link", "Mallory " + xssText}},
		{"home page", "/", "Groups on kith.test", []string{"Safety " + xssText}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b.open(t, tc.path)
			// Open every content warning, so their content is rendered too.
			if err := chromedp.Do(b.ctx, chromedp.Evaluate[chromedp.Void](`document.querySelectorAll("details").forEach(d => d.open = true)`, chromedp.EvalIgnoreExceptions)); err != nil && !errors.Is(err, chromedp.ErrJSUndefined) {
				t.Fatalf("open details: %v", err)
			}
			b.assertNothingRan(t, tc.title)
			text, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.body.innerText`))
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range tc.shows {
				if !strings.Contains(text, want) {
					t.Errorf("page does not show %q", want)
				}
			}
		})
	}

	// The copy button: hidden without script, shown by copy.js, and it
	// says what it did (kith.test is not a secure context, so it selects).
	t.Run("copy button", func(t *testing.T) {
		b.open(t, "/groups/gardeners")
		err := chromedp.Do(b.ctx,
			chromedp.WaitVisible(chromedp.CSS(`button[data-copy="group-handle"]`)),
			chromedp.Click(chromedp.CSS(`button[data-copy="group-handle"]`)),
		)
		if err != nil {
			t.Fatalf("copy button: %v", err)
		}
		status, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.querySelector(".copy-status").textContent`))
		if err != nil || status == "" {
			t.Errorf("copy status %q, %v", status, err)
		}
		selected, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`String(window.getSelection())`))
		if status != "Copied" && (err != nil || selected != "@gardeners@kith.test") {
			t.Errorf("selection %q, %v", selected, err)
		}
	})

	// Screenshots of the friendly group, refreshed on request only so that
	// an ordinary test run leaves the work tree clean.
	if os.Getenv("KITH_SCREENSHOTS") == "" {
		return
	}
	dir := filepath.Join("..", "..", "docs", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, shot := range []struct{ file, path string }{
		{"public-group.png", "/groups/gardeners"},
		{"public-thread.png", "/groups/gardeners/threads/" + tomatoPost.ID},
	} {
		b.open(t, shot.path)
		png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot: %v", err)
		}
		if err := os.WriteFile(filepath.Join(dir, shot.file), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// browser is a headless chromium that reaches the node under test by its
// name: kith.test resolves to a local forwarder into the fake fediverse,
// and every other name fails, so no page can load anything from elsewhere.
type browser struct {
	ctx context.Context

	mu      sync.Mutex
	dialogs []string
}

func newBrowser(t *testing.T, n *webtest.Node) *browser {
	t.Helper()
	b := &browser{}
	b.ctx = webtest.Browser(t, webtest.BrowserOptions{Node: n, Listen: func(ev any) {
		if d, ok := ev.(*page.EventJavascriptDialogOpening); ok {
			b.mu.Lock()
			b.dialogs = append(b.dialogs, string(d.Type)+": "+d.Message)
			b.mu.Unlock()
		}
	}})
	return b
}

// open loads a page of the node and waits for it.
func (b *browser) open(t *testing.T, path string) {
	t.Helper()
	err := chromedp.Do(b.ctx,
		chromedp.Navigate("http://"+webtest.Host+path),
		chromedp.WaitReady(chromedp.CSS(`footer.site-foot`)),
	)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
}

// assertNothingRan checks that no payload executed on the current page:
// no dialog, the title is the server's, no global was set, and the DOM
// holds no script but copy.js, no event handler attribute, no javascript:
// or data: URL and no element that can run or restyle anything.
func (b *browser) assertNothingRan(t *testing.T, wantTitle string) {
	t.Helper()
	b.mu.Lock()
	dialogs := append([]string(nil), b.dialogs...)
	b.mu.Unlock()
	if len(dialogs) > 0 {
		t.Errorf("dialogs opened: %q", dialogs)
	}
	title, err := chromedp.Run(b.ctx, chromedp.Title())
	if err != nil {
		t.Fatal(err)
	}
	if title == "pwned" || (wantTitle != "" && title != wantTitle) {
		t.Errorf("document.title = %q, want %q", title, wantTitle)
	}
	checks := map[string]string{
		"a payload set a global":  `typeof window.__xss !== "undefined"`,
		"foreign script element":  `[...document.scripts].some(s => !s.src.includes("/static/public/copy.js"))`,
		"event handler attribute": `[...document.querySelectorAll("*")].some(e => [...e.attributes].some(a => a.name.toLowerCase().startsWith("on")))`,
		"javascript: or data: URL": `[...document.querySelectorAll("[href],[src],[action],[data],[formaction]")].some(e =>
			["href", "src", "action", "data", "formaction"].some(n => /^\s*(javascript|data|vbscript):/i.test(e.getAttribute(n) || "")))`,
		"active or style element": `document.querySelectorAll("main iframe, main object, main embed, main svg, main math, main style, main base, main meta, main form[action^='javascript']").length > 0`,
		"inline style attribute":  `document.querySelectorAll("main [style]").length > 0`,
		"page hidden by CSS":      `getComputedStyle(document.body).display === "none"`,
	}
	for what, expr := range checks {
		bad, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](expr))
		if err != nil {
			t.Fatalf("check %q: %v", what, err)
		}
		if bad {
			t.Errorf("%s", what)
		}
	}
}

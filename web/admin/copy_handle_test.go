package admin_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kith-social/kith/storage/storagetest"
	"github.com/kith-social/kith/web/webtest"
)

// Every page of a group in the admin links to the group's public page and
// shows its handle in a read-only field to copy (without a script), with
// the copy button hidden until the script shows it.
func TestEveryGroupPageHasPublicLinkAndHandle(t *testing.T) {
	t.Parallel()
	webtest.EachWith(t, noGroup, func(t *testing.T, sc *webtest.Scenario) {
		n := newNode(t, sc)
		owner := n.setup("gardeners")
		for _, tab := range []string{"", "/edit", "/posts", "/posts/new", "/polls/new", "/scheduled", "/requests", "/queue", "/recent",
			"/members", "/bans", "/reports", "/log", "/modmail", "/anonymous", "/pulse", "/moderators", "/events", "/events/new", "/belonging"} {
			path := "/admin/groups/gardeners" + tab
			res := owner.get(path)
			wantStatus(t, path, res, http.StatusOK)
			wantBody(t, path, res, `<a class="public-link" href="/groups/gardeners">Public page`,
				`<input id="group-handle" class="handle-field" type="text" readonly value="@gardeners@`,
				`<button type="button" class="button small quiet" data-copy="group-handle" hidden>Copy handle</button>`)
		}
		res := owner.get("/admin")
		if csp := res.header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
			t.Errorf("admin CSP %q: want the node's own scripts only", csp)
		}
	})
}

// With scripts, the button appears and copies the handle (or, where the
// clipboard is refused, selects it and says how to copy).
func TestBrowserCopyHandle(t *testing.T) {
	t.Parallel()
	ctx := chrome(t)
	sc := webtest.NewScenario(t, storagetest.Backends()[0], noGroup)
	n := newNode(t, sc)
	n.setup("gardeners")
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	base := n.srv.URL
	err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(css(`#f-username`)),
		chromedp.SendKeys(css(`#f-username`), "olive"),
		chromedp.SendKeys(css(`#f-password`), ownerPassword+"\r"),
		chromedp.WaitVisible(css(`ul.cards`)),
		chromedp.Navigate(base+"/admin/groups/gardeners/members"),
		chromedp.WaitVisible(css(`button[data-copy="group-handle"]`)),
		chromedp.Click(css(`button[data-copy="group-handle"]`)),
		chromedp.Poll[chromedp.Void](`document.querySelector(".copy-handle .copy-status").textContent !== ""`,
			chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(0)),
	)
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	handle := "@gardeners@" + strings.TrimPrefix(base, "http://")
	status := eval[string](t, ctx, `document.querySelector(".copy-handle .copy-status").textContent`)
	switch {
	case status == "Copied "+handle:
	case strings.HasPrefix(status, "Selected"):
		sel := eval[string](t, ctx, `(() => { const f = document.getElementById("group-handle"); return f.value.substring(f.selectionStart, f.selectionEnd); })()`)
		if sel != handle {
			t.Errorf("selected %q, want %q", sel, handle)
		}
	default:
		t.Errorf("after the click the page says %q", status)
	}
	screenshot(t, ctx, "admin-copy-handle")
}

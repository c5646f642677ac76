package webtest_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/kith-social/kith/web/webtest"
)

// TestAccessibilityProblems: the checks find a field without a label, a
// button without a name, faint text, a link whose focus shows nothing and
// a focus ring too pale to see — and nothing on their good twins.
func TestAccessibilityProblems(t *testing.T) {
	t.Parallel()
	ctx := webtest.Browser(t, webtest.BrowserOptions{})
	page := `<!doctype html><html lang="en"><head><title>t</title><style>
	body { background: #fff; color: #222; font: 16px sans-serif; }
	.card { background: rgba(0, 0, 0, .8); color: #eee; }
	#noring:focus { outline: none; }
	#pale:focus-visible { outline: 2px solid #f4f4f4; }
	#ring:focus-visible { outline: 3px solid #c25e00; }
	</style></head><body>
	<p id="faint" style="color:#bbb">Faint text</p>
	<p id="dark">Dark text</p>
	<div class="card"><p id="oncard">Light on a dark card</p></div>
	<input id="nolabel" type="text">
	<label for="ok">Fine</label><input id="ok" type="text">
	<button id="noname"></button>
	<a id="noring" href="#a">No focus shown</a>
	<a id="pale" href="#b">Pale ring</a>
	<a id="ring" href="#c">Ring</a>
	<h1 id="big" style="color:#888;font-size:32px">Large grey heading</h1>
	</body></html>`
	if err := chromedp.Do(ctx, chromedp.Navigate("data:text/html,"+url.PathEscape(page)), chromedp.WaitReady(chromedp.CSS(`#big`))); err != nil {
		t.Fatal(err)
	}
	problems, err := webtest.AccessibilityProblems(ctx)
	if err != nil {
		t.Fatal(err)
	}
	all := strings.Join(problems, "\n")
	for _, want := range []string{"contrast 1.92:1 (needs 4.5:1): p#faint", "a field without a label: input#nolabel",
		"a control without a name: button#noname", "no visible focus: a#noring", "focus ring contrast 1.10:1 (needs 3:1): a#pale"} {
		if !strings.Contains(all, want) {
			t.Errorf("no %q in:\n%s", want, all)
		}
	}
	for _, good := range []string{"p#dark", "p#oncard", "input#ok", "a#ring", "h1#big"} {
		if strings.Contains(all, good+" ") || strings.Contains(all, good+"\n") || strings.HasSuffix(all, good) {
			t.Errorf("%s reported:\n%s", good, all)
		}
	}
}

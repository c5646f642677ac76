package content

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/kith-social/kith/federation/fedtest/fixtures"
)

const rel = ` rel="nofollow noopener noreferrer ugc" target="_blank"`

func TestSanitizeKeepsFediverseHTML(t *testing.T) {
	s := New()
	tests := []struct {
		name, in, want string
	}{
		{
			name: "mastodon mention",
			in:   `<p><span class="h-card"><a href="https://mamot.fr/@retiolus" class="u-url mention">@<span>retiolus</span></a></span> i have never been disappointed by a thinkpad.</p>`,
			want: `<p><span class="h-card"><a href="https://mamot.fr/@retiolus" class="u-url mention"` + rel + `>@<span>retiolus</span></a></span> i have never been disappointed by a thinkpad.</p>`,
		},
		{
			name: "mastodon shortened link with translate=no and an empty class",
			in:   `<p><a href="https://kde.org/donate/" target="_blank" rel="nofollow noopener noreferrer" translate="no"><span class="invisible">https://</span><span class="">kde.org/donate/</span><span class="invisible"></span></a></p><p>[3/3]</p>`,
			want: `<p><a href="https://kde.org/donate/" translate="no"` + rel + `><span class="invisible">https://</span><span>kde.org/donate/</span><span class="invisible"></span></a></p><p>[3/3]</p>`,
		},
		{
			name: "mastodon hashtag and entities",
			in:   `<p>Hi! I&#39;m using <a href="https://mastodon.social/tags/fediverse" class="mention hashtag" rel="tag">#<span>fediverse</span></a> &amp; more</p>`,
			want: `<p>Hi! I&#39;m using <a href="https://mastodon.social/tags/fediverse" class="mention hashtag"` + rel + `>#<span>fediverse</span></a> &amp; more</p>`,
		},
		{
			name: "mastodon quote-inline and ellipsis",
			in:   `<p class="quote-inline">RE: <a href="https://x.example/@a/1"><span class="invisible">https://</span><span class="ellipsis">x.example/@a</span><span class="invisible">/1</span></a></p>`,
			want: `<p class="quote-inline">RE: <a href="https://x.example/@a/1"` + rel + `><span class="invisible">https://</span><span class="ellipsis">x.example/@a</span><span class="invisible">/1</span></a></p>`,
		},
		{
			name: "lemmy markdown body",
			in:   "<p>Captain of the starship <strong>Enterprise</strong>.</p>\n<h2>Logs</h2>\n<ol start=\"2\">\n<li><em>one</em></li>\n</ol>\n<blockquote>\n<p>quote</p>\n</blockquote>\n<pre><code class=\"language-rust\">fn main() {}\n</code></pre>\n<hr />\n<details><summary>spoiler</summary><p>hidden</p></details>",
			want: "<p>Captain of the starship <strong>Enterprise</strong>.</p>\n<h2>Logs</h2>\n<ol start=\"2\">\n<li><em>one</em></li>\n</ol>\n<blockquote>\n<p>quote</p>\n</blockquote>\n<pre><code class=\"language-rust\">fn main() {}\n</code></pre>\n<hr/>\n<details><summary>spoiler</summary><p>hidden</p></details>",
		},
		{
			name: "pleroma data attributes dropped",
			in:   `<span class="h-card"><a class="u-url mention" data-user="ACimPLEXPDd7enu3cm" href="https://enterprise.lemmy.ml/u/picard" rel="ugc">@<span>lanodan</span></a></span> test`,
			want: `<span class="h-card"><a class="u-url mention" href="https://enterprise.lemmy.ml/u/picard"` + rel + `>@<span>lanodan</span></a></span> test`,
		},
		{
			name: "pleroma bio with br",
			in:   `Pronouns: meh<br/>Timezone: Let&#39;s say Mars<br/><br/>Federation-bots: <a class="hashtag" data-tag="nobot" href="https://queer.hacktivis.me/tag/nobot">#nobot</a>`,
			want: `Pronouns: meh<br/>Timezone: Let&#39;s say Mars<br/><br/>Federation-bots: <a class="hashtag" href="https://queer.hacktivis.me/tag/nobot"` + rel + `>#nobot</a>`,
		},
		{
			name: "friendica share: foreign classes filtered, title dropped",
			in:   `<div><a href="https://lemmy.ml/post/241819">♲</a> @<span class="vcard"><a href="https://lemmy.ml/u/Liwott" class="url u-url mention" title="Liwott@lemmy.ml"><span class="fn nickname mention">Liwott@lemmy.ml</span></a>:</span><blockquote><h3>Tests</h3><br>text</blockquote></div>`,
			want: `<div><a href="https://lemmy.ml/post/241819"` + rel + `>♲</a> @<span><a href="https://lemmy.ml/u/Liwott" class="u-url mention"` + rel + `><span class="mention">Liwott@lemmy.ml</span></a>:</span><blockquote><h3>Tests</h3><br>text</blockquote></div>`,
		},
		{
			name: "mobilizon link keeps mailto and gets our rel",
			in:   `<p>For <a target="_blank" rel="noopener noreferrer ugc" href="https://www.exeterceilidhs.net/">ceilidhs</a>, mail <a href="mailto:a@b.example">us</a>.</p><p></p>`,
			want: `<p>For <a href="https://www.exeterceilidhs.net/"` + rel + `>ceilidhs</a>, mail <a href="mailto:a@b.example"` + rel + `>us</a>.</p><p></p>`,
		},
		{
			name: "misskey ruby and formatting",
			in:   `<p><ruby>漢<rp>(</rp><rt>かん</rt><rp>)</rp></ruby> <del>x</del> <s>y</s> <b>b</b> <i>i</i> <u>u</u> <sup>2</sup><sub>0</sub></p>`,
			want: `<p><ruby>漢<rp>(</rp><rt>かん</rt><rp>)</rp></ruby> <del>x</del> <s>y</s> <b>b</b> <i>i</i> <u>u</u> <sup>2</sup><sub>0</sub></p>`,
		},
		{
			name: "inline image becomes a link",
			in:   `<p><img src="https://lemmy.example/pictrs/image/cat.png" alt="a cat"> <img src="https://lemmy.example/x.png"></p>`,
			want: `<p><a href="https://lemmy.example/pictrs/image/cat.png"` + rel + `>a cat</a> <a href="https://lemmy.example/x.png"` + rel + `>https://lemmy.example/x.png</a></p>`,
		},
		{
			name: "linked image keeps only its alt text",
			in:   `<a href="https://example.com/"><img src="https://example.com/i.png" alt="logo"></a>`,
			want: `<a href="https://example.com/"` + rel + `>logo</a>`,
		},
		{
			name: "table",
			in:   `<table><thead><tr><th align="left">a</th></tr></thead><tbody><tr><td align="justify" valign="top">1</td></tr></tbody></table>`,
			want: `<table><thead><tr><th align="left">a</th></tr></thead><tbody><tr><td>1</td></tr></tbody></table>`,
		},
		{name: "empty", in: "", want: ""},
		{name: "plain text is escaped", in: `1 < 2 & "q"`, want: `1 &lt; 2 &amp; &#34;q&#34;`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := s.Sanitize(tt.in)
			if got != tt.want {
				t.Errorf("Sanitize(%q)\n got  %q\n want %q", tt.in, got, tt.want)
			}
			checkSafe(t, tt.in, got)
			if again := s.Sanitize(got); again != got {
				t.Errorf("not idempotent: %q", again)
			}
		})
	}
}

func TestSanitizeNeutralisesXSS(t *testing.T) {
	s := New()
	tests := []struct {
		name, in, want string
	}{
		{"script", `<p>hi<script>alert(1)</script></p>`, `<p>hi</p>`},
		{"script mixed case with src", `<ScRiPt SRC=https://evil.example/x.js></sCrIpT>ok`, `ok`},
		{"javascript href", `<a href="javascript:alert(1)">x</a>`, `x`},
		{"javascript href upper case", `<a href="JaVaScRiPt:alert(1)">x</a>`, `x`},
		{"javascript with tab entity", `<a href="jav&#x09;ascript:alert(1)">x</a>`, `x`},
		{"javascript with newline entity", `<a href="jav&#x0A;ascript:alert(1)">x</a>`, `x`},
		{"javascript as decimal entities", `<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>`, `x`},
		{"javascript after leading control", `<a href=" &#14; javascript:alert(1)">x</a>`, `x`},
		{"vbscript href", `<a href="vbscript:msgbox(1)">x</a>`, `x`},
		{"data href", `<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>`, `x`},
		{"relative href", `<a href="/admin/delete">x</a>`, `x`},
		{"protocol-relative href", `<a href="//evil.example/">x</a>`, `x`},
		{"class survives a bad href", `<a class="mention" href="javascript:alert(1)">x</a>`, `<a class="mention">x</a>`},
		{"onerror on img", `<img src=x onerror=alert(1)>`, ``},
		{"handlers on allowed elements", `<p onclick="alert(1)" onmouseover=alert(2)><b onfocus=alert(3) tabindex=1 autofocus>x</b></p>`, `<p><b>x</b></p>`},
		{"handler on link", `<a href="https://ok.example/" onclick="alert(1)">x</a>`, `<a href="https://ok.example/"` + rel + `>x</a>`},
		{"style attribute", `<p style="position:fixed;inset:0">overlay</p><span style="display:none">x</span>`, `<p>overlay</p><span>x</span>`},
		{"style element", `<style>body{background:url(javascript:alert(1))}</style>ok`, `ok`},
		{"svg", `<svg onload=alert(1)><script>alert(2)</script><a xlink:href="javascript:alert(3)"><text>t</text></a></svg>ok`, `ok`},
		{"math", `<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table></mtext></math>ok`, `ok`},
		{"iframe", `<iframe src="https://evil.example" srcdoc="<script>alert(1)</script>">x</iframe>ok`, `ok`},
		{"object and embed", `<object data="x.swf"><param name=a value=b></object><embed src="x.swf">ok`, `ok`},
		{"form", `<form action="https://evil.example"><input name="password"><button formaction="javascript:alert(1)">go</button></form>`, `go`},
		{"base", `<base href="https://evil.example/">ok`, `ok`},
		{"meta refresh", `<meta http-equiv="refresh" content="0;url=javascript:alert(1)">ok`, `ok`},
		{"link stylesheet", `<link rel="stylesheet" href="https://evil.example/x.css">ok`, `ok`},
		{"noscript mxss", `<noscript><p title="</noscript><img src=x onerror=alert(1)>">`, `&#34;&gt;`},
		{"textarea", `<textarea><img src=x onerror=alert(1)></textarea>ok`, `ok`},
		{"comment", `<!--<script>alert(1)</script>-->ok`, `ok`},
		// In HTML content CDATA is a bogus comment ending at the first ">", as
		// in browsers: what follows is text.
		{"cdata", `<![CDATA[<script>alert(1)</script>]]>ok`, `alert(1)]]&gt;ok`},
		{"doctype", `<!DOCTYPE html><html><body>ok</body></html>`, `ok`},
		{"id and name (DOM clobbering)", `<p id="csrf" name="token">x</p>`, `<p>x</p>`},
		{"our own classes", `<span class="admin-only visually-hidden mention">x</span>`, `<span class="mention">x</span>`},
		{"unterminated attribute", `<a href="https://ok.example" title="x><script>alert(1)</script>">t</a>`, `<a href="https://ok.example"` + rel + `>t</a>`},
		{"escaped markup stays text", `&lt;script&gt;alert(1)&lt;/script&gt;`, `&lt;script&gt;alert(1)&lt;/script&gt;`},
		{"NUL and invalid UTF-8", "a\x00b\xffc<p\x00 onclick=alert(1)>d</p>", "ab\uFFFDc<p>d</p>"},
		{"javascript img src", `<img src="javascript:alert(1)" alt="x">`, `x`},
		{"data img src", `<img src="data:image/svg+xml;base64,PHN2Zz4=" alt="">`, ``},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := s.Sanitize(tt.in)
			if got != tt.want {
				t.Errorf("Sanitize(%q)\n got  %q\n want %q", tt.in, got, tt.want)
			}
			checkSafe(t, tt.in, got)
			if again := s.Sanitize(got); again != got {
				t.Errorf("not idempotent: %q", again)
			}
		})
	}
}

// TestSanitizeFixtures runs every HTML content and summary in the shared
// fediverse fixtures through Sanitize: the output must be safe, stable, and
// read exactly like the input (nothing a reader sees is lost).
func TestSanitizeFixtures(t *testing.T) {
	root := fixtures.Dir(t)
	files, _ := filepath.Glob(filepath.Join(root, "*", "*", "*.json"))
	more, _ := filepath.Glob(filepath.Join(root, "*", "*", "*", "*.json"))
	files = append(files, more...)
	if len(files) == 0 {
		t.Fatalf("no fixtures under %s", root)
	}
	s := New()
	n := 0
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var doc any
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		for _, html := range htmlFields(doc) {
			n++
			got := s.Sanitize(html)
			checkSafe(t, html, got)
			if again := s.Sanitize(got); again != got {
				t.Errorf("%s: not idempotent: %q", file, html)
			}
			if PlainText(got) != PlainText(html) {
				t.Errorf("%s: text changed:\n in  %q\n out %q", file, PlainText(html), PlainText(got))
			}
		}
	}
	if n < 20 {
		t.Errorf("found only %d HTML fields in %d fixtures", n, len(files))
	}
}

// htmlFields returns every content and summary string in an ActivityPub
// document that contains markup.
func htmlFields(v any) []string {
	var out []string
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if str, ok := x.(string); ok && (k == "content" || k == "summary") && strings.Contains(str, "<") {
				out = append(out, str)
				continue
			}
			out = append(out, htmlFields(x)...)
		}
	case []any:
		for _, x := range v {
			out = append(out, htmlFields(x)...)
		}
	}
	return out
}

func TestSanitizerConcurrentUse(t *testing.T) {
	s := New()
	const in = `<p><a href="https://a.example/">*x*</a><script>1</script></p>`
	want := s.Sanitize(in)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				if got := s.Sanitize(in); got != want {
					t.Errorf("got %q", got)
				}
				if _, err := s.Markdown("# *hi* www.example.com"); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
}

// typicalPost is a Mastodon reply of ordinary length.
const typicalPost = `<p><span class="h-card" translate="no"><a href="https://lemmy.kde.social/c/kde" class="u-url mention">@<span>kde@lemmy.kde.social</span></a></span> We also need funding 💶 to keep the gears turning! Please support us with a donation, and tell your friends about <a href="https://mastodon.social/tags/fediverse" class="mention hashtag" rel="tag">#<span>fediverse</span></a> projects you love.</p><p><a href="https://kde.org/donate/" target="_blank" rel="nofollow noopener noreferrer" translate="no"><span class="invisible">https://</span><span class="">kde.org/donate/</span><span class="invisible"></span></a></p><p>Thanks &amp; see you at Akademy!<br>— the KDE team</p>`

func BenchmarkSanitize(b *testing.B) {
	s := New()
	b.SetBytes(int64(len(typicalPost)))
	b.ReportAllocs()
	for b.Loop() {
		s.Sanitize(typicalPost)
	}
}

func BenchmarkMarkdown(b *testing.B) {
	s := New()
	const src = "## Welcome\n\nThis is **our** group. Read the [rules](https://example.com/rules) first:\n\n1. be kind\n2. no spam\n\nContact: mods@example.com"
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Markdown(src); err != nil {
			b.Fatal(err)
		}
	}
}

package content

import (
	"strings"
	"testing"
)

func TestMarkdown(t *testing.T) {
	s := New()
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"paragraph", "Hello", "<p>Hello</p>"},
		{"headings", "# One\n## Two\n###### Six", "<h1>One</h1>\n<h2>Two</h2>\n<h6>Six</h6>"},
		{"emphasis", "*em* **strong** ~~gone~~ `code`", "<p><em>em</em> <strong>strong</strong> <del>gone</del> <code>code</code></p>"},
		{"hard wraps", "line one\nline two", "<p>line one<br>\nline two</p>"},
		{"link", "[rules](https://example.com/rules)", `<p><a href="https://example.com/rules"` + rel + ">rules</a></p>"},
		{"autolink", "see https://example.com/a?b=1 and www.example.org", `<p>see <a href="https://example.com/a?b=1"` + rel + `>https://example.com/a?b=1</a> and <a href="http://www.example.org"` + rel + ">www.example.org</a></p>"},
		{"email", "mods@example.com", `<p><a href="mailto:mods@example.com"` + rel + ">mods@example.com</a></p>"},
		{"unordered list", "- a\n- b", "<ul>\n<li>a</li>\n<li>b</li>\n</ul>"},
		{"ordered list with start", "3. c\n4. d", "<ol start=\"3\">\n<li>c</li>\n<li>d</li>\n</ol>"},
		{"fenced code", "```go\nx := 1 < 2\n```", "<pre><code class=\"language-go\">x := 1 &lt; 2\n</code></pre>"},
		{"blockquote", "> quoted", "<blockquote>\n<p>quoted</p>\n</blockquote>"},
		{"table", "| a | b |\n|:--|--:|\n| 1 | 2 |", "<table>\n<thead>\n<tr>\n<th align=\"left\">a</th>\n<th align=\"right\">b</th>\n</tr>\n</thead>\n<tbody>\n<tr>\n<td align=\"left\">1</td>\n<td align=\"right\">2</td>\n</tr>\n</tbody>\n</table>"},
		{"image becomes a link", "![our logo](https://example.com/logo.png)", `<p><a href="https://example.com/logo.png"` + rel + ">our logo</a></p>"},
		{"no heading ids", "# Top {#csrf}", "<h1>Top {#csrf}</h1>"},

		// Raw HTML is never passed through.
		{"raw script block", "<script>alert(1)</script>", ""},
		{"raw inline html", "a <b onclick=alert(1)>b</b> <img src=x onerror=alert(1)>", "<p>a b </p>"},
		{"raw html block", "<div style=\"position:fixed\">\nx\n</div>", ""},
		{"javascript link", "[x](javascript:alert(1))", "<p>x</p>"},
		{"javascript autolink", "<javascript:alert(1)>", "<p>javascript:alert(1)</p>"},
		{"data image", "![x](data:image/svg+xml;base64,PHN2Zz4=)", "<p>x</p>"},
		{"escaped html is text", "\\<script\\>", "<p>&lt;script&gt;</p>"},
		{"html in code stays text", "`<script>`", "<p><code>&lt;script&gt;</code></p>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.Markdown(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("Markdown(%q)\n got  %q\n want %q", tt.in, got, tt.want)
			}
			checkSafe(t, tt.in, got)
			if strings.Contains(got, "raw HTML omitted") {
				t.Errorf("Markdown(%q) = %q leaks goldmark's placeholder comment", tt.in, got)
			}
		})
	}
}

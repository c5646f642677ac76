package content

import (
	"testing"
	"unicode/utf8"
)

func TestPlainText(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"plain", "hello", "hello"},
		{"entities", "I&#39;m &lt;b&gt; &amp; &quot;q&quot; caf&eacute; &#x1F44D;", `I'm <b> & "q" café 👍`},
		{"paragraphs", "<p>one</p><p>two</p>\n<p>three</p>", "one\n\ntwo\n\nthree"},
		{"br", "a<br>b<br/>c", "a\nb\nc"},
		{"double br is a paragraph", "a<br><br><br><br>b", "a\n\nb"},
		{"br at paragraph end", "<p>a<br></p><p>b</p>", "a\n\nb"},
		{"empty paragraphs", "<p>£6 each.</p><p></p><p>The dance</p>", "£6 each.\n\nThe dance"},
		{"source whitespace collapses", "<p>\n  lots   of\tspace\n</p>", "lots of space"},
		{"nbsp is a space", "a&nbsp;&nbsp;b", "a b"},
		{"leading and trailing space", "  <p> x </p>  ", "x"},
		{
			"mastodon mention for command parsing",
			`<p><span class="h-card" translate="no"><a href="https://kith.example/g/knit" class="u-url mention">@<span>knit</span></a></span> anon: I&#39;d like to post this</p>`,
			"@knit anon: I'd like to post this",
		},
		{
			"mastodon shortened link reads in full",
			`<a href="https://kde.org/donate/"><span class="invisible">https://</span><span class="ellipsis">kde.org/don</span><span class="invisible">ate/</span></a>`,
			"https://kde.org/donate/",
		},
		{"list", "<ul><li>a</li><li>b</li></ul><p>after</p>", "a\nb\n\nafter"},
		{"headings", "<h1>Title</h1>text", "Title\n\ntext"},
		{"pre keeps lines", "<p>code:</p><pre><code>a  b\n  c\n</code></pre><p>done</p>", "code:\n\na  b\n  c\n\ndone"},
		{"table", "<table><tr><th>a</th><th>b</th></tr><tr><td>1</td><td>2</td></tr></table>", "a b\n1 2"},
		{"script and style dropped", "<script>var x = '<p>';</script><style>p{}</style>ok", "ok"},
		{"svg dropped", "<svg><title>t</title><text>x</text></svg>ok", "ok"},
		{"inline tags add no space", "<b>bo</b>ld <em>it</em>!", "bold it!"},
		{"unclosed tags", "<p>a<p>b", "a\n\nb"},
		{"not html", "1 < 2 > 0", "1 < 2 > 0"},
		{"multi-byte", "<p>日本語の<b>テキスト</b></p><p>Ünïcödé 👨‍👩‍👧</p>", "日本語のテキスト\n\nÜnïcödé 👨‍👩‍👧"},
		{"NUL and invalid UTF-8", "a\x00b\xff", "ab\uFFFD"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := PlainText(tt.in); got != tt.want {
				t.Errorf("PlainText(%q)\n got  %q\n want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestExcerpt(t *testing.T) {
	tests := []struct {
		name string
		in   string
		n    int
		want string
	}{
		{"zero", "<p>hello</p>", 0, ""},
		{"negative", "<p>hello</p>", -1, ""},
		{"fits", "<p>hello</p>", 5, "hello"},
		{"one line", "<p>one</p><p>two<br>three</p>", 100, "one two three"},
		{"cut at word", "<p>hello wonderful world</p>", 18, "hello wonderful…"},
		{"cut long word", "<p>abcdefghijklmnop</p>", 6, "abcde…"},
		{"n is one", "<p>hello</p>", 1, "…"},
		{"trailing punctuation trimmed", "<p>first, second third</p>", 9, "first…"},
		{"multi-byte", "<p>日本語のテキストです</p>", 5, "日本語の…"},
		{"accents", "<p>éééééé</p>", 4, "ééé…"},
		{"combining mark not split", "<p>e\u0301e\u0301e\u0301</p>", 3, "e\u0301…"},
		{"skin tone not split", "<p>👍🏽👍🏽👍🏽</p>", 4, "👍🏽…"},
		{"zwj family not split", "<p>ab👨\u200d👩\u200d👧</p>", 5, "ab…"},
		{"flag not split", "<p>🇫🇷🇩🇪🇮🇹</p>", 4, "🇫🇷…"},
		{"entities count as one rune", "<p>&amp;&amp;&amp;&amp;</p>", 3, "&&…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Excerpt(tt.in, tt.n)
			if got != tt.want {
				t.Errorf("Excerpt(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
			}
			if c := utf8.RuneCountInString(got); c > max(tt.n, 0) {
				t.Errorf("Excerpt(%q, %d) = %q has %d runes", tt.in, tt.n, got, c)
			}
		})
	}
}

func TestEscapeText(t *testing.T) {
	s := New()
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"blank", " \n\t\n ", ""},
		{"one line", "hello", "<p>hello</p>"},
		{"escaped", `<script>alert("x")</script> & 'y'`, "<p>&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &#39;y&#39;</p>"},
		{"newline", "a\nb", "<p>a<br>b</p>"},
		{"crlf", "a\r\nb\rc", "<p>a<br>b<br>c</p>"},
		{"paragraphs", "a\n\n\n b \n\nc\n", "<p>a</p><p> b</p><p>c</p>"},
		{"entities stay literal", "&amp; &lt;", "<p>&amp;amp; &amp;lt;</p>"},
		{"control characters", "a\x00b\x1bc\x7f", "<p>abc</p>"},
		{"multi-byte", "日本語\n👍🏽", "<p>日本語<br>👍🏽</p>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := EscapeText(tt.in)
			if got != tt.want {
				t.Errorf("EscapeText(%q)\n got  %q\n want %q", tt.in, got, tt.want)
			}
			if again := s.Sanitize(got); again != got {
				t.Errorf("Sanitize changed EscapeText output: %q", again)
			}
		})
	}
}

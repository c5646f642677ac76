package content

import (
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/net/html"
)

// outputElements and outputAttrs are everything sanitised HTML may contain.
var (
	outputElements = strings.Fields(`p br div span a strong b em i u del s sup sub
		code pre blockquote hr ul ol li h1 h2 h3 h4 h5 h6 ruby rt rp details summary
		table thead tbody tr th td`)
	outputAttrs = strings.Fields(`href class translate rel target start align`)
)

// checkSafe fails t unless out could only have come from the policy: no
// script, only allowed elements and attributes (so no on* handlers and no
// style), only absolute http(s)/mailto URLs, valid UTF-8 without NUL.
func checkSafe(t testing.TB, in, out string) {
	t.Helper()
	if strings.Contains(strings.ToLower(out), "<script") {
		t.Fatalf("Sanitize(%q) = %q contains <script", in, out)
	}
	if !utf8.ValidString(out) || strings.ContainsRune(out, 0) {
		t.Fatalf("Sanitize(%q) = %q is not valid UTF-8 without NUL", in, out)
	}
	z := html.NewTokenizer(strings.NewReader(out))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return
		}
		tok := z.Token()
		switch tt {
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
		case html.TextToken:
			continue
		default:
			t.Fatalf("Sanitize(%q) = %q has a %v token", in, out, tt)
		}
		if !contains(outputElements, tok.Data) {
			t.Fatalf("Sanitize(%q) = %q has element <%s>", in, out, tok.Data)
		}
		for _, a := range tok.Attr {
			if !contains(outputAttrs, a.Key) {
				t.Fatalf("Sanitize(%q) = %q has attribute %s on <%s>", in, out, a.Key, tok.Data)
			}
			if a.Key == "href" {
				u := strings.ToLower(strings.Map(func(r rune) rune {
					if r <= ' ' || r == 0x7f {
						return -1
					}
					return r
				}, a.Val))
				if !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "mailto:") {
					t.Fatalf("Sanitize(%q) = %q has href %q", in, out, a.Val)
				}
			}
		}
	}
}

// FuzzSanitize checks that whatever goes in, what comes out is safe and
// sanitising it again changes nothing. The seed corpus in
// testdata/fuzz/FuzzSanitize holds classic XSS vectors and real posts.
func FuzzSanitize(f *testing.F) {
	s := New()
	f.Fuzz(func(t *testing.T, in string) {
		out := s.Sanitize(in)
		checkSafe(t, in, out)
		if again := s.Sanitize(out); again != out {
			t.Fatalf("not idempotent:\n in:     %q\n once:   %q\n twice:  %q", in, out, again)
		}
	})
}

// FuzzMarkdown checks that rendered Markdown obeys the same policy.
func FuzzMarkdown(f *testing.F) {
	s := New()
	for _, seed := range []string{
		"# hi\n\n*a* **b** ~~c~~ `d`\n\n- e\n- f",
		"[x](javascript:alert(1)) <script>alert(1)</script> ![i](https://e.x/i.png)",
		"<img src=x onerror=alert(1)>\n\n| a |\n|---|\n| <b>b</b> |",
		"www.example.com a@b.example http://x.example/?q=\"><script>",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out, err := s.Markdown(in)
		if err != nil {
			t.Fatal(err)
		}
		checkSafe(t, in, out)
		if again := s.Sanitize(out); again != out {
			t.Fatalf("Markdown output not stable under Sanitize:\n in:   %q\n out:  %q\n again: %q", in, out, again)
		}
	})
}

// FuzzExcerpt checks Excerpt's promises: valid UTF-8, at most n runes.
func FuzzExcerpt(f *testing.F) {
	f.Add("<p>héllo wörld 👍🏽 🇫🇷🇩🇪</p>", 7)
	f.Add("e\u0301e\u0301e\u0301 👨\u200d👩\u200d👧", 3)
	f.Fuzz(func(t *testing.T, in string, n int) {
		n %= 500
		got := Excerpt(in, n)
		if !utf8.ValidString(got) {
			t.Fatalf("Excerpt(%q, %d) = %q is not valid UTF-8", in, n, got)
		}
		if c := utf8.RuneCountInString(got); c > max(n, 0) {
			t.Fatalf("Excerpt(%q, %d) = %q has %d runes", in, n, got, c)
		}
	})
}

// FuzzEscapeText checks that escaped form text is already sanitised and
// reads back as the same words.
func FuzzEscapeText(f *testing.F) {
	s := New()
	f.Add("anon: <b>hi</b>\n\nsecond & 'third'")
	f.Fuzz(func(t *testing.T, in string) {
		out := EscapeText(in)
		if got := s.Sanitize(out); got != out {
			t.Fatalf("Sanitize(EscapeText(%q)):\n got  %q\n want %q", in, got, out)
		}
		want := strings.Fields(strings.ToValidUTF8(in, "\uFFFD"))
		got := strings.Fields(PlainText(out))
		if strings.Join(got, " ") != strings.Join(want, " ") && !hasControl(in) {
			t.Fatalf("PlainText(EscapeText(%q)) = %q", in, got)
		}
	})
}

func hasControl(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return r < ' ' && r != '\n' && r != '\t' || r == 0x7f || (r >= 0x80 && r < 0xa0) })
}

package content

import (
	"net/url"
	"regexp"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"golang.org/x/net/html"
)

// linkRel is the rel every link in sanitised HTML carries.
const linkRel = "nofollow noopener noreferrer ugc"

// classNames are the class names kept on a, span and p: the microformats
// and helper classes Mastodon and Lemmy put in post HTML.
const classNames = "h-card mention hashtag u-url invisible ellipsis quote-inline"

func allowedClass(c string) bool {
	for name := range strings.FieldsSeq(classNames) {
		if c == name {
			return true
		}
	}
	return false
}

// Sanitizer sanitises HTML and renders Markdown with Kith's content policy.
// Build one with [New]; it is safe for concurrent use.
type Sanitizer struct {
	policy *bluemonday.Policy
	md     goldmark.Markdown
}

// New builds the content policy and the Markdown renderer.
func New() *Sanitizer {
	return &Sanitizer{policy: newPolicy(), md: newMarkdown()}
}

func newPolicy() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.AllowElements(
		"p", "br", "div", "span",
		"strong", "b", "em", "i", "u", "del", "s", "sup", "sub",
		"code", "pre", "blockquote", "hr",
		"ul", "ol", "li",
		"h1", "h2", "h3", "h4", "h5", "h6",
		"ruby", "rt", "rp",
		"details", "summary",
		"table", "thead", "tbody", "tr", "th", "td",
	)

	p.AllowAttrs("href").OnElements("a")
	// img survives bluemonday only so that finish can turn it into a link;
	// no img element is ever written out.
	p.AllowAttrs("src", "alt").OnElements("img")
	p.RequireParseableURLs(true)
	p.AllowRelativeURLs(false)
	p.AllowURLSchemeWithCustomPolicy("http", webURL)
	p.AllowURLSchemeWithCustomPolicy("https", webURL)
	p.AllowURLSchemeWithCustomPolicy("mailto", func(u *url.URL) bool { return u.Opaque != "" })

	// A class attribute survives if it names at least one allowed class;
	// finish then removes the other words. Checking here as well means an
	// element never loses its last attribute after bluemonday has decided
	// to keep it, which would make Sanitize not idempotent for <a>.
	anyAllowed := strings.Join(strings.Fields(classNames), "|")
	p.AllowAttrs("class").Matching(regexp.MustCompile(
		`^\s*(?:[\w-]+\s+)*(?:`+anyAllowed+`)(?:\s+[\w-]+)*\s*$`,
	)).OnElements("a", "span", "p")
	p.AllowAttrs("translate").Matching(regexp.MustCompile(`^(?:yes|no)$`)).OnElements("a", "span")
	p.AllowAttrs("start").Matching(regexp.MustCompile(`^[0-9]{1,6}$`)).OnElements("ol")
	p.AllowAttrs("class").Matching(regexp.MustCompile(`^language-[A-Za-z0-9_+#.-]{1,32}$`)).OnElements("code")
	p.AllowAttrs("align").Matching(regexp.MustCompile(`^(?:left|center|right)$`)).OnElements("th", "td")

	// Drop these with everything inside; bluemonday already does so for
	// script, style, iframe, object, noscript, title and a few more.
	p.SkipElementsContent("svg", "math", "template", "textarea", "select")
	return p
}

// webURL accepts absolute http(s) URLs with a host and no user info: not
// "http:foo", which browsers resolve in surprising ways, nor
// "https://bank.example@evil.example/", which is made to mislead.
func webURL(u *url.URL) bool {
	return u.Host != "" && u.Opaque == "" && u.User == nil
}

// Sanitize returns src reduced to Kith's content policy (see the package
// documentation). The result is valid UTF-8 without NUL bytes, and
// Sanitize is idempotent: Sanitize(Sanitize(x)) == Sanitize(x), so stored
// content can be sanitised again on output at no risk of drift.
func (s *Sanitizer) Sanitize(src string) string {
	if src == "" {
		return ""
	}
	return finish(s.policy.Sanitize(cleanText(src)))
}

// cleanText removes NUL bytes and replaces invalid UTF-8, neither of which
// has a place in a post and both of which PostgreSQL refuses to store.
func cleanText(s string) string {
	return strings.ToValidUTF8(strings.ReplaceAll(s, "\x00", ""), "\uFFFD")
}

// finish applies what bluemonday cannot express to its output: class words
// are filtered against allowedClass, links get our rel and target, and
// images become links. It only rewrites attributes and replaces img tags;
// text is re-escaped by the tokenizer, so its output is as safe as its input.
func finish(in string) string {
	var b strings.Builder
	b.Grow(len(in) + len(in)/4)
	z := html.NewTokenizer(strings.NewReader(in))
	inLink := 0
	for {
		if z.Next() == html.ErrorToken {
			return b.String()
		}
		t := z.Token()
		switch t.Type {
		case html.StartTagToken, html.SelfClosingTagToken:
			switch t.Data {
			case "a":
				t.Attr = linkAttrs(filterClasses(t.Attr))
				if t.Type == html.StartTagToken {
					inLink++
				}
			case "span", "p":
				t.Attr = filterClasses(t.Attr)
			case "img":
				writeImageLink(&b, t.Attr, inLink > 0)
				continue
			}
		case html.EndTagToken:
			if t.Data == "a" && inLink > 0 {
				inLink--
			}
		}
		b.WriteString(t.String())
	}
}

// filterClasses keeps only allowed class words, once each, and drops the
// attribute when none is left.
func filterClasses(attrs []html.Attribute) []html.Attribute {
	out := attrs[:0]
	for _, a := range attrs {
		if a.Key == "class" {
			var kept []string
			for _, c := range strings.Fields(a.Val) {
				if allowedClass(c) && !contains(kept, c) {
					kept = append(kept, c)
				}
			}
			if len(kept) == 0 {
				continue
			}
			a.Val = strings.Join(kept, " ")
		}
		out = append(out, a)
	}
	return out
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// linkAttrs replaces whatever rel and target a link had with ours.
func linkAttrs(attrs []html.Attribute) []html.Attribute {
	out := attrs[:0]
	hasHref := false
	for _, a := range attrs {
		switch a.Key {
		case "rel", "target":
			continue
		case "href":
			hasHref = true
		}
		out = append(out, a)
	}
	if hasHref {
		out = append(out,
			html.Attribute{Key: "rel", Val: linkRel},
			html.Attribute{Key: "target", Val: "_blank"})
	}
	return out
}

// writeImageLink writes an img as a link to the image, or as its alt text
// when it has no usable src or already sits inside a link.
func writeImageLink(b *strings.Builder, attrs []html.Attribute, inLink bool) {
	var src, alt string
	for _, a := range attrs {
		switch a.Key {
		case "src":
			src = a.Val
		case "alt":
			alt = strings.TrimSpace(a.Val)
		}
	}
	if src == "" || inLink {
		b.WriteString(html.EscapeString(alt))
		return
	}
	text := alt
	if text == "" {
		text = src
	}
	b.WriteString(`<a href="`)
	b.WriteString(html.EscapeString(src))
	b.WriteString(`" rel="` + linkRel + `" target="_blank">`)
	b.WriteString(html.EscapeString(text))
	b.WriteString(`</a>`)
}

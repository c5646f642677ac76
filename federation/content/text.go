package content

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
)

// PlainText returns the text of an HTML fragment: tags are removed, entities
// decoded, <br> becomes a newline, paragraphs and other blocks are separated
// by a blank line, list items and table rows start a new line, and other
// runs of white space (including non-breaking spaces) collapse to one space,
// except inside <pre>, which is kept as written. Leading and trailing white
// space is trimmed and, outside <pre>, there are never more than two
// newlines in a row. NUL bytes are removed and invalid UTF-8 replaced. The
// content of script, style and similar elements is dropped. The result is
// text, not HTML: escape it before putting it on a page.
func PlainText(src string) string {
	var w textWriter
	z := html.NewTokenizer(strings.NewReader(cleanText(src)))
	skip, pre := 0, 0
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return w.b.String()
		}
		name, _ := z.TagName()
		tag := string(name)
		switch tt {
		case html.TextToken:
			if skip > 0 {
				continue
			}
			if pre > 0 {
				w.verbatim(string(z.Text()))
			} else {
				w.text(string(z.Text()))
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			if skipContent(tag) {
				if tt == html.StartTagToken {
					skip++
				}
				continue
			}
			if tag == "pre" && tt == html.StartTagToken {
				pre++
			}
			w.open(tag)
		case html.EndTagToken:
			if skipContent(tag) {
				if skip > 0 {
					skip--
				}
				continue
			}
			if tag == "pre" && pre > 0 {
				pre--
			}
			w.close(tag)
		}
	}
}

// skipContent reports elements whose content is never text for a reader.
func skipContent(tag string) bool {
	switch tag {
	case "script", "style", "template", "head", "title", "svg", "math",
		"iframe", "object", "noscript", "textarea", "select":
		return true
	}
	return false
}

func isBlock(tag string) bool {
	switch tag {
	case "p", "div", "blockquote", "pre", "ul", "ol", "dl", "table",
		"h1", "h2", "h3", "h4", "h5", "h6", "hr", "details", "summary",
		"section", "article", "header", "footer", "aside", "nav", "figure",
		"figcaption", "address", "main":
		return true
	}
	return false
}

// textWriter builds PlainText's output. Breaks and spaces are held back
// until the next visible text, so none leads or trails the result.
type textWriter struct {
	b        strings.Builder
	newlines int  // pending newlines, at most 2
	space    bool // pending space
}

func (w *textWriter) open(tag string) {
	switch {
	case tag == "br":
		w.breakLine(min(w.newlines+1, 2))
	case tag == "li" || tag == "tr" || tag == "dt" || tag == "dd":
		w.breakLine(1)
	case tag == "td" || tag == "th":
		w.space = true
	case isBlock(tag):
		w.breakLine(2)
	}
}

func (w *textWriter) close(tag string) {
	switch {
	case tag == "li" || tag == "tr" || tag == "dt" || tag == "dd":
		w.breakLine(1)
	case isBlock(tag):
		w.breakLine(2)
	}
}

func (w *textWriter) breakLine(n int) {
	w.newlines = max(w.newlines, n)
	w.space = false
}

// flush writes the pending break or space before visible text.
func (w *textWriter) flush() {
	if w.b.Len() > 0 {
		if w.newlines > 0 {
			w.b.WriteString("\n\n"[:w.newlines])
		} else if w.space {
			w.b.WriteByte(' ')
		}
	}
	w.newlines, w.space = 0, false
}

func (w *textWriter) text(s string) {
	for _, r := range s {
		if unicode.IsSpace(r) {
			if w.newlines == 0 {
				w.space = true
			}
			continue
		}
		w.flush()
		w.b.WriteRune(r)
	}
}

// verbatim writes preformatted text, keeping its line breaks.
func (w *textWriter) verbatim(s string) {
	s = strings.TrimRightFunc(s, unicode.IsSpace)
	if strings.TrimSpace(s) == "" {
		return
	}
	if w.b.Len() == 0 || w.newlines > 0 {
		s = strings.TrimLeft(s, "\n")
	}
	w.flush()
	w.b.WriteString(s)
}

// Excerpt returns the plain text of src on one line (all white space
// collapsed to single spaces), cut to at most n runes including a trailing
// "…" when it had to be shortened. It cuts at a word boundary when one is in
// the second half, never inside a rune and not between a character and the
// combining marks, joiners or modifiers that follow it. n <= 0 gives "".
func Excerpt(src string, n int) string {
	if n <= 0 {
		return ""
	}
	text := strings.Join(strings.Fields(PlainText(src)), " ")
	if utf8.RuneCountInString(text) <= n {
		return text
	}
	runes := []rune(text)
	cut := n - 1 // room for the ellipsis
	if !unicode.IsSpace(runes[cut]) {
		for i := cut - 1; i >= cut/2 && i > 0; i-- {
			if unicode.IsSpace(runes[i]) {
				cut = i
				break
			}
		}
	}
	for cut > 0 && joinsPrevious(runes, cut) {
		cut--
	}
	head := strings.TrimRightFunc(string(runes[:cut]), func(r rune) bool {
		return unicode.IsSpace(r) || strings.ContainsRune(",;:-–—", r)
	})
	return head + "…"
}

// joinsPrevious reports whether runes[i] belongs to the same user-perceived
// character as runes[i-1], so that cutting before it would break one up.
func joinsPrevious(runes []rune, i int) bool {
	const zwj = '\u200d'
	r, prev := runes[i], runes[i-1]
	switch {
	case prev == zwj || r == zwj:
		return true
	case unicode.In(r, unicode.Mn, unicode.Me, unicode.Mc, unicode.Variation_Selector):
		return true
	case r >= 0x1F3FB && r <= 0x1F3FF: // skin tone modifiers
		return true
	case r >= 0xE0020 && r <= 0xE007F: // emoji tag sequences (subdivision flags)
		return true
	case isRegionalIndicator(r):
		// Flags are pairs: cutting before r splits one when an odd number
		// of regional indicators precede it.
		n := 0
		for j := i - 1; j >= 0 && isRegionalIndicator(runes[j]); j-- {
			n++
		}
		return n%2 == 1
	}
	return false
}

func isRegionalIndicator(r rune) bool { return r >= 0x1F1E6 && r <= 0x1F1FF }

// EscapeText turns plain text from a form into HTML: it is escaped, blank
// lines separate paragraphs (<p>...</p>) and single newlines become <br>.
// Control characters other than newline and tab are removed. Empty or
// all-blank input gives "". The result is left unchanged by
// [Sanitizer.Sanitize].
func EscapeText(s string) string {
	s = strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\r\n", "\n")
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\r':
			return '\n'
		case r == '\n' || r == '\t':
			return r
		case unicode.IsControl(r):
			return -1
		}
		return r
	}, s)

	var b strings.Builder
	b.Grow(len(s) + len(s)/8 + 8)
	inPara := false
	for line := range strings.SplitSeq(s, "\n") {
		line = strings.TrimRightFunc(line, unicode.IsSpace)
		if strings.TrimSpace(line) == "" {
			if inPara {
				b.WriteString("</p>")
				inPara = false
			}
			continue
		}
		if inPara {
			b.WriteString("<br>")
		} else {
			b.WriteString("<p>")
			inPara = true
		}
		b.WriteString(html.EscapeString(line))
	}
	if inPara {
		b.WriteString("</p>")
	}
	return b.String()
}

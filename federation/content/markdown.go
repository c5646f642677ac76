package content

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	gmhtml "github.com/yuin/goldmark/renderer/html"
)

func newMarkdown() goldmark.Markdown {
	return goldmark.New(
		goldmark.WithExtensions(
			extension.Linkify,
			extension.Strikethrough,
			// align="..." rather than style="text-align:...", which the
			// policy would strip.
			extension.NewTable(extension.WithTableCellAlignMethod(extension.TableCellAlignAttribute)),
		),
		// Not html.WithUnsafe: raw HTML and dangerous link destinations are
		// omitted by goldmark before the sanitiser ever sees them.
		goldmark.WithRendererOptions(gmhtml.WithHardWraps()),
	)
}

// Markdown renders Markdown written by staff (group summaries, posts) to
// HTML, then sanitises the result with the same policy as remote HTML.
// Raw HTML in src is dropped, never passed through.
func (s *Sanitizer) Markdown(src string) (string, error) {
	var buf bytes.Buffer
	buf.Grow(len(src) + len(src)/2)
	if err := s.md.Convert([]byte(src), &buf); err != nil {
		return "", fmt.Errorf("rendering markdown: %w", err)
	}
	return strings.TrimSpace(s.Sanitize(buf.String())), nil
}

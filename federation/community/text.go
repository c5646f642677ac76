package community

import (
	"strings"

	"github.com/kith-social/kith/federation/content"
)

// plainLine turns a title or content warning, which some servers send as
// HTML, into one line of plain text.
func plainLine(s string) string {
	if s == "" {
		return ""
	}
	return strings.Join(strings.Fields(content.PlainText(s)), " ")
}

package public

import (
	"strings"
	"time"
	"unicode/utf8"
)

// calendar writes an iCalendar (RFC 5545) document: CRLF line ends, lines
// folded at 75 octets (never inside a UTF-8 sequence), text values escaped.
type calendar struct{ b strings.Builder }

// line writes one content line "NAME:value", folded.
func (c *calendar) line(name, value string) {
	l := name + ":" + value
	limit := 75 // octets on the first line; continuation lines start with a space
	for len(l) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(l[cut]) {
			cut--
		}
		c.b.WriteString(l[:cut] + "\r\n ")
		l, limit = l[cut:], 74
	}
	c.b.WriteString(l + "\r\n")
}

// text writes a TEXT property, escaped.
func (c *calendar) text(name, value string) { c.line(name, icsEscape(value)) }

// time writes a DATE-TIME property in UTC.
func (c *calendar) time(name string, t time.Time) { c.line(name, t.UTC().Format("20060102T150405Z")) }

func (c *calendar) String() string { return c.b.String() }

// icsEscape escapes a TEXT value (RFC 5545 §3.3.11).
func icsEscape(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\n", `\n`, "\r", `\n`).Replace(s)
}

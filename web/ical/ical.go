// Package ical writes iCalendar (RFC 5545) documents, for the group's
// public events feed (web/public) and a member's private calendar
// (web/members).
package ical

import (
	"strings"
	"time"
	"unicode/utf8"
)

// Calendar writes an iCalendar (RFC 5545) document: CRLF line ends, lines
// folded at 75 octets (never inside a UTF-8 sequence), text values escaped.
type Calendar struct{ b strings.Builder }

// Line writes one content line "NAME:value", folded.
func (c *Calendar) Line(name, value string) {
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

// Text writes a TEXT property, escaped.
func (c *Calendar) Text(name, value string) { c.Line(name, Escape(value)) }

// Time writes a DATE-TIME property in UTC.
func (c *Calendar) Time(name string, t time.Time) { c.Line(name, t.UTC().Format("20060102T150405Z")) }

func (c *Calendar) String() string { return c.b.String() }

// Begin opens a published calendar: product names the PRODID
// ("-//Kith//<product>//EN"), name is its display name.
func (c *Calendar) Begin(product, name string) {
	c.Line("BEGIN", "VCALENDAR")
	c.Line("VERSION", "2.0")
	c.Line("PRODID", "-//Kith//"+product+"//EN")
	c.Line("CALSCALE", "GREGORIAN")
	c.Line("METHOD", "PUBLISH")
	c.Text("X-WR-CALNAME", name)
}

// End closes the calendar Begin opened.
func (c *Calendar) End() { c.Line("END", "VCALENDAR") }

// Event is one VEVENT: times in UTC; empty Location and URL are left out.
type Event struct {
	UID                  string
	Stamp, Start, End    time.Time
	Summary, Description string
	Location, URL        string
	Cancelled            bool // STATUS:CANCELLED, else CONFIRMED
}

// Event writes one event.
func (c *Calendar) Event(e Event) {
	c.Line("BEGIN", "VEVENT")
	c.Line("UID", e.UID)
	c.Time("DTSTAMP", e.Stamp)
	c.Time("DTSTART", e.Start)
	c.Time("DTEND", e.End)
	c.Text("SUMMARY", e.Summary)
	c.Text("DESCRIPTION", e.Description)
	if e.Location != "" {
		c.Text("LOCATION", e.Location)
	}
	if e.URL != "" {
		c.Line("URL", e.URL)
	}
	status := "CONFIRMED"
	if e.Cancelled {
		status = "CANCELLED"
	}
	c.Line("STATUS", status)
	c.Line("END", "VEVENT")
}

// Escape escapes a TEXT value (RFC 5545 §3.3.11).
func Escape(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\n", `\n`, "\r", `\n`).Replace(s)
}

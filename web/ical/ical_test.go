package ical

import (
	"strings"
	"testing"
	"time"
)

func TestEventsCalendar(t *testing.T) {
	start := time.Date(2026, 12, 24, 18, 30, 0, 0, time.FixedZone("CET", 3600))
	cases := []struct {
		name string
		ev   Event
		want []string // the VEVENT's lines
	}{
		{
			name: "everything",
			ev: Event{UID: "e1@kith.example", Stamp: start, Start: start, End: start.Add(2 * time.Hour),
				Summary: "Carols, mulled wine; all welcome", Description: "Bring a mug.\nOr two.",
				Location: "The old barn", URL: "https://kith.example/groups/g/events/e1", Cancelled: true},
			want: []string{"BEGIN:VEVENT", "UID:e1@kith.example", "DTSTAMP:20261224T173000Z",
				"DTSTART:20261224T173000Z", "DTEND:20261224T193000Z", `SUMMARY:Carols\, mulled wine\; all welcome`,
				`DESCRIPTION:Bring a mug.\nOr two.`, "LOCATION:The old barn", "URL:https://kith.example/groups/g/events/e1",
				"STATUS:CANCELLED", "END:VEVENT"},
		},
		{
			name: "no place, no link",
			ev:   Event{UID: "e2@kith.example", Stamp: start, Start: start, End: start, Summary: "Call"},
			want: []string{"BEGIN:VEVENT", "UID:e2@kith.example", "DTSTAMP:20261224T173000Z",
				"DTSTART:20261224T173000Z", "DTEND:20261224T173000Z", "SUMMARY:Call", "DESCRIPTION:",
				"STATUS:CONFIRMED", "END:VEVENT"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var cal Calendar
			cal.Begin("Group events", "Gardeners")
			cal.Event(c.ev)
			cal.End()
			want := append([]string{"BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Kith//Group events//EN",
				"CALSCALE:GREGORIAN", "METHOD:PUBLISH", "X-WR-CALNAME:Gardeners"}, c.want...)
			want = append(want, "END:VCALENDAR")
			if got := cal.String(); got != strings.Join(want, "\r\n")+"\r\n" {
				t.Errorf("got\n%s\nwant\n%s", got, strings.Join(want, "\r\n"))
			}
		})
	}
}

// Long lines fold at 75 octets, never inside a UTF-8 sequence.
func TestLineFolds(t *testing.T) {
	var cal Calendar
	long := strings.Repeat("é", 60) // 120 octets
	cal.Text("SUMMARY", long)
	lines := strings.Split(strings.TrimSuffix(cal.String(), "\r\n"), "\r\n")
	if len(lines) < 2 {
		t.Fatalf("not folded: %q", cal.String())
	}
	joined := lines[0]
	for _, l := range lines {
		if len(l) > 75 {
			t.Errorf("line of %d octets: %q", len(l), l)
		}
	}
	for _, l := range lines[1:] {
		if !strings.HasPrefix(l, " ") {
			t.Errorf("continuation line without its space: %q", l)
		}
		joined += l[1:]
	}
	if joined != "SUMMARY:"+long {
		t.Errorf("unfolded %q, want %q", joined, "SUMMARY:"+long)
	}
}

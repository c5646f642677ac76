package admin

import (
	"fmt"
	"slices"
	"strings"
	"time"
	_ "time/tzdata" // the zones below load on any machine, with or without a tz database
)

// The time zones staff choose from, one list for every form that takes a
// time: the composer's and the poll's "publish at", a poll's end, an
// event's start and end. They are IANA names rather than offsets: a name
// follows its region's daylight-saving rules (a meeting at 18:00 in
// Europe/London stays at 18:00 after the clocks change), and an event
// carries its zone's name to other servers (Mobilizon's `timezone`). The
// list is the zones of the world's large cities, at least one for every
// offset in use; the tz database is compiled in (time/tzdata).
var zoneNames = []string{
	"Africa/Abidjan", "Africa/Accra", "Africa/Addis_Ababa", "Africa/Algiers", "Africa/Cairo", "Africa/Casablanca",
	"Africa/Johannesburg", "Africa/Khartoum", "Africa/Kinshasa", "Africa/Lagos", "Africa/Nairobi", "Africa/Tunis",
	"America/Anchorage", "America/Argentina/Buenos_Aires", "America/Bogota", "America/Caracas", "America/Chicago",
	"America/Denver", "America/Edmonton", "America/Guatemala", "America/Halifax", "America/Havana", "America/La_Paz",
	"America/Lima", "America/Los_Angeles", "America/Mexico_City", "America/Montevideo", "America/New_York",
	"America/Panama", "America/Phoenix", "America/Puerto_Rico", "America/Santiago", "America/Sao_Paulo",
	"America/St_Johns", "America/Toronto", "America/Vancouver", "America/Winnipeg", "America/Nuuk",
	"Asia/Almaty", "Asia/Baghdad", "Asia/Bangkok", "Asia/Colombo", "Asia/Dhaka", "Asia/Dubai", "Asia/Hong_Kong",
	"Asia/Jakarta", "Asia/Jerusalem", "Asia/Kabul", "Asia/Karachi", "Asia/Kathmandu", "Asia/Kolkata", "Asia/Manila",
	"Asia/Riyadh", "Asia/Seoul", "Asia/Shanghai", "Asia/Singapore", "Asia/Taipei", "Asia/Tashkent", "Asia/Tbilisi",
	"Asia/Tehran", "Asia/Tokyo", "Asia/Vladivostok", "Asia/Yangon", "Asia/Yekaterinburg", "Asia/Yerevan",
	"Atlantic/Azores", "Atlantic/Cape_Verde", "Atlantic/Reykjavik", "Atlantic/South_Georgia",
	"Australia/Adelaide", "Australia/Brisbane", "Australia/Darwin", "Australia/Eucla", "Australia/Lord_Howe",
	"Australia/Perth", "Australia/Sydney",
	"Europe/Amsterdam", "Europe/Athens", "Europe/Berlin", "Europe/Brussels", "Europe/Bucharest", "Europe/Budapest",
	"Europe/Dublin", "Europe/Helsinki", "Europe/Istanbul", "Europe/Kyiv", "Europe/Lisbon", "Europe/London",
	"Europe/Madrid", "Europe/Moscow", "Europe/Oslo", "Europe/Paris", "Europe/Prague", "Europe/Rome",
	"Europe/Stockholm", "Europe/Vienna", "Europe/Warsaw", "Europe/Zurich",
	"Indian/Maldives", "Indian/Mauritius",
	"Pacific/Apia", "Pacific/Auckland", "Pacific/Chatham", "Pacific/Fiji", "Pacific/Guam", "Pacific/Honolulu",
	"Pacific/Kiritimati", "Pacific/Marquesas", "Pacific/Noumea", "Pacific/Pago_Pago", "Pacific/Port_Moresby",
	"Pacific/Tongatapu",
}

// zoneOption is one choice of a time zone select.
type zoneOption struct {
	Value string // "UTC" or an IANA name: "Europe/London"
	Label string // "Europe/London (UTC+01:00 now)"
}

// zoneOptions lists UTC, then every zone by name, each with its offset at
// now; keep (a zone stored before, not in the list) is offered too.
func zoneOptions(now time.Time, keep ...string) []zoneOption {
	names := slices.Clone(zoneNames)
	for _, k := range keep {
		if k != "" && k != "UTC" && !slices.Contains(names, k) {
			if _, err := time.LoadLocation(k); err == nil {
				names = append(names, k)
			}
		}
	}
	slices.Sort(names)
	out := []zoneOption{{Value: "UTC", Label: "UTC"}}
	for _, name := range names {
		loc, err := time.LoadLocation(name)
		if err != nil {
			continue
		}
		_, secs := now.In(loc).Zone()
		out = append(out, zoneOption{Value: name, Label: fmt.Sprintf("%s (UTC%s now)", strings.ReplaceAll(name, "_", " "), formatOffset(secs/60))})
	}
	return out
}

// zoneOf reads a zone value: UTC, a zone of the list, or one of keep (a
// zone stored before). ok is false for anything else.
func zoneOf(v string, keep ...string) (*time.Location, bool) {
	if v == "" || v == "UTC" {
		return time.UTC, true
	}
	if !slices.Contains(zoneNames, v) && !slices.Contains(keep, v) {
		return nil, false
	}
	loc, err := time.LoadLocation(v)
	return loc, err == nil
}

func formatOffset(minutes int) string {
	sign := "+"
	if minutes < 0 {
		sign, minutes = "-", -minutes
	}
	return fmt.Sprintf("%s%02d:%02d", sign, minutes/60, minutes%60)
}

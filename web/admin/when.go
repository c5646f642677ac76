package admin

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Times typed in forms: a datetime-local input ("2006-01-02T15:04", no
// zone) read in the zone chosen beside it. The zone is an explicit offset
// from UTC, defaulting to UTC, rather than the browser's (which needs
// JavaScript) or a zone name (which needs the tz database on the server).
const localLayout = "2006-01-02T15:04"

// zoneOption is one choice of the time zone select.
type zoneOption struct {
	Value string // "UTC" or "+05:30"
	Label string
}

// zoneOptions lists UTC and the offsets in use around the world.
func zoneOptions() []zoneOption {
	extra := map[int]bool{-570: true, -210: true, 210: true, 270: true, 330: true, 345: true, 390: true, 525: true, 570: true, 630: true, 765: true, 825: true}
	out := []zoneOption{{Value: "UTC", Label: "UTC"}}
	for m := -12 * 60; m <= 14*60; m += 15 {
		if m == 0 || m%60 != 0 && !extra[m] {
			continue
		}
		v := formatOffset(m)
		out = append(out, zoneOption{Value: v, Label: "UTC" + v})
	}
	return out
}

func formatOffset(minutes int) string {
	sign := "+"
	if minutes < 0 {
		sign, minutes = "-", -minutes
	}
	return fmt.Sprintf("%s%02d:%02d", sign, minutes/60, minutes%60)
}

// zoneOf reads a zone value; ok is false for anything not offered.
func zoneOf(v string) (*time.Location, bool) {
	if v == "" || v == "UTC" {
		return time.UTC, true
	}
	for _, o := range zoneOptions() {
		if o.Value != v {
			continue
		}
		h, _ := strconv.Atoi(v[1:3])
		m, _ := strconv.Atoi(v[4:6])
		secs := (h*60 + m) * 60
		if strings.HasPrefix(v, "-") {
			secs = -secs
		}
		return time.FixedZone("UTC"+v, secs), true
	}
	return nil, false
}

// parseLocal reads a datetime-local value in a zone. Browsers send
// seconds when the step allows them; both forms are accepted.
func parseLocal(value string, loc *time.Location) (time.Time, error) {
	for _, layout := range []string{localLayout, localLayout + ":05"} {
		if t, err := time.ParseInLocation(layout, value, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("time %q: want YYYY-MM-DDTHH:MM", value)
}

// formTime reads the time field name in the zone field "tz", recording
// errors beside them; ok is false when the field is empty or wrong.
func formTime(f *form, name, emptyMsg string) (time.Time, bool) {
	v := f.Get(name)
	loc, zoneOK := zoneOf(f.Get("tz"))
	if !zoneOK {
		f.Fail("tz", "Choose a time zone from the list.")
	}
	if v == "" {
		if emptyMsg != "" {
			f.Fail(name, emptyMsg)
		}
		return time.Time{}, false
	}
	if !zoneOK {
		return time.Time{}, false
	}
	t, err := parseLocal(v, loc)
	if err != nil {
		f.Fail(name, "Give a date and time, like 2026-05-01 18:30.")
		return time.Time{}, false
	}
	return t, true
}

package admin

import (
	"fmt"
	"time"
)

// Times typed in forms: a datetime-local input ("2006-01-02T15:04", no
// zone) read in the zone chosen beside it, from the one list of zones
// (zones.go), defaulting to UTC.
const localLayout = "2006-01-02T15:04"

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

package leadrouter

import (
	"fmt"
	"strings"
	"time"
	_ "time/tzdata" // partners' time zones work on machines without zoneinfo
)

// Business hours: a business day is Monday to Friday, 09:00 to 17:00 in the
// partner's time zone (holidays are not counted out).
const (
	businessStart = 9
	businessEnd   = 17
	businessHours = businessEnd - businessStart
)

// ResponseTime is how long a partner has to answer an assignment: a plain
// duration ("48h", "90m", "2s" in tests) or a number of business days
// ("2 business days"). The zero value is none.
type ResponseTime struct {
	d    time.Duration
	days int
}

// Limits of a response time.
const (
	maxResponseDuration = 90 * 24 * time.Hour
	maxBusinessDays     = 60
)

// ParseResponseTime reads a response time: a Go duration longer than 0
// and at most 90 days ("48h", "90m"), or "N business day(s)" with N from 1
// to 60 (case and spacing do not matter; N is plain digits).
func ParseResponseTime(s string) (ResponseTime, error) {
	s = strings.TrimSpace(s)
	if fields := strings.Fields(strings.ToLower(s)); len(fields) == 3 && fields[1] == "business" && (fields[2] == "days" || fields[2] == "day") {
		n, ok := businessDayCount(fields[0])
		if !ok {
			return ResponseTime{}, Errorf(EINVALID, "%q: want 1 to %d business days", s, maxBusinessDays)
		}
		return ResponseTime{days: n}, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return ResponseTime{}, Errorf(EINVALID, "%q is no response time (want a duration such as 48h, or \"2 business days\")", s)
	}
	if d <= 0 || d > maxResponseDuration {
		return ResponseTime{}, Errorf(EINVALID, "%q: want more than 0 and at most 90 days (2160h)", s)
	}
	return ResponseTime{d: d}, nil
}

// businessDayCount reads the N of "N business days": digits only, 1 to
// maxBusinessDays.
func businessDayCount(s string) (int, bool) {
	if s == "" || len(s) > 2 {
		return 0, false
	}
	n := 0
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, n >= 1 && n <= maxBusinessDays
}

// IsZero reports whether no response time is set.
func (r ResponseTime) IsZero() bool { return r.d == 0 && r.days == 0 }

// String is the canonical text ParseResponseTime reads back: "1 business
// day", "2 business days", or the duration as time.Duration prints it
// ("48h0m0s"); "" for the zero value.
func (r ResponseTime) String() string {
	switch {
	case r.days == 1:
		return "1 business day"
	case r.days > 1:
		return fmt.Sprintf("%d business days", r.days)
	case r.d > 0:
		return r.d.String()
	}
	return ""
}

// MarshalText implements encoding.TextMarshaler: the canonical text.
func (r ResponseTime) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler, which YAML (yaml.v3)
// and JSON use. Empty text is the zero value, so that what MarshalText
// writes for it reads back.
func (r *ResponseTime) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*r = ResponseTime{}
		return nil
	}
	v, err := ParseResponseTime(string(b))
	if err != nil {
		return err
	}
	*r = v
	return nil
}

// Due is when an assignment opened at from must be answered, in loc (nil:
// UTC).
//
// A duration simply adds: 48h is 48 elapsed hours, whatever the clock or
// the weekday.
//
// Business days count working time: N business days are N×8 working
// hours, and the clock runs only Monday to Friday from 09:00 to 17:00
// wall-clock time in loc (holidays are not counted out). Arriving outside
// those hours (before 09:00, from 17:00, or on a weekend) the clock starts
// at the next 09:00 of a weekday; the due time may be 17:00 exactly, never
// a later opening. So with 2 business days, Friday 16:00 in Berlin is due
// Tuesday 16:00 (1 hour on Friday, 8 on Monday, 7 on Tuesday); Saturday
// 10:00 is due Tuesday 17:00; Wednesday 20:00 is due Friday 17:00. Office
// hours are read off the wall clock, so a daylight saving change (always at
// night in the EU and the US) neither shortens nor lengthens a working day.
func (r ResponseTime) Due(from time.Time, loc *time.Location) time.Time {
	if r.days == 0 {
		return inZone(from.Add(r.d), loc)
	}
	return addWorkingTime(from, time.Duration(r.days*businessHours)*time.Hour, loc)
}

// Reminder is when the partner is reminded, in loc (nil: UTC): after half
// of the duration, or half of the working hours of business days counted
// as Due counts them (2 business days: after 8 working hours).
func (r ResponseTime) Reminder(from time.Time, loc *time.Location) time.Time {
	if r.days == 0 {
		return inZone(from.Add(r.d/2), loc)
	}
	return addWorkingTime(from, time.Duration(r.days*businessHours)*time.Hour/2, loc)
}

// inZone is t in loc, UTC for nil.
func inZone(t time.Time, loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	return t.In(loc)
}

// addWorkingTime adds left of working time (Monday to Friday, 09:00 to
// 17:00 in loc) to from. Wall-clock arithmetic in loc keeps daylight
// saving changes out of it.
func addWorkingTime(from time.Time, left time.Duration, loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	t := from.In(loc)
	for {
		y, m, d := t.Date()
		open := time.Date(y, m, d, businessStart, 0, 0, 0, loc)
		closing := time.Date(y, m, d, businessEnd, 0, 0, 0, loc)
		if wd := t.Weekday(); wd == time.Saturday || wd == time.Sunday || !t.Before(closing) {
			t = nextOpening(t, loc)
			continue
		}
		if t.Before(open) {
			t = open
		}
		today := closing.Sub(t)
		if left <= today {
			return t.Add(left)
		}
		left -= today
		t = nextOpening(t, loc)
	}
}

// nextOpening is 09:00 of the first calendar day after t's in loc. A zone
// that once skipped a whole day (Pacific/Apia on 2011-12-30) makes
// time.Date normalise that day's 09:00 back into the day before, so the
// day count goes on until the opening lies after t.
func nextOpening(t time.Time, loc *time.Location) time.Time {
	y, m, d := t.Date()
	for next := 1; ; next++ {
		if open := time.Date(y, m, d+next, businessStart, 0, 0, 0, loc); open.After(t) {
			return open
		}
	}
}

// ParseTimeZone reads a partner's IANA time zone ("Europe/Berlin",
// "America/Los_Angeles", "UTC"). Names are case-sensitive; "", "Local" (the
// server's zone, not the partner's) and offsets such as "+02:00" are
// refused. The zone database is embedded (time/tzdata), so this works on
// machines without zoneinfo files.
func ParseTimeZone(s string) (*time.Location, error) {
	s = strings.TrimSpace(s)
	if !ianaZoneName(s) || s == "Local" {
		return nil, Errorf(EINVALID, "%q is no IANA time zone (want e.g. Europe/Berlin, America/Los_Angeles or UTC)", s)
	}
	loc, err := time.LoadLocation(s)
	if err != nil {
		return nil, Errorf(EINVALID, "%q is no IANA time zone (want e.g. Europe/Berlin, America/Los_Angeles or UTC)", s)
	}
	return loc, nil
}

// ianaZoneName reports whether s is shaped like an IANA zone name: it
// starts with a capital letter and has only the characters the database
// uses (letters, digits, "/", "_", "-", "+"), at most 64 of them. This
// keeps offsets, paths and other text away from time.LoadLocation.
func ianaZoneName(s string) bool {
	if s == "" || len(s) > 64 || s[0] < 'A' || s[0] > 'Z' || strings.Contains(s, "//") || strings.HasSuffix(s, "/") {
		return false
	}
	for _, c := range []byte(s) {
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '/', c == '_', c == '-', c == '+':
		default:
			return false
		}
	}
	return true
}

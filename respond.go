package leadrouter

import (
	"fmt"
	"strconv"
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

// ParseResponseTime reads a response time: a Go duration from 1s to 90
// days, or "N business day(s)" with N from 1 to 60.
func ParseResponseTime(s string) (ResponseTime, error) {
	s = strings.TrimSpace(s)
	if fields := strings.Fields(strings.ToLower(s)); len(fields) == 3 && fields[1] == "business" && (fields[2] == "days" || fields[2] == "day") {
		n, err := strconv.Atoi(fields[0])
		if err != nil || n < 1 || n > 60 {
			return ResponseTime{}, Errorf(EINVALID, "%q: want 1 to 60 business days", s)
		}
		return ResponseTime{days: n}, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return ResponseTime{}, Errorf(EINVALID, "%q is no response time (want a duration such as 48h, or \"2 business days\")", s)
	}
	if d < time.Second || d > 90*24*time.Hour {
		return ResponseTime{}, Errorf(EINVALID, "%q: want from 1s to 90 days (2160h)", s)
	}
	return ResponseTime{d: d}, nil
}

// IsZero reports whether no response time is set.
func (r ResponseTime) IsZero() bool { return r.d == 0 && r.days == 0 }

// String is the canonical text ParseResponseTime reads back.
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

// MarshalText implements encoding.TextMarshaler.
func (r ResponseTime) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler (YAML and JSON).
func (r *ResponseTime) UnmarshalText(b []byte) error {
	v, err := ParseResponseTime(string(b))
	if err == nil {
		*r = v
	}
	return err
}

// Due is when an assignment opened at from must be answered. A duration
// simply adds. Business days count working hours in loc (nil: UTC): N
// business days are N×8 working hours, the clock running Monday to Friday
// from 09:00 to 17:00 only. So an assignment opened on Friday at 16:00 in
// Berlin with 2 business days is due on Tuesday at 16:00 in Berlin; one
// opened on Saturday, or at 20:00 on a weekday, starts its clock at 09:00
// of the next working day.
func (r ResponseTime) Due(from time.Time, loc *time.Location) time.Time {
	if r.days == 0 {
		return from.Add(r.d)
	}
	return addWorkingTime(from, time.Duration(r.days*businessHours)*time.Hour, loc)
}

// Reminder is when the partner is reminded: half of the time (half of the
// working hours for business days).
func (r ResponseTime) Reminder(from time.Time, loc *time.Location) time.Time {
	if r.days == 0 {
		return from.Add(r.d / 2)
	}
	return addWorkingTime(from, time.Duration(r.days*businessHours)*time.Hour/2, loc)
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
// "America/Los_Angeles", "UTC").
func ParseTimeZone(s string) (*time.Location, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "Local" || !strings.ContainsAny(s[:1], "ABCDEFGHIJKLMNOPQRSTUVWXYZ") {
		return nil, Errorf(EINVALID, "%q is no IANA time zone (want e.g. Europe/Berlin, America/Los_Angeles or UTC)", s)
	}
	loc, err := time.LoadLocation(s)
	if err != nil {
		return nil, Errorf(EINVALID, "%q is no IANA time zone (want e.g. Europe/Berlin, America/Los_Angeles or UTC)", s)
	}
	return loc, nil
}

package leadrouter

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

func TestResponseTimeDue(t *testing.T) {
	berlin, _ := ParseTimeZone("Europe/Berlin")
	la, _ := ParseTimeZone("America/Los_Angeles")
	at := func(loc *time.Location, s string) time.Time {
		layout := "2006-01-02 15:04"
		if len(s) > len(layout) {
			layout += ":05"
		}
		v, err := time.ParseInLocation(layout, s, loc)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, c := range []struct {
		within   string
		loc      *time.Location
		from     string
		due, rem string
	}{
		// 2026-12-04 is a Friday.
		{"2 business days", berlin, "2026-12-04 16:00", "2026-12-08 16:00", "2026-12-07 16:00"},
		{"2 business days", berlin, "2026-12-05 10:00", "2026-12-08 17:00", "2026-12-07 17:00"}, // Saturday: from Monday 09:00
		{"2 business days", berlin, "2026-12-06 23:30", "2026-12-08 17:00", "2026-12-07 17:00"}, // Sunday night
		{"1 business day", berlin, "2026-12-07 08:00", "2026-12-07 17:00", "2026-12-07 13:00"},  // before opening
		{"1 business day", berlin, "2026-12-07 12:00", "2026-12-08 12:00", "2026-12-07 16:00"},
		{"1 business day", berlin, "2026-12-07 17:00", "2026-12-08 17:00", "2026-12-08 13:00"}, // at closing
		{"1 business day", berlin, "2026-12-07 23:30", "2026-12-08 17:00", "2026-12-08 13:00"},
		{"3 business days", la, "2026-12-04 16:00", "2026-12-09 16:00", "2026-12-08 12:00"},
		// Across the EU clock change (2027-03-28) and the US one (2027-03-14).
		{"1 business day", berlin, "2027-03-26 12:00", "2027-03-29 12:00", "2027-03-26 16:00"},
		{"5 business days", la, "2027-03-12 10:00", "2027-03-19 10:00", "2027-03-16 14:00"},
		{"1 business day", berlin, "2026-12-08 20:00", "2026-12-09 17:00", "2026-12-09 13:00"}, // evening: from 09:00 next day
		{"2 business days", berlin, "2026-12-09 20:00", "2026-12-11 17:00", "2026-12-10 17:00"},
		{"2 business days", berlin, "2026-12-11 17:00", "2026-12-15 17:00", "2026-12-14 17:00"}, // Friday closing
		{"2 business days", la, "2026-12-06 12:00", "2026-12-08 17:00", "2026-12-07 17:00"},     // Sunday in LA
		{"1 business day", la, "2026-12-07 08:00", "2026-12-07 17:00", "2026-12-07 13:00"},
		{"1 business day", la, "2026-12-07 23:30", "2026-12-08 17:00", "2026-12-08 13:00"},
		{"60 business days", berlin, "2026-12-04 16:00", "2027-02-26 16:00", "2027-01-15 16:00"},
		// A week across the EU change: Friday 16:00 to Monday after it.
		{"2 business days", berlin, "2027-03-26 16:00", "2027-03-30 16:00", "2027-03-29 16:00"},
		{"5 business days", berlin, "2027-03-24 09:00", "2027-03-30 17:00", "2027-03-26 13:00"},
		// US change on Sunday 2027-03-14 in LA, and the autumn ones.
		{"2 business days", la, "2027-03-12 16:00", "2027-03-16 16:00", "2027-03-15 16:00"},
		{"2 business days", la, "2027-11-05 16:00", "2027-11-09 16:00", "2027-11-08 16:00"},
		{"2 business days", berlin, "2027-10-29 16:00", "2027-11-02 16:00", "2027-11-01 16:00"},
		{"48h", berlin, "2026-12-04 16:00", "2026-12-06 16:00", "2026-12-05 16:00"},
		{"90m", la, "2026-12-05 23:00", "2026-12-06 00:30", "2026-12-05 23:45"}, // durations ignore office hours
		// 48 elapsed hours from Saturday noon lose the skipped hour on the
		// wall clock: Monday 13:00.
		{"48h", berlin, "2027-03-27 12:00", "2027-03-29 13:00", "2027-03-28 13:00"},
		{"2s", berlin, "2026-12-04 16:00", "2026-12-04 16:00:02", "2026-12-04 16:00:01"},
	} {
		rt, err := ParseResponseTime(c.within)
		if err != nil {
			t.Fatal(err)
		}
		from := at(c.loc, c.from)
		if got, want := rt.Due(from, c.loc), at(c.loc, c.due); !got.Equal(want) || got.Location() != c.loc {
			t.Errorf("%s from %s (%s): due %s, want %s", c.within, c.from, c.loc, got.In(c.loc), want)
		}
		if got, want := rt.Reminder(from, c.loc), at(c.loc, c.rem); !got.Equal(want) {
			t.Errorf("%s from %s (%s): reminder %s, want %s", c.within, c.from, c.loc, got.In(c.loc), want)
		}
	}
	// A partner in Los Angeles answers by its own office hours: Friday
	// 16:00 in Berlin is Friday 07:00 there, so its clock starts at 09:00.
	rt, _ := ParseResponseTime("2 business days")
	if got, want := rt.Due(at(berlin, "2026-12-04 16:00"), la), at(la, "2026-12-07 17:00"); !got.Equal(want) {
		t.Errorf("Berlin Friday 16:00 for LA: due %s, want %s", got.In(la), want)
	}
}

func TestParseResponseTime(t *testing.T) {
	for _, c := range []struct{ in, canonical string }{
		{"48h", "48h0m0s"}, {"2s", "2s"}, {"90m", "1h30m0s"}, {"500ms", "500ms"}, {"2160h", "2160h0m0s"},
		{"1 business day", "1 business day"}, {"1 business days", "1 business day"}, {"2 business days", "2 business days"},
		{" 10 Business Days ", "10 business days"}, {"2 business day", "2 business days"}, {"60 business days", "60 business days"},
	} {
		rt, err := ParseResponseTime(c.in)
		if err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		if rt.String() != c.canonical || rt.IsZero() {
			t.Errorf("%q: %q, want %q", c.in, rt.String(), c.canonical)
		}
		if back, err := ParseResponseTime(rt.String()); err != nil || back != rt {
			t.Errorf("%q does not round-trip: %q %v", c.in, rt.String(), err)
		}
	}
	for _, bad := range []string{"", "0s", "0", "-1h", "2160h0m1s", "2161h", "0 business days", "61 business days", "+2 business days",
		"-1 business days", "002 business days", "two business days", "2 days", "2 business", "business days", "soon", "2 business days ago"} {
		if _, err := ParseResponseTime(bad); ErrorCode(err) != EINVALID {
			t.Errorf("%q: %v, want invalid", bad, err)
		}
	}
	if !(ResponseTime{}).IsZero() || (ResponseTime{}).String() != "" {
		t.Error("zero value")
	}
}

func TestResponseTimeText(t *testing.T) {
	var policy struct {
		Fast ResponseTime `yaml:"fast" json:"fast"`
		Slow ResponseTime `yaml:"slow" json:"slow"`
		None ResponseTime `yaml:"none" json:"none"`
	}
	if err := yaml.Unmarshal([]byte("fast: 90m\nslow: 3 business days\n"), &policy); err != nil {
		t.Fatal(err)
	}
	if policy.Fast.String() != "1h30m0s" || policy.Slow.String() != "3 business days" || !policy.None.IsZero() {
		t.Errorf("yaml: %+v", policy)
	}
	if err := yaml.Unmarshal([]byte("fast: 91 days\n"), &policy); ErrorCode(err) != EINVALID {
		t.Errorf("yaml accepted 91 days: %v", err)
	}
	b, err := json.Marshal(policy)
	if err != nil || string(b) != `{"fast":"1h30m0s","slow":"3 business days","none":""}` {
		t.Fatalf("json %s %v", b, err)
	}
	var back = policy
	back.Fast = ResponseTime{days: 1}
	if err := json.Unmarshal(b, &back); err != nil || back != policy {
		t.Errorf("json round trip: %+v %v", back, err)
	}
}

func TestParseTimeZone(t *testing.T) {
	for _, ok := range []string{"UTC", "Europe/Berlin", "America/Los_Angeles", " Asia/Kolkata ", "America/Argentina/Buenos_Aires", "Etc/GMT+5"} {
		loc, err := ParseTimeZone(ok)
		if err != nil || loc.String() != strings.TrimSpace(ok) {
			t.Errorf("%q: %v %v", ok, loc, err)
		}
	}
	for _, bad := range []string{"", "Local", "nowhere/else", "+02:00", "0200", "12345", "europe/berlin", "Europe/Berlin/",
		"Europe//Berlin", "Europe/../Europe/Berlin", "/etc/localtime", "Europe/Berlin\x00", "Mars/Olympus_Mons", "UTC+2"} {
		if _, err := ParseTimeZone(bad); ErrorCode(err) != EINVALID {
			t.Errorf("time zone %q: %v, want invalid", bad, err)
		}
	}
	// A nil zone is UTC.
	rt, _ := ParseResponseTime("1 business day")
	from := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC) // Saturday
	if got := rt.Due(from, nil); !got.Equal(time.Date(2026, 12, 7, 17, 0, 0, 0, time.UTC)) || got.Location() != time.UTC {
		t.Errorf("nil zone: %s", got)
	}
}

func FuzzParseResponseTime(f *testing.F) {
	for _, s := range []string{"48h", "2 business days", "1 business day", "2s", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		rt, err := ParseResponseTime(s)
		if err != nil {
			return
		}
		back, err := ParseResponseTime(rt.String())
		if err != nil || back != rt {
			t.Fatalf("%q → %q does not read back: %v", s, rt.String(), err)
		}
		from := time.Date(2026, 12, 4, 16, 0, 0, 0, time.UTC)
		if due := rt.Due(from, time.UTC); !due.After(from) || rt.Reminder(from, time.UTC).After(due) {
			t.Fatalf("%q: due %s, reminder %s", s, due, rt.Reminder(from, time.UTC))
		}
	})
}

// Samoa skipped 2011-12-30 when it moved across the date line: the clock
// must still move forward over the missing day.
func TestResponseTimeSkippedDay(t *testing.T) {
	apia, err := ParseTimeZone("Pacific/Apia")
	if err != nil {
		t.Fatal(err)
	}
	rt, _ := ParseResponseTime("2 business days")
	from := time.Date(2011, 12, 29, 12, 0, 0, 0, apia) // Thursday
	// 5 hours on Thursday; Friday 30th does not exist; Saturday 31st and
	// Sunday are weekend; 8 hours on Monday 2 January, 3 on Tuesday.
	want := time.Date(2012, 1, 3, 12, 0, 0, 0, apia)
	if got := rt.Due(from, apia); !got.Equal(want) {
		t.Errorf("due %s, want %s", got, want)
	}
}

// fuzzZones are the zones FuzzResponseTimeDue picks from: no change, EU
// and US daylight saving, a half-hour offset, a half-hour change (Lord
// Howe) and a skipped day (Apia).
var fuzzZones = []string{"UTC", "Europe/Berlin", "America/Los_Angeles", "Asia/Kolkata", "Australia/Lord_Howe", "Pacific/Apia"}

// FuzzResponseTimeDue checks Due and Reminder of business days against a
// minute-by-minute count of working time.
func FuzzResponseTimeDue(f *testing.F) {
	f.Add(int64(1796396400), uint8(1), uint8(2)) // Friday 2026-12-04 16:00 Berlin
	f.Add(int64(1805281200), uint8(2), uint8(5)) // around the US change, March 2027
	f.Add(int64(1325192400), uint8(5), uint8(2)) // Apia, 2011-12-29
	f.Fuzz(func(t *testing.T, unix int64, zone, days uint8) {
		const from1990, span = 631152000, 110 * 365 * 24 * 3600
		from := time.Unix(from1990+(unix%span+span)%span, 0).Truncate(time.Minute)
		loc, err := ParseTimeZone(fuzzZones[int(zone)%len(fuzzZones)])
		if err != nil {
			t.Fatal(err)
		}
		n := 1 + int(days)%5
		rt, err := ParseResponseTime(strconv.Itoa(n) + " business days")
		if err != nil {
			t.Fatal(err)
		}
		due, reminder := rt.Due(from, loc), rt.Reminder(from, loc)
		if !reminder.After(from) || !due.After(reminder) {
			t.Fatalf("%s in %s: reminder %s, due %s", from, loc, reminder, due)
		}
		if got, want := workingMinutes(from, due, loc), n*businessHours*60; got != want {
			t.Fatalf("%s in %s + %d business days: due %s after %d working minutes, want %d", from.In(loc), loc, n, due, got, want)
		}
		if got, want := workingMinutes(from, reminder, loc), n*businessHours*30; got != want {
			t.Fatalf("%s in %s: reminder %s after %d working minutes, want %d", from.In(loc), loc, reminder, got, want)
		}
	})
}

// workingMinutes counts the minutes from from up to until that start on a
// weekday between 09:00 and 17:00 in loc, one by one.
func workingMinutes(from, until time.Time, loc *time.Location) int {
	count := 0
	for m := from; m.Before(until); m = m.Add(time.Minute) {
		wall := m.In(loc)
		if wd := wall.Weekday(); wd != time.Saturday && wd != time.Sunday && wall.Hour() >= businessStart && wall.Hour() < businessEnd {
			count++
		}
	}
	return count
}

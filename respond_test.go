package leadrouter

import (
	"testing"
	"time"
)

func TestResponseTimeDue(t *testing.T) {
	berlin, _ := ParseTimeZone("Europe/Berlin")
	la, _ := ParseTimeZone("America/Los_Angeles")
	at := func(loc *time.Location, s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
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
		{"48h", berlin, "2026-12-04 16:00", "2026-12-06 16:00", "2026-12-05 16:00"},
	} {
		rt, err := ParseResponseTime(c.within)
		if err != nil {
			t.Fatal(err)
		}
		from := at(c.loc, c.from)
		if got, want := rt.Due(from, c.loc), at(c.loc, c.due); !got.Equal(want) {
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
	for _, ok := range []string{"48h", "2s", "90m", "1 business day", "2 business days", " 10 Business Days ", "2160h"} {
		rt, err := ParseResponseTime(ok)
		if err != nil {
			t.Errorf("%q: %v", ok, err)
			continue
		}
		if back, err := ParseResponseTime(rt.String()); err != nil || back != rt {
			t.Errorf("%q does not round-trip: %q %v", ok, rt.String(), err)
		}
	}
	for _, bad := range []string{"", "0s", "-1h", "2161h", "0 business days", "61 business days", "two business days", "2 days", "soon"} {
		if _, err := ParseResponseTime(bad); ErrorCode(err) != EINVALID {
			t.Errorf("%q: %v, want invalid", bad, err)
		}
	}
	for _, bad := range []string{"", "Local", "nowhere/else", "+02:00", "europe/berlin"} {
		if _, err := ParseTimeZone(bad); err == nil {
			t.Errorf("time zone %q accepted", bad)
		}
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

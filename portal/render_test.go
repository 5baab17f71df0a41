package portal

import (
	"encoding/json"
	"slices"
	"testing"
)

// TestTimelineDetails: event data reads as lines: owners by name, a
// routing trace one line a rule, nulls left out.
func TestTimelineDetails(t *testing.T) {
	details := templateFuncs["details"].(func(any) []string)
	raw := json.RawMessage(`{"rule":"international","new_owner":{"kind":"partner","id":"ptr_1","name":"Berlin Systems GmbH"},"utm":null,
		"trace":[{"rule":"pid","matched":false,"fired":false,"reason":"no credited PID"},{"rule":"international","matched":true,"fired":true,"reason":"DE is abroad: Berlin Systems GmbH is next"}]}`)
	got := details(raw)
	want := []string{
		"new owner: Berlin Systems GmbH",
		"rule: international",
		"trace: pid — not matched: no credited PID",
		"trace: international — fired: DE is abroad: Berlin Systems GmbH is next",
	}
	if !slices.Equal(got, want) {
		t.Errorf("details =\n%q\nwant\n%q", got, want)
	}
}

// TestDateOfPointers: dates given as pointers (a view's optional time)
// render as dates, never as an address.
func TestDateOfPointers(t *testing.T) {
	date := templateFuncs["date"].(func(any) string)
	s := "2026-12-04T16:00:00Z"
	var none *string
	for _, c := range []struct {
		in   any
		want string
	}{{&s, "2026-12-04 16:00"}, {none, ""}, {s, "2026-12-04 16:00"}} {
		if got := date(c.in); got != c.want {
			t.Errorf("date(%#v) = %q, want %q", c.in, got, c.want)
		}
	}
}

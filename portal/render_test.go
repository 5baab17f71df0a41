package portal

import (
	"testing"
)

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

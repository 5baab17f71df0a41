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

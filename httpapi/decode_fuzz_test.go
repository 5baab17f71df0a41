package httpapi

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/leadrouter/leadrouter"
)

// fuzzTarget has a field of each JSON type the API's requests use.
type fuzzTarget struct {
	Name      string         `json:"name"`
	Countries []string       `json:"countries"`
	Size      int            `json:"size"`
	Share     *bool          `json:"share"`
	Amount    float64        `json:"amount"`
	Nested    map[string]any `json:"nested"`
}

// FuzzDecodeJSON: no body makes the decoder panic; a body is accepted,
// a 400 or a 422 naming at least one field, and a body encoding/json
// accepts is accepted with the same result.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{`{"name":"a","countries":["DE"],"size":3,"share":true,"amount":1.5}`, `{"name":1,"size":"x","share":"yes"}`,
		`[]`, `{"name":"a"} {}`, `{"countries":[1,2]}`, `{"nested":{"a":[{}]},"size":1e3}`, `{"name":"\u00e9"`, `null`, `{"name":null,"name":2}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		var got fuzzTarget
		err := decodeJSONBody(raw, &got)
		var want fuzzTarget
		stdErr := json.Unmarshal(raw, &want)
		switch code := leadrouter.ErrorCode(err); {
		case err == nil:
			if stdErr != nil {
				t.Fatalf("accepted what encoding/json refuses (%v): %q", stdErr, raw)
			}
		case code == leadrouter.EINVALID:
			if len(leadrouter.ErrorFields(err)) == 0 {
				t.Fatalf("422 without fields for %q", raw)
			}
		case errors.As(err, new(errBadRequest)):
		default:
			t.Fatalf("unexpected error %v for %q", err, raw)
		}
		if stdErr == nil && err != nil {
			t.Fatalf("refused what encoding/json accepts: %v: %q", err, raw)
		}
	})
}
